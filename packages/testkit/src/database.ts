// Throwaway databases on a server URL, and the two ways tests talk to them: a client for the length of a
// callback (withClient) and a script run in one go (runSql).
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface TestDatabase {
  name: string
  /** The server URL with this database in its path (percent-encoded). */
  url: string
  /** Drops the database, ending its other sessions first. Safe to call twice. */
  drop(): Promise<void>
}

export interface CreateDatabaseOptions {
  /** Start of the name; other characters than [a-z0-9_] are replaced. @default 'pgkeep_test' */
  prefix?: string
  /** Database to copy (it must have no other sessions). @default 'template0' */
  template?: string
}

/**
 * Creates a database with a unique name on the server that `serverUrl` points at.
 * @example
 * const db = await createDatabase(inject('pgDefault').url, { prefix: 'dump' })
 * try { await runSql(db.url, 'create table t (id int)') } finally { await db.drop() }
 */
export async function createDatabase(serverUrl: string, opts: CreateDatabaseOptions = {}): Promise<TestDatabase> {
  const name = uniqueName(opts.prefix ?? 'pgkeep_test')
  const template = opts.template ?? 'template0'
  try {
    await runSql(serverUrl, `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`)
  } catch (err) {
    throw new Error(`unable to create database "${name}" from template "${template}"`, { cause: err })
  }
  let dropped: Promise<void> | undefined
  return {
    name,
    url: withDatabase(serverUrl, name),
    drop: () => (dropped ??= dropDatabase(serverUrl, name)),
  }
}

/** Drops a database if it exists; `WITH (FORCE)` ends its sessions (PostgreSQL 13+), older servers get them terminated. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  try {
    await withClient(serverUrl, async (client) => {
      const major = await serverMajor(client)
      if (major >= 13) {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
        return
      }
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`)
    })
  } catch (err) {
    throw new Error(`unable to drop database "${name}"`, { cause: err })
  }
}

/** Connects, runs `fn`, and always disconnects. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  // a server that goes away mid-test must fail the query, not crash the process
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/** Runs a script (several statements allowed, no parameters) and returns the rows of its last statement. */
export async function runSql<R extends Record<string, unknown> = Record<string, unknown>>(url: string, sql: string): Promise<R[]> {
  return withClient(url, async (client) => {
    const result = (await client.query(sql)) as unknown as pg.QueryResult<R> | pg.QueryResult<R>[]
    const last = Array.isArray(result) ? result[result.length - 1] : result
    return last?.rows ?? []
  })
}

/** The server's major version (e.g. 15), from `server_version_num`. */
export async function serverMajor(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)
  return Math.floor(Number(rows[0]!.v) / 10_000)
}

/** The same URL pointing at another database on the same server. */
export function withDatabase(url: string, database: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (err) {
    throw new Error(`unable to read the connection url "${redact(url)}"`, { cause: err })
  }
  parsed.pathname = `/${encodeURIComponent(database)}`
  return parsed.toString()
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

// --- internal ---

let counter = 0

function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30)
  return `${clean}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}
