// `pgkeep download <id> | gunzip -c | psql` with PGKEEP_SIGNING_KEY and PGKEEP_REQUIRE_SIGNATURE=1, the
// built command in its own process in a real shell pipeline: a signed backup whose stored object was
// changed under its intact manifest (its first bytes overwritten with gzip("CREATE TABLE pwned(x int);"),
// the object's size unchanged) must not run that SQL. Before, the download was checked only at its end
// and let every byte but its last chunk out: psql created the table, and pgkeep died of SIGPIPE. Now no
// member goes out before it matched its signed sha256, and pgkeep says why it failed.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { assertBuilt, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './process'

const server = inject('pgDefault')
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const KEY = randomBytes(32).toString('hex')
let source: TestDatabase
let target: TestDatabase

beforeAll(async () => {
  assertBuilt('core', 'cli')
  source = await createDatabase(server.url, { prefix: 'cli_signed_pipe' })
  // Hashes compress poorly: the stored object is larger than one read of the folder (256 KiB).
  await runSql(source.url, "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, encode(sha512(g::text::bytea), 'hex') FROM generate_series(1, 20000) g")
  target = await createDatabase(server.url, { prefix: 'cli_signed_pipe_to' })
}, 120_000)
afterAll(async () => {
  await source?.drop()
  await target?.drop()
})

const PIPE = '"$NODE" "$BIN" download "$ID" --dir "$DIR" 2>"$ERR" | gunzip -c 2>/dev/null | psql -X -q -v ON_ERROR_STOP=1 -d "$URL" >/dev/null 2>&1; echo "${PIPESTATUS[*]}"'

describe('pgkeep download | gunzip | psql of a signed backup', () => {
  it('restores an unchanged one, and runs no SQL of one changed in storage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-signed-pipe-'))
    const env = { PGKEEP_SIGNING_KEY: KEY, PGKEEP_REQUIRE_SIGNATURE: '1' }
    const made = await run(process.execPath, [bin, 'backup', source.url, '--dir', dir, '--json'], env)
    expect(made.code, made.stderr).toBe(0)
    const record = JSON.parse(made.stdout) as { id: string; storagePath: string; signed: boolean }
    expect(record.signed).toBe(true)
    const path = join(dir, record.storagePath)
    const file = await readFile(path)
    expect(file.length).toBeGreaterThan(512 * 1024)
    const err = join(dir, 'stderr')
    const pipe = (url: string) => run('bash', ['-c', PIPE], { ...env, NODE: process.execPath, BIN: bin, ID: record.id, DIR: dir, ERR: err, URL: url })

    // Unchanged: the pipeline restores it.
    expect((await pipe(target.url)).stdout.trim()).toBe('0 0 0')
    expect((await runSql<{ n: string }>(target.url, 'SELECT count(*) AS n FROM notes'))[0]!.n).toBe('20000')

    // The first bytes overwritten with a gzip member of other SQL; same size, manifest untouched.
    const evil = gzipSync('CREATE TABLE pwned(x int);\n')
    const changed = Buffer.from(file)
    evil.copy(changed, 0)
    await writeFile(path, changed)
    const victim = await createDatabase(server.url, { prefix: 'cli_signed_pipe_victim' })
    try {
      const codes = (await pipe(victim.url)).stdout.trim().split(' ')
      expect((await runSql<{ t: string | null }>(victim.url, "SELECT to_regclass('public.pwned')::text AS t"))[0]!.t).toBeNull()
      // pgkeep fails and says why (not killed by SIGPIPE, exit 141, after psql had run the SQL)
      expect(codes[0]).toBe('1')
      const stderr = await readFile(err, 'utf8')
      expect(stderr).toContain(`backup ${record.id}`)
      expect(stderr).toContain('was tampered with: member 1 of')
      expect(stderr).toContain('[BACKUP_UNTRUSTED]')
    } finally {
      await victim.drop()
    }
  })
})
