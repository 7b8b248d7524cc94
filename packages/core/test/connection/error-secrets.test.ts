// No error pgkeep throws for a connection may hold its password anywhere: not in the message, and not in
// any property, enumerable or not, of the error or of its causes. Checked the three ways errors get
// printed: JSON.stringify, util.inspect at full depth with hidden properties, and a pino-style serialiser.
import { PassThrough } from 'node:stream'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { dump, isPgkeepError, restore } from '../../src/index'
import { failure } from '../failure'

const PASSWORD = 'Pw-s3cr3t-4711'

/** What pino's err serialiser prints: type, message, stack, every enumerable property, the cause in turn. */
function pinoStyle(error: unknown, seen = new Set<unknown>()): unknown {
  if (!(error instanceof Error) || seen.has(error)) return error
  seen.add(error)
  const out: Record<string, unknown> = { type: error.constructor.name, message: error.message, stack: error.stack }
  for (const key of Object.keys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key]
    out[key] = value instanceof Error ? pinoStyle(value, seen) : value
  }
  if (error.cause !== undefined) out.cause = pinoStyle(error.cause, seen)
  return out
}

function expectNoPassword(error: unknown): void {
  expect(isPgkeepError(error), String(error)).toBe(true)
  expect(JSON.stringify(error)).not.toContain(PASSWORD)
  expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(PASSWORD)
  expect(JSON.stringify(pinoStyle(error))).not.toContain(PASSWORD)
}

const badConnections: [string, string][] = [
  ['key=value, a word without "="', `host=127.0.0.1 password=${PASSWORD} dbname`],
  ['key=value, an unknown option', `host=127.0.0.1 password=${PASSWORD} nosuchoption=1`],
  ['key=value, an unquoted password with a space', `host=127.0.0.1 password=${PASSWORD} more user=x`],
  ['key=value, an unterminated quote', `password=${PASSWORD} host='127.0.0.1`],
  ['URL, an unknown parameter', `postgresql://u:${PASSWORD}@127.0.0.1:5432/db?nosuchoption=1`],
  ['URL, a bad port', `postgresql://u:${PASSWORD}@127.0.0.1:notaport/db`],
  ['URL, a bad option value', `postgresql://u:${PASSWORD}@127.0.0.1:5432/db?connect_timeout=soon`],
  ['key=value, a bad option value', `host=127.0.0.1 password=${PASSWORD} sslmode=sometimes`],
  ['URL, an unreachable server', `postgresql://u:${PASSWORD}@127.0.0.1:1/db?connect_timeout=2`],
  ['key=value, an unreachable server', `host=127.0.0.1 port=1 password=${PASSWORD} connect_timeout=2`],
  // not libpq URIs: libpq takes them for a database name, which the server's error repeats
  ['URL with an upper-case scheme', `POSTGRESQL://u:${PASSWORD}@127.0.0.1:5432/db`],
  ['SQLAlchemy URL', `postgresql+psycopg2://u:${PASSWORD}@127.0.0.1:5432/db`],
  ['URL without "//"', `postgresql:u:${PASSWORD}@127.0.0.1:5432/db`],
  ['JDBC URL', `jdbc:postgresql://127.0.0.1:5432/db?user=u&password=${PASSWORD}`],
]

describe('connection errors hold no password', () => {
  it.each(badConnections)('dump(): %s', async (_what, connection) => {
    expectNoPassword(await failure(() => dump({ connection }, new PassThrough())))
  })

  it.each(badConnections)('restore(): %s', async (_what, target) => {
    expectNoPassword(await failure(() => restore(Buffer.from('SELECT 1;\n'), { target })))
  })

  it('a URI libpq would take for a database name is CONNECTION_INVALID when it holds a password, before connecting', async () => {
    for (const connection of [`POSTGRESQL://u:${PASSWORD}@127.0.0.1:5432/db`, { dbname: `mysql://u:${PASSWORD}@127.0.0.1/db` }]) {
      const error = await failure(() => dump({ connection }, new PassThrough()), 'CONNECTION_INVALID')
      expect(error.message).toMatch(/not a PostgreSQL connection URI/)
      expect(error.hint).toMatch(/postgresql:\/\/user:password@host:port\/dbname/)
      expectNoPassword(error)
    }
  })

  it('dump() with a bad option beside a connection with a password', async () => {
    const connection = `postgresql://u:${PASSWORD}@127.0.0.1:5432/db`
    expectNoPassword(await failure(() => dump({ connection, lockWaitTimeout: -5 } as never, new PassThrough())))
    expectNoPassword(await failure(() => dump({ connection, tables: 7 } as never, new PassThrough())))
    expectNoPassword(await failure(() => dump({ connection: { host: '127.0.0.1', password: PASSWORD, port: 'x' } } as never, new PassThrough())))
  })
})
