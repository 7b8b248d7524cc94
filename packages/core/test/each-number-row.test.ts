// eachNumberRow(): a catalog query of whole numbers read through COPY and parsed from its bytes. Rows come in
// the query's order; oids above 2^31, zero and negative numbers come back as numbers; an error thrown by
// the handler skips the later rows and rejects once the query ended; a value that is not a whole number
// (text, NULL) or a row of another width is an INTERNAL error; a failing query rejects with the session's
// coded error; after each failure the session still answers.
import pg from 'pg'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { PgkeepError } from '../src/index'
import { openDumpSession, type DumpSession } from '../src/session/dump-session'
import { eachNumberRow } from '../src/session/each-number-row'

const server = inject('pgDefault')
let client: pg.Client
let session: DumpSession

beforeAll(async () => {
  client = new pg.Client({ connectionString: server.url })
  await client.connect()
  session = await openDumpSession(client)
})
afterAll(() => client?.end())

const stillAnswers = async () => expect(await session.query('SELECT 1 AS one')).toEqual([{ one: '1' }])

it('hands over every row in order, each value a number, in an array refilled for the next row', async () => {
  const seen: number[][] = []
  let array: readonly number[] | null = null
  let sameArray = true
  let expected = 1
  const wrong: number[][] = []
  // 200,000 rows: many socket reads, so rows and values split between chunks are crossed
  await eachNumberRow(session, `SELECT g, 4294967295::pg_catalog.oid, 0, -g, 'x'::"char"::pg_catalog.int4 FROM generate_series(1, 200000) g ORDER BY g`, 5, 'count', (row) => {
    if (array !== null && array !== row) sameArray = false
    array = row
    if (row[0] !== expected || row[1] !== 4294967295 || row[2] !== 0 || row[3] !== -expected || row[4] !== 120) wrong.push([...row])
    expected++
    if (row[0]! <= 2 || row[0]! >= 199999) seen.push([...row])
  })
  expect(wrong).toEqual([])
  expect(expected).toBe(200001)
  expect(sameArray).toBe(true)
  expect(seen).toEqual([
    [1, 4294967295, 0, -1, 120],
    [2, 4294967295, 0, -2, 120],
    [199999, 4294967295, 0, -199999, 120],
    [200000, 4294967295, 0, -200000, 120],
  ])
  let count = 0
  let sum = 0
  await eachNumberRow(session, 'SELECT g, g * 3 FROM generate_series(1, 100000) g', 2, 'count', ([a, b]) => {
    count++
    sum += b! - a!
  })
  expect(count).toBe(100000)
  expect(sum).toBe(100000 * 100001) // Σ 2g
})

it("rejects with the handler's first error, skips the rows after it, and leaves the session usable", async () => {
  let handled = 0
  const error = await eachNumberRow(session, 'SELECT g FROM generate_series(1, 50000) g', 1, 'count', ([g]) => {
    handled++
    if (g === 10) throw new PgkeepError('CATALOG_QUERY_FAILED', 'row 10 is bad')
  }).catch((e: unknown) => e)
  expect(error).toMatchObject({ code: 'CATALOG_QUERY_FAILED', message: 'row 10 is bad' })
  expect(handled).toBe(10)
  await stillAnswers()
})

it('a value that is not a whole number, NULL included, or a row of another width is an INTERNAL error naming the column', async () => {
  const cases: [string, number, RegExp][] = [
    ["SELECT 1, 'a'", 2, /unable to read numbers: column 2 of a row is not a whole number/],
    ['SELECT 1, NULL::int', 2, /unable to read numbers: column 2 of a row is not a whole number/],
    ['SELECT 1.5', 1, /unable to read numbers: column 1 of a row is not a whole number/],
    ['SELECT 1, 2, 3', 2, /unable to read numbers: a row does not have 2 columns/],
    ['SELECT 1', 2, /unable to read numbers: a row does not have 2 columns/],
  ]
  for (const [sql, width, message] of cases) {
    let handled = 0
    const error = await eachNumberRow(session, `${sql} FROM generate_series(1, 3)`, width, 'read numbers', () => void handled++).catch((e: unknown) => e)
    expect(error, sql).toBeInstanceOf(PgkeepError)
    expect(error, sql).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(message) })
    expect(handled, sql).toBe(0)
    await stillAnswers()
  }
})

it("a failing query rejects with the session's coded error, the server's as cause", async () => {
  const error = await eachNumberRow(session, 'SELECT oid FROM no_such_table', 1, 'read the missing table', () => {}).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(PgkeepError)
  expect(error).toMatchObject({ code: 'CATALOG_QUERY_FAILED', message: expect.stringContaining('unable to read the missing table: relation "no_such_table" does not exist') })
  expect((error as PgkeepError).cause).toMatchObject({ code: '42P01' })
})
