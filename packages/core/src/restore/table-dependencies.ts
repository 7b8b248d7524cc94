// "The pre-data it needs": for a restore of some tables, the types, domains, functions, collations and
// schemas their definitions refer to, found by the qualified names in the statements (pg_dump and
// pgkeep qualify every reference, their search_path being empty), followed transitively. Extensions
// come along as they are (CREATE EXTENSION IF NOT EXISTS). Which of these the target lacks is asked
// from the target, so restoring a table into a database that has its types does not recreate them.
import type pg from 'pg'
import { normalize, relationKey, type PlannedEntry, type ScriptPlan } from './plan-script'

const IDENT = String.raw`(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)`
const QUALIFIED = new RegExp(String.raw`(${IDENT})\.(${IDENT})`, 'g')
const DEPENDABLE = new Set(['TYPE', 'DOMAIN', 'SHELL TYPE', 'FUNCTION', 'PROCEDURE', 'AGGREGATE', 'COLLATION', 'SEQUENCE', 'TEXT SEARCH CONFIGURATION', 'TEXT SEARCH DICTIONARY'])

const EXTENSION_SCHEMA = /^CREATE EXTENSION IF NOT EXISTS \S+ WITH SCHEMA ("(?:[^"]|"")*"|[^\s;]+)/

export interface Dependency {
  entry: PlannedEntry
  /** relationKey of the object (schema, name without arguments). */
  key: string
}

/**
 * Dependencies of the entries in `roots` (header lines), not counting the roots, and the schemas of the
 * references no entry of the script defines (objects of extensions: those extensions are needed).
 */
export function dependenciesOf(plan: ScriptPlan, roots: Set<number>): Dependency[] & { unresolvedSchemas?: Set<string> } {
  const byKey = new Map<string, PlannedEntry[]>()
  for (const entry of plan.entries) {
    if (!DEPENDABLE.has(entry.type) || entry.schema === null) continue
    const key = keyOf(entry)
    byKey.set(key, [...(byKey.get(key) ?? []), entry])
  }
  const found = new Map<number, Dependency>()
  const unresolvedSchemas = new Set<string>()
  const queue = plan.entries.filter((e) => roots.has(e.line))
  while (queue.length > 0) {
    const entry = queue.pop()!
    for (const statement of entry.statements) {
      for (const m of statement.matchAll(QUALIFIED)) {
        const key = normalize(`${m[1]}.${m[2]}`, null)
        if (!byKey.has(key)) unresolvedSchemas.add(key.split('\u0000')[0]!)
        for (const dep of byKey.get(key) ?? []) {
          if (roots.has(dep.line) || found.has(dep.line)) continue
          found.set(dep.line, { entry: dep, key })
          queue.push(dep)
        }
      }
    }
  }
  return Object.assign([...found.values()].sort((a, b) => a.entry.line - b.entry.line), { unresolvedSchemas })
}

function keyOf(entry: PlannedEntry): string {
  const open = entry.name.indexOf('(')
  return relationKey(entry.schema!, open > 0 ? entry.name.slice(0, open) : entry.name)
}

/** Header lines of the dependencies the target lacks, plus the SCHEMA and EXTENSION entries they need. */
export async function missingDependencies(client: pg.Client, plan: ScriptPlan, roots: Set<number>): Promise<Set<number>> {
  const lines = new Set<number>()
  const deps = dependenciesOf(plan, roots)
  const schemas = new Set<string>()
  for (const root of plan.entries.filter((e) => roots.has(e.line))) if (root.schema) schemas.add(root.schema)
  for (const { entry, key } of deps) {
    const [schema, name] = key.split('\u0000') as [string, string]
    if (!(await exists(client, entry.type, schema, name))) {
      lines.add(entry.line)
      schemas.add(schema)
    }
  }
  // Extensions installed in a schema the chosen objects refer to without the script defining the name.
  for (const entry of plan.entries) {
    if (entry.type !== 'EXTENSION') continue
    const schema = EXTENSION_SCHEMA.exec(entry.statements[0] ?? '')
    const name = schema ? normalize(schema[1]!, null) : null
    if (name !== null && deps.unresolvedSchemas?.has(name)) {
      lines.add(entry.line)
      schemas.add(name)
    }
  }
  for (const entry of plan.entries) {
    if (entry.type === 'SCHEMA' && schemas.has(entry.name)) {
      const { rows } = await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [entry.name])
      if (rows.length === 0) lines.add(entry.line)
    }
  }
  return lines
}

async function exists(client: pg.Client, type: string, schema: string, name: string): Promise<boolean> {
  const sql = type === 'FUNCTION' || type === 'PROCEDURE' || type === 'AGGREGATE'
    ? 'SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = $2'
    : type === 'COLLATION'
      ? 'SELECT 1 FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace WHERE n.nspname = $1 AND c.collname = $2'
      : type === 'SEQUENCE'
        ? "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'S'"
        : type.startsWith('TEXT SEARCH')
          ? 'SELECT 1 FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace WHERE n.nspname = $1 AND c.cfgname = $2 UNION ALL SELECT 1 FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace WHERE n.nspname = $1 AND d.dictname = $2'
          : 'SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2'
  const { rows } = await client.query(sql, [schema, name])
  return rows.length > 0
}
