// eachRow() and eachArrayRow(): a catalog query whose rows are handled as they arrive (objects or arrays). Rows come in the query's order with
// every value as the server's text; an error thrown by the handler skips the later rows and rejects once
// the query ended, leaving the session usable; a failing query rejects with the session's coded error.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { PgkeepError } from '../src/index'
import { openDumpSession, type DumpSession } from '../src/session/dump-session'
import { eachArrayRow, eachRow } from '../src/session/each-row'

const server = inject('pgDefault')
let client: pg.Client
let session: DumpSession

beforeAll(async () => {
  client = new pg.Client({ connectionString: server.url })
  await client.connect()
  session = await openDumpSession(client)
})
afterAll(() => client?.end())

describe('eachArrayRow', () => {
  it('hands over each row as its values in the select list\'s order, text or null', async () => {
    const seen: (string | null)[][] = []
    await eachArrayRow(session, 'SELECT g AS n, NULL::text AS nothing, (g % 2 = 0) AS even, g AS n FROM generate_series(1, 30000) g ORDER BY g', [], 'count', (row) => void seen.push(row))
    expect(seen.length).toBe(30000)
    expect(seen[0]).toEqual(['1', null, 'f', '1'])
    expect(seen[29999]).toEqual(['30000', null, 't', '30000'])
  })

  it('rejects with the handler\'s first error and leaves the session usable', async () => {
    let handled = 0
    const error = await eachArrayRow(session, 'SELECT g FROM generate_series(1, 1000) g', [], 'count', ([g]) => {
      handled++
      if (g === '10') throw new PgkeepError('CATALOG_QUERY_FAILED', 'row 10 is bad')
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'CATALOG_QUERY_FAILED', message: 'row 10 is bad' })
    expect(handled).toBe(10)
    expect(await session.query('SELECT 1 AS one')).toEqual([{ one: '1' }])
  })
})

describe('eachRow', () => {
  it('hands over every row in order, values as the server printed them', async () => {
    const seen: [string | null, string | null][] = []
    await eachRow(session, 'SELECT g AS n, (g % 2 = 0) AS even FROM generate_series(1, 50000) g ORDER BY g', [], 'count', (row) => {
      seen.push([row.n!, row.even!])
    })
    expect(seen.length).toBe(50000)
    expect(seen[0]).toEqual(['1', 'f'])
    expect(seen[49999]).toEqual(['50000', 't'])
    expect(seen.every(([n], i) => n === String(i + 1))).toBe(true)
  })

  it('passes parameters', async () => {
    const seen: (string | null)[] = []
    await eachRow(session, 'SELECT unnest($1::int[]) AS v', ['{3,1,2}'], 'unnest', (row) => void seen.push(row.v!))
    expect(seen).toEqual(['3', '1', '2'])
  })

  it('rejects with the handler\'s first error, skips the rows after it, and the session stays usable', async () => {
    let handled = 0
    const error = await eachRow(session, 'SELECT g FROM generate_series(1, 1000) g', [], 'count', (row) => {
      handled++
      if (row.g === '10') throw new PgkeepError('CATALOG_QUERY_FAILED', 'row 10 is bad')
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'CATALOG_QUERY_FAILED', message: 'row 10 is bad' })
    expect(handled).toBe(10)
    expect(await session.query('SELECT 1 AS one')).toEqual([{ one: '1' }])
  })

  it('rejects a failing query with a coded error naming what it did, keeping the server\'s error', async () => {
    const error = await eachRow(session, 'SELECT * FROM pg_catalog.no_such_table', [], 'read nothing', () => {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PgkeepError)
    expect(error).toMatchObject({ code: 'CATALOG_QUERY_FAILED', message: expect.stringMatching(/^unable to read nothing: relation "pg_catalog.no_such_table" does not exist/) })
    expect((error as PgkeepError).cause).toMatchObject({ code: '42P01' })
  })
})
