// Under PGKEEP_SIGNING_KEY without PGKEEP_REQUIRE_SIGNATURE, an unsigned backup (made before signing, or
// one whose signature was stripped by someone who can write the storage) is used all the same: the
// command says so on stderr, once, where the manager's alert went unheard and the restore said nothing.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'cli_unsigned' })
  await runSql(db.url, 'CREATE TABLE rooms (id integer PRIMARY KEY, name text); INSERT INTO rooms SELECT g, \'kamar \' || g FROM generate_series(1, 50) g;')
})
afterAll(() => db?.drop())

describe('an unsigned backup under a signing key', () => {
  it('restore, verify and download warn once on stderr, and go on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-unsigned-'))
    const made = await run(['backup', db.url, '--dir', dir, '--json'])
    expect(made.code, made.stderr).toBe(0)
    const record = JSON.parse(made.stdout) as { id: string; filename: string }
    const env = { PGKEEP_SIGNING_KEY: randomBytes(32).toString('hex') }
    const warning = (action: string) => `pgkeep: warning: backup ${record.id} (${record.filename}) is unsigned; using it for ${action} all the same (signing.require is off)\n`
    const name = `cli_unsigned_r_${Date.now()}`
    try {
      const restored = await run(['restore', record.id, server.url, '-C', name, '--dir', dir, '-q'], { env })
      expect({ code: restored.code, stderr: restored.stderr }).toEqual({ code: 0, stderr: warning('restore') })
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
    const verified = await run(['verify', record.id, server.url, '--dir', dir, '-q'], { env })
    expect({ code: verified.code, stderr: verified.stderr }).toEqual({ code: 0, stderr: warning('verify') })
    const downloaded = await run(['download', record.id, '--dir', dir, '-o', join(dir, 'copy.sql.gz')], { env })
    expect({ code: downloaded.code, stderr: downloaded.stderr }).toEqual({ code: 0, stderr: warning('download') })
    // without a key nothing is checked, and nothing is said
    const plain = await run(['verify', record.id, server.url, '--dir', dir, '-q'])
    expect({ code: plain.code, stderr: plain.stderr }).toEqual({ code: 0, stderr: '' })
  })
})
