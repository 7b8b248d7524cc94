// The catalog is read set-based: the number of queries the dump session sends does not grow with the
// number of tables (counted on the leader's own connection, a real pg.Client that records what it is
// asked). With jobs above 1 and enough indexed tables, the slowest read (every index deparsed) runs on
// a second session in the same snapshot while the leader reads on, and the script stays the same.
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import pg from 'pg'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dump } from '../src/index'
import { INDEXES_ASIDE_FROM } from '../src/catalog/indexes'

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

async function dumpCounted(jobs: number): Promise<{ text: string; queries: string[] }> {
  const client = new CountingClient({ connectionString: db.url })
  await client.connect()
  const chunks: Buffer[] = []
  const out = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk); done() } })
  try {
    await dump({ connection: db.url, schemaOnly: true, restrictKey: 'k', jobs }, out, { client })
  } finally {
    await client.end()
  }
  return { text: Buffer.concat(chunks).toString('utf8'), queries: client.texts }
}

const indexQueries = (queries: string[]) => queries.filter((q) => q.includes('pg_get_indexdef'))

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
    expect(aside.text).toBe(serial.text)
    expect(aside.text.match(/^CREATE INDEX /gm)).toHaveLength(300)
  }, 120_000)
})
