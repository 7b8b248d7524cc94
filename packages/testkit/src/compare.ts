// Measures how faithfully one database copies another, property by property: schema text (local pg_dump,
// when it is new enough), catalog facts (fingerprint.sql), rows of every table, sequence positions and
// large objects. Every difference comes back as one readable line.
import type pg from 'pg'
import { withClient } from './database'
import { compareCodeUnits, readFingerprint } from './fingerprint'
import { schemaText } from './schema-text'

export interface CompareResult {
  /** How many comparisons were made (schema, catalog, one per table, sequences, large objects). */
  checks: number
  /** One line per difference, e.g. `data: public.film source=1000:… copy=999:…`; empty when the copy is faithful. */
  differences: string[]
  /** What was not compared and why (e.g. the local pg_dump is older than the server). */
  notes: string[]
}

/** At most this many catalog facts are listed one by one; the rest are counted. */
const MAX_FACT_LINES = 100

/**
 * Compares two databases, which may be on different servers.
 * @example
 * const { differences } = await compareDatabases(source.url, copy.url)
 */
export async function compareDatabases(sourceUrl: string, copyUrl: string): Promise<CompareResult> {
  const [source, copy, schema] = await Promise.all([readState(sourceUrl), readState(copyUrl), compareSchemaText(sourceUrl, copyUrl)])
  const result: CompareResult = { checks: 0, differences: [], notes: [...schema.notes] }
  if (schema.compared) {
    result.checks++
    if (schema.difference) result.differences.push(schema.difference)
  }

  result.checks++
  result.differences.push(...diffFacts(source.facts, copy.facts))

  const tables = [...new Set([...source.tables.keys(), ...copy.tables.keys()])].sort(compareCodeUnits)
  for (const table of tables) {
    result.checks++
    const a = source.tables.get(table) ?? 'missing'
    const b = copy.tables.get(table) ?? 'missing'
    if (a !== b) result.differences.push(`data: ${table} source=${a} copy=${b}`)
  }

  result.checks++
  const sequences = [...new Set([...source.sequences.keys(), ...copy.sequences.keys()])].sort(compareCodeUnits)
  for (const seq of sequences) {
    const a = source.sequences.get(seq) ?? 'missing'
    const b = copy.sequences.get(seq) ?? 'missing'
    if (a !== b) result.differences.push(`sequences: ${seq} source=${a} copy=${b}`)
  }

  result.checks++
  if (source.largeObjects !== copy.largeObjects) {
    result.differences.push(`large objects: source=${source.largeObjects} copy=${copy.largeObjects}`)
  }
  return result
}

/** Throws, listing every difference, unless `copyUrl` holds a faithful copy of `sourceUrl`. */
export async function assertSameDatabase(sourceUrl: string, copyUrl: string): Promise<CompareResult> {
  const result = await compareDatabases(sourceUrl, copyUrl)
  if (result.differences.length > 0) {
    const notes = result.notes.length > 0 ? `\nnotes:\n${result.notes.join('\n')}` : ''
    throw new Error(`databases differ in ${result.differences.length} ways (${result.checks} checks):\n${result.differences.join('\n')}${notes}`)
  }
  return result
}

// --- internal ---

interface DatabaseState {
  facts: string[]
  /** `schema.table` → `count:md5` */
  tables: Map<string, string>
  /** `schema.sequence` → `last_value (called|not called)` */
  sequences: Map<string, string>
  /** `count:md5` */
  largeObjects: string
}

const USER_RELATIONS = `
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`

function readState(url: string): Promise<DatabaseState> {
  return withClient(url, async (client) => {
    const facts = await readFingerprint(client) // also sets the session's output settings for what follows
    return { facts, tables: await readTables(client), sequences: await readSequences(client), largeObjects: await readLargeObjects(client) }
  })
}

