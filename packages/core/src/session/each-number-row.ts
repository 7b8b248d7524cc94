// eachNumberRow(): a catalog query of many rows whose every value is a whole number, read as
// `COPY (query) TO STDOUT` and parsed from the bytes the server sends. node-postgres makes a message
// object, an array and a string for every value of every row; here one array is refilled for each row.
// pg_depend's edges are such a query: ~30,000 rows on 2,000 tables, ~100,000 on 20,000 relations, half
// of all the catalog rows a schema-only dump reads. Measured on 2,000 tables (first read in a fresh
// process, four runs each): 34–46 ms and 25–34 CPU ms, where rows through node-postgres took 55–72 ms
// and 50–59 CPU ms; a schema-only dump allocates ~20 MB less (bench/README.md, 2026-12-07).
import { copyToStream } from '../data/copy-to-stream'
import { PgkeepError } from '../errors'
import { mapQueryError, type DumpSession } from './dump-session'

const TAB = 9
const NEWLINE = 10
const MINUS = 45
const ZERO = 48
const NINE = 57

/**
 * Runs `sql` (a SELECT of `width` whole-number columns, none of them null) in the session and calls `onRow`
 * for each row, in the query's order, with its values; the array is refilled for the next row, so `onRow`
 * must copy what it keeps. The first error thrown by `onRow` skips the rows after it and is what this
 * rejects with once the query has ended (the session stays usable); a failing query rejects with the
 * session's coded error.
 */
export async function eachNumberRow(session: DumpSession, sql: string, width: number, what: string, onRow: (row: readonly number[]) => void): Promise<void> {
  const row = new Array<number>(width).fill(0)
  let column = 0
  let value = 0
  let digits = 0
  let negative = false
  let failure: unknown = null
  const notANumber = (byte: number) => new PgkeepError('INTERNAL', `unable to ${what}: column ${column + 1} of a row is not a whole number (byte ${byte})`)
  try {
    for await (const chunk of copyToStream(session.client, `COPY (${sql}) TO STDOUT`) as AsyncIterable<Buffer>) {
      // after a failure the rest is read and dropped, so that the session can be used again
      for (let i = 0; failure === null && i < chunk.length; i++) {
        const byte = chunk[i]!
        if (byte >= ZERO && byte <= NINE) {
          value = value * 10 + byte - ZERO
          digits++
        } else if (byte === TAB || byte === NEWLINE) {
          if (digits === 0 || (byte === TAB) === (column === width - 1)) {
            failure = digits === 0 ? notANumber(byte) : new PgkeepError('INTERNAL', `unable to ${what}: a row does not have ${width} columns`)
            break
          }
          row[column] = negative ? -value : value
          value = 0
          digits = 0
          negative = false
          if (byte === TAB) {
            column++
          } else {
            column = 0
            try {
              onRow(row)
            } catch (error) {
              failure = error
            }
          }
        } else if (byte === MINUS && digits === 0 && !negative) {
          negative = true
        } else {
          failure = notANumber(byte)
        }
      }
    }
  } catch (error) {
    throw mapQueryError(error, what)
  }
  if (failure !== null) throw failure
  if (column !== 0 || digits !== 0) throw new PgkeepError('INTERNAL', `unable to ${what}: the last row ended early`)
}
