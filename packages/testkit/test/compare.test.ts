// compareDatabases finds nothing between a database and a faithful copy, and finds each kind of change:
// every check is shown to fire, with nothing reported outside the property that changed.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  assertSameDatabase,
  compareDatabases,
  createDatabase,
  localPgDumpMajor,
  pagilaFixture,
  restoreWithPsql,
  runPgDump,
  runSql,
  type TestDatabase,
} from '../src/index'
import { firstReason, noPagila, pgDumpCannotDump } from '../src/skip-reasons'
import { skipAllWhen } from '../src/skip-when'

const RICH = readFileSync(new URL('./fixtures/rich.sql', import.meta.url), 'utf8')
const server = inject('pgDefault')
const cannotDump = await pgDumpCannotDump(server.major)
const dumpMajor = await localPgDumpMajor()

/** The kinds of difference lines (`data`, `catalog`, …) in a result. */
function kinds(differences: string[]): string[] {
  return [...new Set(differences.map((d) => d.slice(0, d.indexOf(':'))))].sort()
}

describe('compareDatabases on a pg_dump | psql copy', () => {
  skipAllWhen(cannotDump)
  let source: TestDatabase
  let copy: TestDatabase

  beforeAll(async () => {
    if (cannotDump) return
    source = await createDatabase(server.url, { prefix: 'cmp_src' })
    copy = await createDatabase(server.url, { prefix: 'cmp_copy' })
    await runSql(source.url, RICH)
    await restoreWithPsql(copy.url, await runPgDump(source.url))
  })
  afterAll(async () => {
    await Promise.all([source?.drop(), copy?.drop()])
  })

  it('finds no difference in a faithful copy', async () => {
    const result = await compareDatabases(source.url, copy.url)
    expect(result.differences).toEqual([])
    expect(result.notes).toEqual([])
    // schema, catalog, 9 populated tables and matviews, sequences, large objects
    expect(result.checks).toBe(13)
    await expect(assertSameDatabase(source.url, copy.url)).resolves.toMatchObject({ differences: [] })
  })

  const ddl = ['catalog', 'schema']
  it.each([
    { change: 'one row changed', sql: `UPDATE app.book SET title = 'Uno' WHERE title = 'One'`, kinds: ['data'], line: /^data: app\.book source=3:[0-9a-f]{32} copy=3:[0-9a-f]{32}$/ },
    { change: 'a row deleted', sql: `DELETE FROM app.child`, kinds: ['data'], line: /^data: app\.child source=1:[0-9a-f]{32} copy=0:$/ },
    { change: 'a sequence value changed', sql: `SELECT setval('app.counter', 155)`, kinds: ['sequences'], line: /^sequences: app\.counter source=150 called copy=155 called$/ },
    { change: 'a column default changed', sql: `ALTER TABLE app.author ALTER COLUMN mood SET DEFAULT 'sad'`, kinds: ddl, line: /^catalog: only in copy: column app\.author #5 mood app\.mood .*default='sad'::app\.mood / },
    { change: 'a comment changed', sql: `COMMENT ON COLUMN app.book.title IS 'the name'`, kinds: ddl, line: /^catalog: only in copy: comment column title of table app\.book = 'the name'$/ },
    { change: 'an index added', sql: `CREATE INDEX book_price ON app.book (price)`, kinds: ddl, line: /^catalog: only in copy: index CREATE INDEX book_price ON app\.book USING btree \(price\)/ },
    { change: 'a grant added', sql: `GRANT INSERT ON app.book TO PUBLIC`, kinds: ddl, line: /^catalog: only in copy: relation app\.book .* acl==ar\// },
    { change: 'a large object changed', sql: `SELECT lo_put(oid, 0, 'J') FROM pg_largeobject_metadata`, kinds: ['large objects'], line: /^large objects: source=1:[0-9a-f]{32} copy=1:[0-9a-f]{32}$/ },
    { change: 'a function body changed', sql: `CREATE OR REPLACE FUNCTION app.add(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT a + b + 0'`, kinds: ddl, line: /^catalog: only in copy: routine app\.add\(integer,integer\) .*a \+ b \+ 0/ },
  ])('reports $change', async ({ sql, kinds: expected, line }) => {
    const changed = await createDatabase(server.url, { prefix: 'cmp_changed', template: copy.name })
    try {
      await runSql(changed.url, sql)
      const result = await compareDatabases(source.url, changed.url)
      expect(kinds(result.differences)).toEqual(expected)
      expect(result.differences.some((d) => line.test(d)), result.differences.join('\n')).toBe(true)
      const error = await assertSameDatabase(source.url, changed.url).then(() => undefined, (err: Error) => err)
      expect(error?.message.split('\n').some((l) => line.test(l))).toBe(true)
    } finally {
      await changed.drop()
    }
  })
})

describe.each(Object.values(inject('pgServers')))('compareDatabases on PostgreSQL $major', ({ url, major }) => {
  let source: TestDatabase
  beforeAll(async () => {
    source = await createDatabase(url, { prefix: `cmp${major}` })
    await runSql(source.url, RICH)
  })
  afterAll(async () => {
    await source?.drop()
  })

  it('reads every catalog fact, finds an exact copy equal and a changed one different', async () => {
    const same = await createDatabase(url, { prefix: `cmp${major}_same`, template: source.name })
    try {
      const result = await compareDatabases(source.url, same.url)
      expect(result.differences).toEqual([])
      if (dumpMajor === undefined || dumpMajor < major) expect(result.notes.join('\n')).toMatch(/^schema: not compared/)
      await runSql(same.url, `COMMENT ON TABLE app.book IS 'volumes'; SELECT setval('app.counter', 105)`)
      const changed = await compareDatabases(source.url, same.url)
      expect(changed.differences).toContain(`catalog: only in copy: comment table app.book = 'volumes'`)
      expect(changed.differences).toContain(`catalog: only in source: comment table app.book = 'books'`)
      expect(changed.differences).toContain('sequences: app.counter source=150 called copy=105 called')
    } finally {
      await same.drop()
    }
  })
})

const pagila = pagilaFixture()
describe('compareDatabases on pagila', () => {
  skipAllWhen(firstReason(noPagila(), cannotDump))
  it('finds a pg_dump | psql copy of pagila equal', async () => {
    const source = await createDatabase(server.url, { prefix: 'pagila' })
    const copy = await createDatabase(server.url, { prefix: 'pagila_copy' })
    try {
      await restoreWithPsql(source.url, { file: pagila!.schema })
      await restoreWithPsql(source.url, { file: pagila!.data })
      await restoreWithPsql(copy.url, await runPgDump(source.url))
      const result = await assertSameDatabase(source.url, copy.url)
      expect(result.checks).toBeGreaterThan(20)
    } finally {
      await Promise.all([source.drop(), copy.drop()])
    }
  })
})
