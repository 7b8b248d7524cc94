// Tables with GENERATED ALWAYS AS IDENTITY columns replayed from the change archive. An archived insert
// carries the id the source drew, which PostgreSQL refuses for an ALWAYS column without OVERRIDING SYSTEM
// VALUE; an archived update carries every column, id included, which it refuses unless set to DEFAULT.
// Three tables: the identity as primary key (with a stored generated column), an identity outside the key,
// and REPLICA IDENTITY FULL; inserts, updates (some `SET id = DEFAULT`, which draws a new id) and deletes,
// archived by manager.archive() and restored with until: equal to the source, the columns still ALWAYS,
// and the identity sequences past every restored id (a new row does not collide).
import { join } from 'node:path'
import { createDatabase, runSql, withClient } from '@pgkeep/testkit'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { archiveThenRestore } from './archive-then-restore'
import { logicalServers } from './logical-servers'

const logical = await logicalServers('replay-identity')
const { workDir } = logical
const server = logical.servers.find((s) => s.major === inject('pgDefault').major) ?? logical.servers[0]!
afterAll(() => logical.stop())

const SCHEMA = `
  CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, qty integer NOT NULL,
                      total integer GENERATED ALWAYS AS (qty * 2) STORED);
  CREATE TABLE tagged (id integer GENERATED ALWAYS AS IDENTITY (START WITH 50), code integer PRIMARY KEY, note text);
  CREATE TABLE loose (id integer GENERATED ALWAYS AS IDENTITY, note text);
  ALTER TABLE loose REPLICA IDENTITY FULL;
  CREATE TABLE marks (n integer PRIMARY KEY);
  INSERT INTO items (name, qty) VALUES ('base-a', 1), ('base-b', 2);
  INSERT INTO tagged (code, note) VALUES (1, 'base');
  INSERT INTO loose (note) VALUES ('base');`

async function rowsOf(url: string): Promise<Record<string, string[]>> {
  return withClient(url, async (c) => {
    const out: Record<string, string[]> = {}
    for (const table of ['items', 'tagged', 'loose']) {
      out[table] = (await c.query<{ r: string }>(`SELECT t::text AS r FROM ${table} t ORDER BY t::text`)).rows.map((r) => r.r)
    }
    out.identity = (await c.query<{ r: string }>(`SELECT attrelid::regclass || '.' || attname || ':' || attidentity::text AS r FROM pg_attribute
      WHERE attrelid IN ('items'::regclass, 'tagged'::regclass, 'loose'::regclass) AND attidentity <> '' ORDER BY 1`)).rows.map((r) => r.r)
    return out
  })
}

describe(`replay of GENERATED ALWAYS AS IDENTITY tables, on PostgreSQL ${server.major}`, () => {
  it('inserts, updates (SET id = DEFAULT too) and deletes are replayed; the identity sequences do not collide after', async () => {
    const db = await createDatabase(server.url, { prefix: 'replay_identity' })
    await runSql(db.url, SCHEMA)
    let expected: Record<string, string[]> | undefined
    try {
      await archiveThenRestore({
        serverUrl: server.url, databaseUrl: db.url, storageDir: join(workDir, 'store'), copyPrefix: 'replay_identity_copy',
        async changes() {
          for (let k = 1; k <= 5; k++) {
            await runSql(db.url, `INSERT INTO items (name, qty) VALUES ('item ${k}', ${k}), ('item ${k}b', ${k + 10});
              INSERT INTO tagged (code, note) VALUES (${k + 1}, 'tag ${k}'); INSERT INTO loose (note) VALUES ('loose ${k}')`)
          }
          await runSql(db.url, "UPDATE items SET qty = qty + 100, name = name || '!' WHERE id IN (1, 4)")
          await runSql(db.url, 'UPDATE items SET id = DEFAULT WHERE id = 5')
          await runSql(db.url, "UPDATE items SET id = DEFAULT, name = 'moved' WHERE id = 2; DELETE FROM items WHERE id = 7")
          await runSql(db.url, "UPDATE tagged SET note = 'noted' WHERE code IN (1, 3)")
          await runSql(db.url, 'UPDATE tagged SET id = DEFAULT WHERE code = 4')
          await runSql(db.url, "UPDATE tagged SET code = 40, note = 'rekeyed' WHERE code = 5")
          await runSql(db.url, "UPDATE loose SET note = note || '+' WHERE note IN ('loose 2', 'base')")
          await runSql(db.url, "UPDATE loose SET id = DEFAULT WHERE note = 'loose 3'; DELETE FROM loose WHERE note = 'loose 4'")
          await runSql(db.url, "INSERT INTO items (name, qty) VALUES ('last', 0)")
          expected = await rowsOf(db.url)
          expect(expected.identity).toEqual(['items.id:a', 'loose.id:a', 'tagged.id:a'])
        },
        async check(copyUrl, summary) {
          expect(summary.replay?.transactions).toBe(14)
          expect(await rowsOf(copyUrl)).toEqual(expected)
          // the next identity values lie past every restored one: new rows do not collide
          const [after] = await runSql<{ items: boolean; tagged: boolean; loose: boolean }>(copyUrl, `
            WITH i AS (INSERT INTO items (name, qty) VALUES ('new', 1) RETURNING id),
                 t AS (INSERT INTO tagged (code) VALUES (1000) RETURNING id),
                 l AS (INSERT INTO loose (note) VALUES ('new') RETURNING id)
            SELECT (SELECT id FROM i) > (SELECT max(id) FROM items) AS items,
                   (SELECT id FROM t) > (SELECT max(id) FROM tagged) AS tagged,
                   (SELECT id FROM l) > (SELECT max(id) FROM loose) AS loose`)
          expect(after).toEqual({ items: true, tagged: true, loose: true })
        },
      })
    } finally {
      await db.drop()
    }
  }, 600_000)
})
