// Which entries of a script a restore applies: pg_restore's meaning of schemaOnly, dataOnly,
// noPrivileges, `schemas` (-n: entries in those schemas) and `tables` (-t: those tables, views,
// sequences and their data), where restoring a table also brings the sequences it uses or owns and its
// column defaults, comments and privileges, so that the table comes back usable.
import { PgkeepError } from '../errors'
import { isDataEntry, RELATION_DATA_TYPES, RELATION_TYPES } from './entry-kinds'
import { normalize, relationKey, RELATION_NAME, type ScriptPlan } from './plan-script'
import type { EntryHeader } from './script-item'

export interface EntrySelection {
  schemaOnly?: boolean
  dataOnly?: boolean
  noPrivileges?: boolean
  /** Tables (or views, sequences) by name: `schema.table` or `table` (any schema); exact, not patterns. */
  tables?: readonly string[]
  /** Schemas by exact name. */
  schemas?: readonly string[]
}

export type EntryFilter = (header: EntryHeader | null) => boolean

/** `extra`: header lines to apply whatever the selection says (the dependencies of chosen tables). */
export function entryFilter(selection: EntrySelection, plan: ScriptPlan | null, extra: ReadonlySet<number> = new Set()): EntryFilter {
  const tables = selection.tables?.length ? selection.tables.map(parseTableName) : null
  if (tables && !plan) throw new PgkeepError('INTERNAL', 'selecting tables needs the script plan')
  const schemas = selection.schemas?.length ? new Set(selection.schemas) : null
  const wanted = tables ? wantedRelations(tables, plan!) : null
  // A DEFAULT entry's tag is "table column" (ambiguous with spaces in names): read its ALTER TABLE instead.
  const defaults = wanted ? defaultsOf(plan!, wanted) : null

  return (header) => {
    if (!header) return true
    if (extra.has(header.line)) return true
    if (selection.noPrivileges && (header.type === 'ACL' || header.type === 'DEFAULT ACL')) return false
    const data = isDataEntry(header)
    if (selection.schemaOnly && data) return false
    if (selection.dataOnly && !data) return false
    if (schemas && (header.schema === null || !schemas.has(header.schema))) return false
    if (wanted) return header.type === 'DEFAULT' ? defaults!.has(header.line) : header.schema !== null && belongsToWanted(header, wanted)
    return true
  }
}

function parseTableName(text: string): { schema: string | null; name: string } {
  if (typeof text !== 'string' || text === '') throw new PgkeepError('OPTIONS_INVALID', 'tables: a table name must not be empty')
  const dot = text.indexOf('.')
  return dot < 0 ? { schema: null, name: text } : { schema: text.slice(0, dot), name: text.slice(dot + 1) }
}

/** relationKeys of the named relations (matched against the script's entries) and their sequences. */
function wantedRelations(tables: { schema: string | null; name: string }[], plan: ScriptPlan): Set<string> {
  const wanted = new Set<string>()
  for (const t of tables) {
    const matches = plan.entries.filter((e) => RELATION_TYPES.has(e.type) && e.schema !== null && e.name === t.name && (t.schema === null || e.schema === t.schema))
    if (matches.length === 0) {
      throw new PgkeepError('PATTERN_NO_MATCH', `the script has no table, view or sequence named ${t.schema === null ? '' : `${t.schema}.`}${t.name}`)
    }
    for (const m of matches) {
      const key = relationKey(m.schema!, m.name)
      wanted.add(key)
      for (const sequence of plan.sequencesOf.get(key) ?? []) wanted.add(sequence)
    }
  }
  return wanted
}

function belongsToWanted(header: EntryHeader, wanted: Set<string>): boolean {
  const schema = header.schema!
  if (RELATION_TYPES.has(header.type) || RELATION_DATA_TYPES.has(header.type) || header.type === 'SEQUENCE OWNED BY') {
    return wanted.has(relationKey(schema, header.name))
  }
  if (header.type === 'COMMENT' || header.type === 'ACL' || header.type === 'SECURITY LABEL') {
    // Tags like `TABLE actor`, `SEQUENCE actor_actor_id_seq`, `COLUMN actor.first_name`.
    const tag = /^(?:TABLE|VIEW|MATERIALIZED VIEW|SEQUENCE|FOREIGN TABLE) (.+)$/.exec(header.name)
    if (tag) return wanted.has(relationKey(schema, tag[1]!))
    const column = /^COLUMN (.+)\.[^.]+$/.exec(header.name)
    return column !== null && wanted.has(relationKey(schema, column[1]!))
  }
  return false
}

const ALTER_TABLE = new RegExp(String.raw`^ALTER TABLE (?:ONLY )?(${RELATION_NAME}) ALTER COLUMN `)

/** Header lines of the DEFAULT entries that belong to wanted tables. */
function defaultsOf(plan: ScriptPlan, wanted: Set<string>): Set<number> {
  const lines = new Set<number>()
  for (const entry of plan.entries) {
    if (entry.type !== 'DEFAULT') continue
    const match = ALTER_TABLE.exec(entry.statements[0] ?? '')
    if (match && wanted.has(normalize(match[1]!, entry.schema))) lines.add(entry.line)
  }
  return lines
}
