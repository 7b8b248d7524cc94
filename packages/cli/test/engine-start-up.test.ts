// The built command starts with @pgkeep/core/engine alone: `pgkeep dump` and the help run in a process
// where loading the rest of the library (the chunk that defines createBackupManager) fails, and a command
// that needs the backup manager fails there with that loader's error. The schedule's help, written
// without core's schedule module, must still name core's default patterns.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { DEFAULT_BACKUP_CRON, DEFAULT_CLEANUP_CRON } from '@pgkeep/core'
import { assertBuilt, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const server = inject('pgDefault')

/** A module-resolution hook that refuses any file of the command defining the backup manager. */
const hooks = `import { readFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  if (resolved.url.startsWith('file:') && readFileSync(new URL(resolved.url), 'utf8').includes('function createBackupManager(')) {
    throw new Error('the backup manager is blocked in this test')
  }
  return resolved
}`
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)})`
const blocked = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, bin, ...args], { timeout: 60_000, env: { PATH: process.env.PATH } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )

let db: TestDatabase
let dir: string

beforeAll(async () => {
  assertBuilt('core', 'cli')
  db = await createDatabase(server.url, { prefix: 'cli_engine' })
  await runSql(db.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL); INSERT INTO rooms VALUES (1, 'Mawar');`)
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-engine-'))
})
afterAll(async () => {
  await db?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the command loads the backup manager only for the commands that use it', () => {
  it('pgkeep dump and pgkeep --help run without it', async () => {
    const dumped = await blocked(['dump', db.url])
    expect(dumped.stderr).toBe('')
    expect(dumped.code).toBe(0)
    expect(dumped.stdout).toContain('COPY public.rooms (id, name) FROM stdin;\n1\tMawar\n\\.\n')
    const help = await blocked(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: pgkeep')
  })

  it('pgkeep schedule --help runs without it, and names core\'s default patterns', async () => {
    const help = await blocked(['schedule', '--help'])
    expect(help.code).toBe(0)
    // commander wraps the help's lines
    const text = help.stdout.replace(/\s+/g, ' ')
    expect(text).toContain(`(default: "${DEFAULT_BACKUP_CRON}", every day at 02:00)`)
    expect(text).toContain(`(default: "${DEFAULT_CLEANUP_CRON}", Sundays at 03:00)`)
  })

  it('pgkeep list needs it: there it fails with the loader\'s error', async () => {
    const listed = await blocked(['list', '--dir', dir])
    expect(listed.code).not.toBe(0)
    expect(listed.stderr).toContain('the backup manager is blocked in this test')
  })
})