async function readTables(client: pg.ClientBase): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name ${USER_RELATIONS}
       AND c.relkind IN ('r', 'm') AND (c.relkind <> 'm' OR c.relispopulated) ORDER BY 1`,
  )
  const digests = new Map<string, string>()
  for (const { name } of rows) {
    // ONLY: rows of inheritance children are counted at the child
    const sql = `SELECT count(*) || ':' || coalesce(md5(string_agg(x, E'\\n' ORDER BY x COLLATE "C")), '') AS d
                 FROM (SELECT r::text AS x FROM ONLY ${name} r) s`
    try {
      digests.set(name, (await client.query<{ d: string }>(sql)).rows[0]!.d)
    } catch (err) {
      throw new Error(`unable to read the rows of ${name}: ${(err as Error).message}`, { cause: err })
    }
  }
  return digests
}

async function readSequences(client: pg.ClientBase): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string }>(`SELECT format('%I.%I', n.nspname, c.relname) AS name ${USER_RELATIONS} AND c.relkind = 'S' ORDER BY 1`)
  const positions = new Map<string, string>()
  for (let i = 0; i < rows.length; i += 200) {
    const parts = rows
      .slice(i, i + 200)
      .map(({ name }) => `SELECT ${quoteLiteral(name)} AS name, last_value::text || CASE WHEN is_called THEN ' called' ELSE ' not called' END AS v FROM ${name}`)
    const result = await client.query<{ name: string; v: string }>(parts.join('\nUNION ALL\n'))
    for (const row of result.rows) positions.set(row.name, row.v)
  }
  return positions
}

async function readLargeObjects(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ d: string }>(
    `SELECT count(*) || ':' || coalesce(md5(string_agg(md5(lo_get(oid)), ',' ORDER BY oid)), '') AS d FROM pg_largeobject_metadata`,
  )
  return rows[0]!.d
}

async function compareSchemaText(sourceUrl: string, copyUrl: string): Promise<{ compared: boolean; difference?: string; notes: string[] }> {
  const [a, b] = await Promise.all([schemaText(sourceUrl), schemaText(copyUrl)])
  if (a.text === undefined || b.text === undefined) {
    const notes = [a.skipped, b.skipped].filter((n): n is string => n !== undefined)
    return { compared: false, notes: [...new Set(notes)].map((n) => `schema: not compared (${n}); catalog facts still compared`) }
  }
  if (a.text === b.text) return { compared: true, notes: [] }
  const { onlyA, onlyB } = multisetDiff(a.text.split('\n'), b.text.split('\n'))
  if (onlyA.length === 0 && onlyB.length === 0) return { compared: true, difference: 'schema: same lines in a different order', notes: [] }
  const first = [telling(onlyA, '-'), telling(onlyB, '+')].filter((l) => l !== undefined).join(' ')
  return { compared: true, difference: `schema: ${onlyA.length} lines only in source, ${onlyB.length} only in copy (first: ${first})`, notes: [] }
}

function diffFacts(source: string[], copy: string[]): string[] {
  const { onlyA, onlyB } = multisetDiff(source, copy)
  const lines = [...onlyA.map((f) => `catalog: only in source: ${oneLine(f)}`), ...onlyB.map((f) => `catalog: only in copy: ${oneLine(f)}`)]
  if (lines.length <= MAX_FACT_LINES) return lines
  return [...lines.slice(0, MAX_FACT_LINES), `catalog: … and ${lines.length - MAX_FACT_LINES} more facts differ`]
}

/** Lines present more often on one side than on the other, in order of first appearance. */
function multisetDiff(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const counts = new Map<string, number>()
  for (const l of a) counts.set(l, (counts.get(l) ?? 0) + 1)
  for (const l of b) counts.set(l, (counts.get(l) ?? 0) - 1)
  const take = (lines: string[], sign: 1 | -1) =>
    lines.filter((l) => {
      const n = counts.get(l)! * sign
      if (n <= 0) return false
      counts.set(l, counts.get(l)! - sign)
      return true
    })
  return { onlyA: take(a, 1), onlyB: take(b, -1) }
}

/** The first line worth showing: not blank and not one of pg_dump's `--` header comments. */
function telling(lines: string[], sign: '-' | '+'): string | undefined {
  const line = lines.find((l) => l.trim() !== '' && !l.startsWith('--')) ?? lines[0]
  return line === undefined ? undefined : clip(`${sign}${line}`)
}

function oneLine(text: string): string {
  return text.replace(/\n/g, '\\n')
}

function clip(text: string): string {
  return text.length > 160 ? `${text.slice(0, 160)}…` : text
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}
