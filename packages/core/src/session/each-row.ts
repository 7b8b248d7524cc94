// A catalog query whose rows are handed over one at a time, as they arrive, instead of collected into
// one array first. On a catalog of tens of thousands of objects a collected result (pg_type, pg_depend,
// pg_attribute: 40,000–100,000 rows) lives long enough to be moved to V8's old generation, where it
// stays as garbage until a full collection; a row handled on arrival dies young.
import pg from 'pg'
import { mapQueryError, RAW_TEXT, type DumpSession, type Row } from './dump-session'

/**
 * Runs `sql` in the session and calls `onRow` for each row, in the query's order; resolves when the
 * last row was handled. The first error thrown by `onRow` skips the rows after it and is what this
 * rejects with, once the query has ended (the connection stays usable).
 */
export function eachRow(session: DumpSession, sql: string, params: unknown[], what: string, onRow: (row: Row) => void): Promise<void> {
  return runEach(session, new pg.Query({ text: sql, values: params, types: RAW_TEXT }), what, onRow)
}

/**
 * eachRow with each row as an array of its values in the select list's order: for the queries of
 * 100,000 rows and more (pg_depend), where building an object per row costs more than handling it.
 */
export function eachArrayRow(session: DumpSession, sql: string, params: unknown[], what: string, onRow: (row: (string | null)[]) => void): Promise<void> {
  const config: pg.QueryArrayConfig = { text: sql, values: params, types: RAW_TEXT, rowMode: 'array' }
  return runEach(session, new pg.Query(config), what, onRow)
}

function runEach<R>(session: DumpSession, query: pg.Query, what: string, onRow: (row: R) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: unknown = null
    query.on('row', (row: R) => {
      if (failure !== null) return
      try {
        onRow(row)
      } catch (error) {
        failure = error
      }
    })
    query.on('error', (error: Error) => reject(mapQueryError(error, what)))
    query.on('end', () => (failure === null ? resolve() : reject(failure)))
    session.client.query(query)
  })
}
