// S3 backups when the database is reached over its Unix socket, run as a user runs them: the built
// `pgkeep` command and the built library in their own node processes (inside vitest the module loader
// is vite's, which would hide a Node loader bug). nodejs/node#51142: after a plain fs.statSync() of a
// socket file, Node's import() stops following pnpm's symlinks, so minio's lazy import failed.
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertBuilt, assertSameDatabase, s3Env, createDatabase, runSql, startSocketProxy, type SocketProxy, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

const server = inject('pgDefault')
const s3 = inject('s3')
const here = fileURLToPath(new URL('.', import.meta.url))
const cliBin = join(here, '../dist/bin.js')
let db: TestDatabase
let copy: TestDatabase
let proxy: SocketProxy
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  assertBuilt('core', 'cli')
  db = await createDatabase(server.url, { prefix: 'cli_socket' })
  copy = await createDatabase(server.url, { prefix: 'cli_socket_copy' })
  await runSql(db.url, `CREATE TABLE payments (id integer PRIMARY KEY, room text NOT NULL, amount numeric(12,2));
    INSERT INTO payments SELECT g, 'A-' || g, g * 750000 FROM generate_series(1, 2000) g;
    CREATE SEQUENCE receipt_no START 100; SELECT setval('receipt_no', 4321);`)
  const url = new URL(server.url)
  proxy = await startSocketProxy({ host: url.hostname, port: Number(url.port || 5432) })
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PGPORT: String(proxy.port),
    PGUSER: decodeURIComponent(url.username || 'postgres'),
    ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
    ...s3Env(s3, `socket-${randomBytes(4).toString('hex')}`),
  }
})
afterAll(async () => {
  await proxy?.close()
  await db?.drop()
  await copy?.drop()
})

describe('S3 over a Unix-socket connection (built command and library, own node processes)', () => {
  it('control: on Node 20 a plain statSync of the socket breaks the lazy minio import', async () => {
    const control = await node([join(here, 'socket/stat-then-import.mjs'), proxy.path])
    const regular = await node([join(here, 'socket/stat-then-import.mjs'), cliBin])
    expect(regular.stdout).toBe('imported')
    // where Node has the bug, the socket case fails: this is what the tests below would meet
    if (process.versions.node.startsWith('20.')) expect(control.stdout).toBe('ERR_MODULE_NOT_FOUND')
  })

  it('pgkeep backup of postgresql:///db to S3, then pgkeep restore <id> from S3, equal to the source', async () => {
    const before = proxy.connections
    const made = await node([cliBin, 'backup', `postgresql:///${db.name}`, '--json'])
    expect(made.stderr).toBe('')
    expect(made.code).toBe(0)
    const record = JSON.parse(made.stdout)
    expect(record).toMatchObject({ metadata: { recordCount: 2000 }, storagePath: expect.stringMatching(/\.sql\.gz$/) })
    // the connection really went through the socket, not TCP
    expect(proxy.connections).toBeGreaterThan(before)

    const restored = await node([cliBin, 'restore', record.id, `postgresql:///${copy.name}`])
    expect(restored.stderr).not.toContain('error')
    expect(restored.code).toBe(0)
    await assertSameDatabase(db.url, copy.url)
  })

  it('the library over the socket: backup to S3 and a presigned URL that serves the same bytes', async () => {
    const out = await node([join(here, 'socket/backup-and-presign.mjs'), `postgresql:///${db.name}`])
    expect(out.stderr).toBe('')
    expect(out.code).toBe(0)
    const { sha256, url } = JSON.parse(out.stdout)
    const response = await fetch(url)
    expect(response.status).toBe(200)
    const body = Buffer.from(await response.arrayBuffer())
    expect(createHash('sha256').update(body).digest('hex')).toBe(sha256)
  })
})

// --- internal ---

function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }))
  })
}
