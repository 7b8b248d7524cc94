// One dedicated connection, set up the way pg_dump sets up its own (setup_connection): secure
// search_path, ISO dates, exact floats, no timeouts, row security off, then a single
// REPEATABLE READ, READ ONLY transaction that every catalog query and every COPY runs in.
import type pg from 'pg'
import { PgkeepError } from '../errors'
import { assertSupported, atLeast, parseServerVersion, type ServerVersion } from './server-version'

/** Every value comes back as the server's text, as libpq gives it to pg_dump. */
export const RAW_TEXT: pg.CustomTypesConfig = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig

export type Row = Record<string, string | null>

export interface DumpSession {
  readonly client: pg.Client
  readonly version: ServerVersion
  readonly standardConformingStrings: boolean
  readonly isSuperuser: boolean
  readonly databaseName: string
  query(sql: string, params?: unknown[], what?: string): Promise<Row[]>
  /** Runs a statement whose failure means the catalog could not be read. */
  exec(sql: string, what?: string): Promise<void>
}

export interface OpenSessionOptions {
  /** Milliseconds to wait for each table lock; undefined waits without limit. */
  lockWaitTimeout?: number
  /** Import an exported snapshot instead of taking a fresh one. */
  snapshot?: string
}

export async function openDumpSession(client: pg.Client, options: OpenSessionOptions = {}): Promise<DumpSession> {
  const query = async (sql: string, params: unknown[] = [], what = 'query the catalog'): Promise<Row[]> => {
    try {
      const result = await client.query({ text: sql, values: params, types: RAW_TEXT })
      return result.rows as Row[]
    } catch (error) {
      throw mapQueryError(error, what)
    }
  }
  const exec = async (sql: string, what?: string): Promise<void> => {
    await query(sql, [], what)
  }

  const [info] = await query(
    `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text,
            current_setting('standard_conforming_strings') AS scs, current_setting('is_superuser') AS su,
            current_database() AS db`,
    [],
    'read the server version',
  )
  const version = parseServerVersion(info!.num!, info!.text!)
  assertSupported(version)

  // One round trip for all the settings (a simple-protocol query may hold several statements): every
  // session pays them before its first catalog query, the aside and worker sessions while the leader waits.
  const settings = [
    "SELECT pg_catalog.set_config('search_path', '', false)",
    "SET client_encoding = 'UTF8'",
    'SET DATESTYLE = ISO',
    'SET INTERVALSTYLE = POSTGRES',
    'SET extra_float_digits TO 3',
    'SET synchronize_seqscans TO off',
    'SET statement_timeout = 0',
    'SET lock_timeout = 0',
    'SET idle_in_transaction_session_timeout = 0',
    ...(atLeast(version, 17) ? ['SET transaction_timeout = 0'] : []),
    'SET row_security = off',
    // CVE-2024-7348: do not let a concurrent swap of a table for a view run code as the dumping role.
    "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
  ]
  await exec(settings.join(';\n'), 'set up the dump session')
  await exec('BEGIN;\nSET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY', 'start the snapshot transaction')
  if (options.snapshot) {
    await exec(`SET TRANSACTION SNAPSHOT '${options.snapshot.replaceAll("'", "''")}'`, 'import the snapshot')
  }

  return {
    client,
    version,
    standardConformingStrings: info!.scs === 'on',
    isSuperuser: info!.su === 'on',
    databaseName: info!.db!,
    query,
    exec,
  }
}

/** Maps a failed catalog query to a coded error that keeps the server's error as `cause`. */
export function mapQueryError(error: unknown, what: string): PgkeepError {
  if (error instanceof PgkeepError) return error
  const code = (error as { code?: string }).code
  const message = error instanceof Error ? error.message : String(error)
  if (code === '55P03' || code === '57014') {
    return new PgkeepError('LOCK_TIMEOUT', `unable to ${what}: ${message}`, {
      cause: error,
      hint: 'another session holds a conflicting lock (ALTER/DROP/TRUNCATE/VACUUM FULL); retry later or raise lockWaitTimeout (pgkeep: --lock-wait-timeout)',
    })
  }
  if (code === '53200') {
    return new PgkeepError('SERVER_LIMIT', `unable to ${what}: ${message}`, {
      cause: error,
      hint: 'the server\'s shared lock table is full: raise max_locks_per_transaction (postgresql.conf or ALTER SYSTEM, then restart the server)',
    })
  }
  if (code === '42501') {
    return new PgkeepError('PERMISSION_DENIED', `unable to ${what}: ${message}`, {
      cause: error,
      hint: 'dump as the owner of the objects or a role with the needed privileges (for example pg_read_all_data)',
    })
  }
  return new PgkeepError('CATALOG_QUERY_FAILED', `unable to ${what}: ${message}`, { cause: error })
}
