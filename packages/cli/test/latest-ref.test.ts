// `latest` where a command takes a stored backup: download, restore (and restore --list), verify and diff
// take the newest full backup restore would use, name it on stderr, and pass over a newer partial one
// (and under a signing key an untrusted one); an empty storage is BACKUP_NOT_FOUND saying why; a file
// named `latest` in the working folder is a usage error instead of a guess. Real database, real folder.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertSameDatabase, createDatabase, runSql, withDatabase, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'cli_latest' })
  await runSql(db.url, `CREATE TABLE bills (id integer PRIMARY KEY, amount numeric NOT NULL);
    INSERT INTO bills SELECT g, g * 1000 FROM generate_series(1, 300) g;
    CREATE TABLE notes (id integer);`)
})
afterAll(() => db?.drop())

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

async function backup(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const made = await run(['backup', db.url, '--dir', dir, '--json', ...args], { env })
  expect(made.code, made.stderr).toBe(0)
  return JSON.parse(made.stdout) as { id: string; sha256: string; storagePath: string; createdAt: string }
}

describe('latest as a backup id', () => {
  it('names the newest full backup for download, restore, restore --list, verify and diff, passing over a newer partial one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-latest-'))
    const older = await backup(dir)
    const full = await backup(dir)
    await backup(dir, ['-t', 'notes'])
    const said = `pgkeep: latest is ${full.id} (${full.createdAt}, ${full.storagePath})\n`

    const downloaded = await run(['download', 'latest', '--dir', dir])
    expect(downloaded.code, downloaded.stderr).toBe(0)
    expect(downloaded.stderr).toBe(said)
    expect(sha256(downloaded.out)).toBe(full.sha256)

    const listed = await run(['restore', 'latest', '--list', '--dir', dir])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stderr).toBe(said)
    expect(listed.stdout).toMatch(/^DATA\tTABLE DATA\tpublic\tbills\t/m)

    const name = `cli_latest_restored_${Date.now()}`
    try {
      const restored = await run(['restore', 'latest', server.url, '-C', name, '-q', '--dir', dir])
      expect(restored.code, restored.stderr).toBe(0)
      expect(restored.stderr).toBe(said)
      await assertSameDatabase(db.url, withDatabase(server.url, name))
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }

    const verified = await run(['verify', 'latest', server.url, '-q', '--dir', dir])
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stderr).toBe(said)
    expect(verified.stdout).toMatch(/^ok: 2 tables /)

    const diff = await run(['diff', older.id, 'latest', '--exit-code', '--dir', dir])
    expect(diff.code, diff.stdout + diff.stderr).toBe(0)
    expect(diff.stderr).toBe(said)
  })

  it('an empty storage, or one whose backups the signing key does not vouch for, is BACKUP_NOT_FOUND saying why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-latest-none-'))
    const none = await run(['download', 'latest', '--dir', dir])
    expect({ code: none.code, out: none.out.length }).toEqual({ code: 1, out: 0 })
    expect(none.stderr).toContain('pgkeep: error: no backup for "latest": the storage holds no full backup [BACKUP_NOT_FOUND]\n')

    const unsigned = await backup(dir)
    const env = { PGKEEP_SIGNING_KEY: randomBytes(32).toString('hex'), PGKEEP_REQUIRE_SIGNATURE: '1' }
    const refused = await run(['verify', 'latest', server.url, '--dir', dir], { env })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('no backup for "latest": the storage holds no full backup that the signing key vouches for [BACKUP_NOT_FOUND]')
    expect(refused.stderr).not.toContain(unsigned.id)
    // signed afterwards: that one is the latest, the newer unsigned one passed over
    const signed = await backup(dir, [], env)
    await backup(dir)
    const downloaded = await run(['download', 'latest', '--dir', dir], { env })
    expect(downloaded.code, downloaded.stderr).toBe(0)
    expect(sha256(downloaded.out)).toBe(signed.sha256)
  })

  it('restore latest with a file of that name in the working folder is a usage error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-latest-file-'))
    await backup(dir)
    await writeFile(join(dir, 'latest'), 'SELECT 1;\n')
    const result = await run(['restore', 'latest', '--list', '--dir', dir], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('write ./latest for the file')
    const file = await run(['restore', './latest', '--list'], { cwd: dir })
    expect(file.code, file.stderr).toBe(0)
  })
})
