// The catalog is read set-based: the number of queries the dump session sends does not grow with the
// number of tables (counted on the leader's own connection, a real pg.Client that records what it is
// asked). With jobs above 1 and enough indexed tables, the slowest read (every index deparsed) runs on
// a second session in the same snapshot while the leader reads on, and the script stays the same; so do
// the view definitions, on a session the indexes opened or, with enough views, one of their own.
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import pg from 'pg'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dump } from '../src/index'
import { INDEXES_ASIDE_FROM } from '../src/catalog/indexes'
import { VIEWS_ASIDE_FROM } from '../src/catalog/view-definitions'

const server = inject('pgDefault')
let db: TestDatabase

/** A client that records the text of every query it is given. */
class CountingClient extends pg.Client {
  readonly texts: string[] = []
  override query(...args: unknown[]): never {
    const first = args[0] as string | { text?: string }
    this.texts.push(typeof first === 'string' ? first : first.text ?? '')
    return (super.query as (...a: unknown[]) => never)(...args)
  }
}

/** Tables t<from>..t<to>, each with a primary key and one more index, and no sequence. */
async function addTables(from: number, to: number): Promise<void> {
  await runSql(db.url, `DO $$ BEGIN FOR i IN ${from}..${to} LOOP
      EXECUTE format('CREATE TABLE t%s (id integer PRIMARY KEY, label text NOT NULL)', i);
      EXECUTE format('CREATE INDEX t%s_label ON t%s (label)', i, i);
      IF i % 50 = 0 THEN COMMIT; END IF;
    END LOOP; END $$`)
}

async function dumpCounted(jobs: number, url = db.url): Promise<{ text: string; queries: string[] }> {
  const client = new CountingClient({ connectionString: url })
  await client.connect()
  const chunks: Buffer[] = []
  const out = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk); done() } })
  try {
    await dump({ connection: url, schemaOnly: true, restrictKey: 'k', jobs }, out, { client })
  } finally {
    await client.end()
  }
  return { text: Buffer.concat(chunks).toString('utf8'), queries: client.texts }
}

const indexQueries = (queries: string[]) => queries.filter((q) => q.includes('pg_get_indexdef'))
const viewQueries = (queries: string[]) => queries.filter((q) => q.includes('pg_get_viewdef'))
const snapshotExports = (queries: string[]) => queries.filter((q) => q.includes('pg_export_snapshot'))

/** Views v<from>..v<to> over table `over`, each selecting something of its own. */
async function addViews(url: string, from: number, to: number, over: string): Promise<void> {
  await runSql(url, `DO $$ BEGIN FOR i IN ${from}..${to} LOOP
      EXECUTE format('CREATE VIEW v%s AS SELECT id, label || %L AS label FROM ${over} WHERE id > %s', i, i, i);
    END LOOP; END $$`)
}

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'roundtrips' })
}, 60_000)

afterAll(async () => {
  await db?.drop()
})

describe('catalog round trips', () => {
  it('do not grow with the number of tables', async () => {
    await addTables(1, 50)
    const small = await dumpCounted(1)
    await addTables(51, 300)
    const large = await dumpCounted(1)
    expect(large.text.match(/^CREATE TABLE /gm)).toHaveLength(300)
    expect(large.queries.length).toBe(small.queries.length)
    expect(indexQueries(large.queries)).toHaveLength(1)
  }, 120_000)

  it('read the indexes on a second session with jobs, for the same script', async () => {
    const tables = await runSql<{ n: string }>(db.url, "SELECT count(*) AS n FROM pg_class WHERE relkind = 'r' AND relhasindex AND relnamespace = 'public'::regnamespace")
    expect(Number(tables[0]!.n)).toBeGreaterThanOrEqual(INDEXES_ASIDE_FROM)
    const serial = await dumpCounted(1)
    const aside = await dumpCounted(2)
    expect(indexQueries(serial.queries)).toHaveLength(1)
    expect(indexQueries(aside.queries)).toHaveLength(0)
    expect(aside.queries.filter((q) => q.includes('pg_export_snapshot'))).toHaveLength(1)
    // the second session was asked for while the relations were read, before the tables were locked
    const exportAt = aside.queries.findIndex((q) => q.includes('pg_export_snapshot'))
    const lockAt = aside.queries.findIndex((q) => q.startsWith('LOCK TABLE'))
    expect(lockAt).toBeGreaterThan(0)
    expect(exportAt).toBeLessThan(lockAt)
    expect(aside.text).toBe(serial.text)
    expect(aside.text.match(/^CREATE INDEX /gm)).toHaveLength(300)
  }, 120_000)

  it('read the view definitions on the session the indexes opened, for the same script', async () => {
    await addViews(db.url, 1, 150, 't1')
    const serial = await dumpCounted(1)
    const aside = await dumpCounted(2)
    // the server's lock table share (max_locks_per_transaction, 64 by default) splits them into batches
    expect(viewQueries(serial.queries).length).toBeGreaterThanOrEqual(1)
    expect(viewQueries(aside.queries)).toHaveLength(0)
    expect(snapshotExports(aside.queries)).toHaveLength(1)
    expect(aside.text).toBe(serial.text)
    expect(aside.text.match(/^CREATE VIEW public\.v\d+ AS$/gm)).toHaveLength(150)
    // the server's own deparse (15 qualifies the columns, 16 and later do not)
    expect(aside.text).toMatch(/^CREATE VIEW public\.v150 AS\n SELECT (t1\.)?id,\n {4}\((t1\.)?label \|\| '150'::text\) AS label\n {3}FROM public\.t1\n {2}WHERE \((t1\.)?id > 150\);$/m)
  }, 120_000)

  it('open a session of their own for enough views, and read a few on the leader', async () => {
    const views = await createDatabase(server.url, { prefix: 'roundtrips_views' })
    try {
      await runSql(views.url, 'CREATE TABLE t1 (id integer, label text)')
      await addViews(views.url, 1, VIEWS_ASIDE_FROM - 1, 't1')
      const few = await dumpCounted(2, views.url)
      expect(viewQueries(few.queries).length).toBeGreaterThanOrEqual(1)
      expect(snapshotExports(few.queries)).toHaveLength(0)
      await addViews(views.url, VIEWS_ASIDE_FROM, VIEWS_ASIDE_FROM + 20, 't1')
      const serial = await dumpCounted(1, views.url)
      const aside = await dumpCounted(2, views.url)
      expect(viewQueries(aside.queries)).toHaveLength(0)
      expect(snapshotExports(aside.queries)).toHaveLength(1)
      expect(aside.text).toBe(serial.text)
      expect(aside.text.match(/^CREATE VIEW /gm)).toHaveLength(VIEWS_ASIDE_FROM + 20)

      // a role allowed one connection: the second session cannot be opened, and the leader reads the views
      const role = `pgkeep_one_conn_${process.pid}`
      await runSql(views.url, `CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`)
      try {
        const url = new URL(views.url)
        url.username = role
        url.password = ''
        const alone = await dumpCounted(2, url.toString())
        expect(snapshotExports(alone.queries)).toHaveLength(1)
        expect(viewQueries(alone.queries).length).toBeGreaterThanOrEqual(1)
        expect(alone.text).toBe((await dumpCounted(1, url.toString())).text)
        expect(alone.text.match(/^CREATE VIEW /gm)).toHaveLength(VIEWS_ASIDE_FROM + 20)
      } finally {
        await runSql(views.url, `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; DROP ROLE ${role}`)
      }
    } finally {
      await views.drop()
    }
  }, 120_000)
})
