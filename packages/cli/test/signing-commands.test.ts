// The command line with PGKEEP_SIGNING_KEY: `pgkeep backup` signs, `pgkeep list` says so, `pgkeep
// restore` and `pgkeep verify` check the signature and refuse a tampered or (with
// PGKEEP_REQUIRE_SIGNATURE=1) an unsigned backup, naming it, without printing the key.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
const KEY = randomBytes(32).toString('hex')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'cli_sign' })
  await runSql(db.url, `CREATE TABLE bills (id integer PRIMARY KEY, amount numeric NOT NULL);
    INSERT INTO bills SELECT g, g * 1000 FROM generate_series(1, 300) g;`)
})
afterAll(() => db?.drop())

describe('pgkeep with PGKEEP_SIGNING_KEY', () => {
  it('signs backups, restores and verifies them, and refuses a tampered or unsigned one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-sign-'))
    const env = { PGKEEP_SIGNING_KEY: KEY }
    const made = await run(['backup', db.url, '--dir', dir, '--json'], { env })
    expect(made.code, made.stderr).toBe(0)
    const record = JSON.parse(made.stdout)
    expect(record.signed).toBe(true)
    expect(await readFile(join(dir, record.storagePath.replace(/\.sql\.gz$/, '.manifest.json')), 'utf8')).not.toContain(KEY)

    const listed = await run(['list', '--dir', dir], { env })
    expect(listed.stdout).toMatch(new RegExp(`^${record.id}  \\S+  manual\\s+${record.size}  signed    ${record.storagePath.replaceAll('.', '\\.')}\\n$`))

    const name = `cli_sign_r_${Date.now()}`
    try {
      const restored = await run(['restore', record.id, server.url, '-C', name, '--dir', dir, '-q'], { env: { ...env, PGKEEP_REQUIRE_SIGNATURE: '1' } })
      expect(restored.code, restored.stderr).toBe(0)
      expect((await runSql<{ n: string }>(server.url.replace(/\/[^/]*$/, `/${name}`), 'SELECT count(*) AS n FROM bills'))[0]!.n).toBe('300')
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
    const verified = await run(['verify', record.id, server.url, '--dir', dir, '-q'], { env })
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout).toMatch(/^ok: 1 tables/)

    // The manifest edited by someone without the key: one more row.
    const manifestFile = join(dir, record.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'))
    manifest.tables[0].rows += 1
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2))
    for (const args of [['restore', record.id, server.url, '-C', `${name}_t`, '--dir', dir, '-q'], ['verify', record.id, server.url, '--dir', dir, '-q']]) {
      const refused = await run(args, { env })
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toContain(`pgkeep: error: backup ${record.id} (${record.filename}) was tampered with: its manifest does not match its signature`)
      expect(refused.stderr).toContain('[BACKUP_UNTRUSTED]')
      expect(refused.stderr).not.toContain(KEY)
    }

    // A backup made without the key is refused where signing is required, used with a warning elsewhere.
    const unsigned = JSON.parse((await run(['backup', db.url, '--dir', dir, '--json'])).stdout)
    expect(unsigned.signed).toBe(false)
    const strict = await run(['verify', unsigned.id, server.url, '--dir', dir, '-q'], { env: { ...env, PGKEEP_REQUIRE_SIGNATURE: '1' } })
    expect(strict.code).not.toBe(0)
    expect(strict.stderr).toContain(`is unsigned, and signing is required: refusing to verify it [BACKUP_UNTRUSTED]`)
    const lenient = await run(['verify', unsigned.id, server.url, '--dir', dir, '-q'], { env })
    expect(lenient.code, lenient.stderr).toBe(0)
  })

  it('refuses a signing key that is too short without printing it', async () => {
    const short = 'only-twenty-chars-ab'
    const result = await run(['list', '--dir', await mkdtemp(join(tmpdir(), 'pgkeep-cli-sign-'))], { env: { PGKEEP_SIGNING_KEY: short } })
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('PGKEEP_SIGNING_KEY is too short')
    expect(result.stderr).toContain('[OPTIONS_INVALID]')
    expect(result.stderr).not.toContain(short)
  })
})
