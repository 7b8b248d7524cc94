// Resolves schema and table patterns to OIDs on the server, under the default search_path for
// unqualified table names (as pg_dump does), and fails clearly when an include pattern matches
// nothing. With `ownOnly` (backups) a pattern never matches a system schema or its tables: pg_dump's
// `-t pg_authid` and `-t '*'` reach pg_catalog, which search_path always holds.
import { PgkeepError } from '../errors'
import type { DumpSession } from '../session/dump-session'
import { databasePart, parseNamePattern } from './pattern'

/** What a system schema is (pg_dump's test): `pg_catalog`, `pg_toast`, every `pg_…`, and `information_schema`. */
const OWN_SCHEMA = "n.nspname OPERATOR(pg_catalog.!~) '^pg_' AND n.nspname OPERATOR(pg_catalog.<>) 'information_schema'"

const SYSTEM_HINT = 'system schemas (pg_catalog, information_schema, pg_toast) and their tables are not backed up: a copy of a system catalog could not be restored'

export async function expandSchemaPatterns(session: DumpSession, patterns: string[], strict: boolean, ownOnly = false): Promise<Set<number>> {
  const oids = new Set<number>()
  for (const pattern of patterns) {
    checkDatabase(session, pattern, 'schema')
    const p = parseNamePattern(pattern, 'schema')
    const rows = await session.query(
      `SELECT oid FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.~) $1 COLLATE pg_catalog.default${ownOnly ? ` AND ${OWN_SCHEMA}` : ''}`,
      [p.name], `match schema pattern "${pattern}"`,
    )
    if (rows.length === 0 && strict) {
      throw new PgkeepError('PATTERN_NO_MATCH', `no matching schemas were found for pattern "${pattern}"`, ownOnly ? { hint: SYSTEM_HINT } : {})
    }
    for (const row of rows) oids.add(Number(row.oid))
  }
  return oids
}

export async function expandTablePatterns(session: DumpSession, patterns: string[], strict: boolean, label = 'tables', ownOnly = false): Promise<Set<number>> {
  const oids = new Set<number>()
  if (patterns.length === 0) return oids
  // Unqualified names are resolved with the role's default search_path, not the dump's empty one.
  await session.exec('RESET search_path', 'reset search_path for pattern matching')
  {
    for (const pattern of patterns) {
      checkDatabase(session, pattern, 'table')
      const p = parseNamePattern(pattern, 'table')
      const where = p.schema === null
        ? 'pg_catalog.pg_table_is_visible(c.oid)'
        : 'n.nspname OPERATOR(pg_catalog.~) $2 COLLATE pg_catalog.default'
      const rows = await session.query(
        `SELECT c.oid FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind OPERATOR(pg_catalog.=) ANY (array['r', 'S', 'v', 'm', 'f', 'p'])
            AND c.relname OPERATOR(pg_catalog.~) $1 COLLATE pg_catalog.default AND ${where}${ownOnly ? ` AND ${OWN_SCHEMA}` : ''}`,
        p.schema === null ? [p.name] : [p.name, p.schema], `match table pattern "${pattern}"`,
      )
      if (rows.length === 0 && strict) {
        throw new PgkeepError('PATTERN_NO_MATCH', `no matching ${label} were found for pattern "${pattern}"`, ownOnly ? { hint: SYSTEM_HINT } : {})
      }
      for (const row of rows) oids.add(Number(row.oid))
    }
  }
  // (On failure the transaction is gone anyway; on success put the secure search_path back.)
  await session.exec("SELECT pg_catalog.set_config('search_path', '', false)", 'restore the secure search_path')
  return oids
}

function checkDatabase(session: DumpSession, pattern: string, what: 'table' | 'schema'): void {
  const db = databasePart(pattern, what)
  if (db !== null && db !== session.databaseName) {
    throw new PgkeepError('OPTIONS_INVALID', `cross-database references are not implemented: the ${what} pattern "${pattern}" names database "${db}", and the dump reads database "${session.databaseName}"`, {
      hint: `leave the database part out of the pattern, or connect to database "${db}"`,
    })
  }
}
