// The server's shared lock table is sized by max_locks_per_transaction × its processes. A dump must hold
// ACCESS SHARE on every table it dumps (as pg_dump does), but nothing else: the view definitions and
// sequence values it reads lock each view and sequence too, and those locks must not pile up. When the
// tables alone do not fit, the dump fails at once with SERVER_LIMIT naming the setting and a value that
// works, and that value does work.
//
// A server started with a tiny lock table (max_locks_per_transaction = 10, about 26 processes: some 260
// locks for all sessions) makes a few hundred objects enough; pg_dump fails on both databases here.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, isEmbeddedMajor, runSql, startEmbeddedServer, type EmbeddedMajor, type EmbeddedServer } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { PgkeepError, restore } from '../src/index'
import { dumpToFile } from './helpers/dump-to-file'

const pgDefault = inject('pgDefault')
const major: EmbeddedMajor = isEmbeddedMajor(pgDefault.major) ? pgDefault.major : 15
const SMALL_LOCK_TABLE = {
  max_locks_per_transaction: 10,
  max_connections: 20,
  max_worker_processes: 2,
  max_wal_senders: 2,
  autovacuum_max_workers: 1,
}
const dataDir = mkdtempSync(join(tmpdir(), 'pgkeep-locks-'))
// the server may run as another user (postgres, when the tests run as root): let it reach its data folder
chmodSync(dataDir, 0o755)
let server: EmbeddedServer

/** Runs `body` (using i) for i in 1..n, committing every 20 so that creating them does not fill the lock table. */
async function createMany(url: string, n: number, body: string): Promise<void> {
  await runSql(url, `DO $$ BEGIN FOR i IN 1..${n} LOOP ${body}; IF i % 20 = 0 THEN COMMIT; END IF; END LOOP; END $$`)
}

/** Every view's definition and every sequence's position, read 100 at a time (one transaction each). */
async function viewsAndSequences(url: string): Promise<string[]> {
  const out: string[] = []
  for (let i = 1; i <= 600; i += 100) {
    const rows = await runSql<{ line: string }>(url, `SELECT 'v' || g || ': ' || pg_get_viewdef(('v' || g)::regclass) AS line FROM generate_series(${i}, ${i + 99}) g ORDER BY g`)
    out.push(...rows.map((r) => r.line))
  }
  for (let i = 1; i <= 400; i += 100) {
    const rows = await runSql<{ line: string }>(url, `SELECT string_agg(format('s%s: %s', g, (xpath('/row/last_value/text()', query_to_xml(format('SELECT last_value FROM s%s', g), false, false, '')))[1]::text), ', ' ORDER BY g) AS line FROM generate_series(${i}, ${i + 99}) g`)
    out.push(...rows.map((r) => r.line))
  }
  expect(out).toHaveLength(604)
  return out
}

beforeAll(async () => {
  server = await startEmbeddedServer({ major, dataDir: join(dataDir, 'data'), settings: SMALL_LOCK_TABLE })
}, 120_000)

afterAll(async () => {
  await server?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('lock table', () => {
  it('views and sequences read by the dump do not stay locked: 600 views and 400 sequences dump and restore', async () => {
    const source = await createDatabase(server.url, { prefix: 'locks_views' })
    const copy = await createDatabase(server.url, { prefix: 'locks_views_copy' })
    await runSql(source.url, 'CREATE TABLE base (id integer PRIMARY KEY, v text); INSERT INTO base SELECT g, g::text FROM generate_series(1, 10) g')
    await createMany(source.url, 600, `EXECUTE format('CREATE VIEW v%s AS SELECT id, v FROM base WHERE id > %s', i, i % 10)`)
    await createMany(source.url, 400, `EXECUTE format('CREATE SEQUENCE s%s START %s', i, i)`)
    await runSql(source.url, "SELECT setval('s7', 77)")

    const { file } = await dumpToFile({ connection: source.url })
    // in one transaction the restore would hold a lock on each object it creates: more than this server holds
    const single = await restore(file, { target: copy.url }).then(() => null, (e: unknown) => e)
    expect(single).toMatchObject({ code: 'SERVER_LIMIT', hint: expect.stringContaining('singleTransaction: false') })
    await restore(file, { target: copy.url, singleTransaction: false })
    // compareDatabases reads every view in one transaction, more than this server holds: compare in chunks
    expect(await viewsAndSequences(copy.url)).toEqual(await viewsAndSequences(source.url))
    const [seq] = await runSql<{ last_value: string }>(copy.url, 'SELECT last_value FROM s7')
    expect(seq!.last_value).toBe('77')
  }, 300_000)

  it('tables that do not fit fail with SERVER_LIMIT naming max_locks_per_transaction, and the value it names works', async () => {
    const source = await createDatabase(server.url, { prefix: 'locks_tables' })
    await createMany(source.url, 1500, `EXECUTE format('CREATE TABLE t%s (id integer)', i)`)

    const error = await dumpToFile({ connection: source.url, schemaOnly: true }).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(PgkeepError)
    const failure = error as PgkeepError
    expect(failure.code).toBe('SERVER_LIMIT')
    expect(failure.message).toContain('unable to lock the 1500 tables')
    expect(failure.message).toContain('max_locks_per_transaction = 10 ×')
    const needed = /set max_locks_per_transaction to at least (\d+)/.exec(failure.hint ?? '')
    expect(needed, failure.hint).not.toBeNull()

    // the same data folder, started again with the value the hint names: the dump goes through
    await server.stop()
    server = await startEmbeddedServer({ major, dataDir: join(dataDir, 'data'), settings: { ...SMALL_LOCK_TABLE, max_locks_per_transaction: Number(needed![1]) } })
    const url = source.url.replace(/:\d+\//, `:${server.port}/`)
    const { summary } = await dumpToFile({ connection: url, schemaOnly: true })
    expect(summary.database).toBe(source.name)
  }, 300_000)
})
