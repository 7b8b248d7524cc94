// restore({ clean }) over a database where a dumped schema gained an object after the backup: clean
// cannot drop the schema (it never drops with CASCADE), the CREATE SCHEMA after it fails, everything is
// rolled back, and the error names the DROP that failed and the object that blocked it, not only
// "schema app already exists".
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { restore } from '../../src/index'
import { failure } from '../failure'
import { dumpToFile } from '../helpers/dump-to-file'

const server = inject('pgDefault')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'cleanblk_src' })
  await runSql(source.url, `CREATE SCHEMA app;
    CREATE TABLE app.items (id integer PRIMARY KEY, name text);
    INSERT INTO app.items SELECT i, 'item ' || i FROM generate_series(1, 20) i;`)
}, 120_000)
afterAll(() => source?.drop())

describe('restore with clean, blocked by an object made after the backup', () => {
  it('names the DROP that failed and what depends on it, and leaves the target as it was', async () => {
    const { file } = await dumpToFile({ connection: source.url })
    const target = await createDatabase(server.url, { prefix: 'cleanblk_tgt' })
    try {
      await restore(file, { target: target.url })
      await runSql(target.url, 'CREATE TABLE app.newtable (id integer); DELETE FROM app.items WHERE id > 10;')

      const error = await failure(restore(file, { target: target.url, clean: true }), 'RESTORE_FAILED')
      expect(error.message).toMatch(/^clean could not drop schema app: other objects depend on it \(table app\.newtable depends on schema app\); then restoring SCHEMA app failed at line \d+: schema "app" already exists \(SQLSTATE 42P06\)$/)
      expect(error.hint).toContain('drop or move them first')
      expect((error.cause as { code?: string }).code).toBe('42P06')

      // Rolled back: the new table and the changed rows are as they were.
      const tables = await runSql<{ relname: string }>(target.url, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'app'::regnamespace ORDER BY 1")
      expect(tables.map((t) => t.relname)).toEqual(['items', 'newtable'])
      expect((await runSql<{ n: string }>(target.url, 'SELECT count(*) AS n FROM app.items'))[0]!.n).toBe('10')

      // Without the new table, the same clean restore goes through.
      await runSql(target.url, 'DROP TABLE app.newtable')
      await restore(file, { target: target.url, clean: true })
      expect((await runSql<{ n: string }>(target.url, 'SELECT count(*) AS n FROM app.items'))[0]!.n).toBe('20')
    } finally {
      await target.drop()
    }
  })

  it('names the object made after the backup first when it blocks a dumped table, which then blocks the schema', async () => {
    const { file } = await dumpToFile({ connection: source.url })
    const target = await createDatabase(server.url, { prefix: 'cleanblk_tgt' })
    try {
      await restore(file, { target: target.url })
      // the view keeps app.items, and app.items (still there) keeps the schema
      await runSql(target.url, 'CREATE VIEW app.recent AS SELECT * FROM app.items WHERE id > 5;')
      const error = await failure(restore(file, { target: target.url, clean: true }), 'RESTORE_FAILED')
      expect(error.message).toMatch(/^clean could not drop table app\.items: other objects depend on it \(view app\.recent depends on table app\.items\); clean could not drop schema app: other objects depend on it \(table app\.items depends on schema app; view app\.recent depends on schema app\); then restoring SCHEMA app failed at line \d+: schema "app" already exists \(SQLSTATE 42P06\)$/)
      const views = await runSql<{ relname: string }>(target.url, "SELECT relname FROM pg_class WHERE relkind = 'v' AND relnamespace = 'app'::regnamespace")
      expect(views.map((v) => v.relname)).toEqual(['recent'])
    } finally {
      await target.drop()
    }
  })
})
