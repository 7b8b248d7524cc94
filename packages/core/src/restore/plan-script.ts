// A first pass over a script, without a database: the entries it holds (what `list` returns), the
// statements each starts with, how many bytes of COPY data each carries, and which sequences each table
// uses or owns (so that restoring one table brings its sequences along).
import { sectionOf, type Section } from './entry-kinds'
import { splitScript, type EntryHeader, type SplitScriptOptions } from './split-script'

export interface ScriptEntry {
  section: Section
  type: string
  schema: string | null
  name: string
  owner: string | null
  /** Bytes of COPY data (TABLE DATA entries), else 0. */
  dataBytes: number
  /** 1-based line of the entry's header. */
  line: number
}

export interface PlannedEntry extends ScriptEntry {
  header: EntryHeader
  /** The entry's statements, in order (kept short: the first 4 kB of each). */
  statements: string[]
}

export interface ScriptPlan {
  entries: PlannedEntry[]
  /** relationKey(table) → relationKey of the sequences the table's statements use or that it owns. */
  sequencesOf: Map<string, Set<string>>
}

const KEEP = 4096
const NEXTVAL = /nextval\('((?:[^']|'')+)'::regclass\)/g
/** A relation name as pg_dump prints it: identifiers, quoted or not, joined by dots. */
export const RELATION_NAME = String.raw`(?:"(?:[^"]|"")*"|[^\s."(;]+)(?:\.(?:"(?:[^"]|"")*"|[^\s."(;]+))*`
const OWNED_BY = new RegExp(String.raw`^ALTER SEQUENCE (${RELATION_NAME}) OWNED BY (${RELATION_NAME});$`)
const IDENTITY = new RegExp(String.raw`^ALTER TABLE (?:ONLY )?(${RELATION_NAME}) ALTER COLUMN [\s\S]*?SEQUENCE NAME (${RELATION_NAME})`)

export async function planScript(input: AsyncIterable<Buffer>, options: SplitScriptOptions = {}): Promise<ScriptPlan> {
  const entries: PlannedEntry[] = []
  const sequencesOf = new Map<string, Set<string>>()
  const use = (table: string, sequence: string) => {
    const set = sequencesOf.get(table) ?? new Set<string>()
    set.add(sequence)
    sequencesOf.set(table, set)
  }
  let current: PlannedEntry | null = null
  for await (const item of splitScript(input, options)) {
    if (item.kind === 'meta') continue
    const header = item.entry
    if (header && (!current || current.header !== header)) {
      current = {
        section: sectionOf(header), type: header.type, schema: header.schema, name: header.name, owner: header.owner,
        dataBytes: 0, line: header.line, header, statements: [],
      }
      entries.push(current)
    }
    if (item.kind === 'copy') {
      for await (const chunk of item.data) if (current) current.dataBytes += chunk.length
    }
    if (!current) continue
    // Views are kept whole: clean may need a dummy view's definition back.
    current.statements.push(item.sql.length > KEEP && current.type !== 'VIEW' ? item.sql.slice(0, KEEP) : item.sql)
    if (item.kind === 'statement') {
      const table = current.type === 'TABLE' || current.type === 'DEFAULT' ? qualifiedOf(current) : null
      if (table) for (const m of item.sql.matchAll(NEXTVAL)) use(table, normalize(m[1]!.replaceAll("''", "'"), current.schema))
      const owned = OWNED_BY.exec(item.sql)
      // OWNED BY schema.table.column: the table is all but the last part
      if (owned) use(normalize(owned[2]!, null).split('\u0000').slice(0, -1).join('\u0000'), normalize(owned[1]!, null))
      const identity = IDENTITY.exec(item.sql)
      if (identity) use(normalize(identity[1]!, null), normalize(identity[2]!, null))
    }
  }
  return { entries, sequencesOf }
}

function qualifiedOf(entry: PlannedEntry): string | null {
  return entry.schema === null ? null : relationKey(entry.schema, entry.name)
}

/** One key per relation: schema and name, unambiguous whatever characters they hold. */
export function relationKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`
}

/** A (possibly quoted, possibly qualified) relation name as pg_dump prints it → its relationKey; an unqualified name gets `schema`. */
export function normalize(text: string, schema: string | null): string {
  const parts: string[] = []
  let i = 0
  while (i < text.length) {
    if (text[i] === '"') {
      let j = i + 1
      let part = ''
      while (j < text.length) {
        if (text[j] === '"' && text[j + 1] === '"') { part += '"'; j += 2; continue }
        if (text[j] === '"') break
        part += text[j++]
      }
      parts.push(part)
      i = j + 1
    } else {
      const dot = text.indexOf('.', i)
      const end = dot < 0 ? text.length : dot
      parts.push(text.slice(i, end))
      i = end
    }
    if (text[i] === '.') i++
  }
  if (parts.length === 1 && schema !== null) parts.unshift(schema)
  return parts.join('\u0000')
}
