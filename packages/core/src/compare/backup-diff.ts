// The difference between two backups (or dump files), from the facts read of each: schema entries
// added, removed or changed; tables whose rows or content changed; sequence values; and the backups'
// own sizes, server versions and options. Pure: no storage, no database.
import { entryKey, type DumpFacts, type EntryRef, type SequenceFact, type TableFact } from './dump-facts'

/** One side of a comparison: what was read of it, and what its manifest says (files have none). */
export interface DiffSide {
  /** The backup id, or the file as given. */
  label: string
  facts: DumpFacts
  /** Bytes stored (the file's size for a file). */
  size: number
  createdAt?: string
  serverVersion?: string
  options?: Record<string, unknown>
  /** From the manifest, when there is one; else from the script's data (facts.tables). */
  tables?: TableFact[]
  /** From the manifest, when there is one; else from the script's setval() calls (facts.sequences). */
  sequences?: SequenceFact[]
}

export interface TableChange {
  schema: string
  name: string
  rows: { a: number; b: number }
  /** The COPY text differs (rows added, removed or updated). */
  contentChanged: boolean
}

export interface BackupDiff {
  a: SideSummary
  b: SideSummary
  objects: { added: EntryRef[]; removed: EntryRef[]; changed: EntryRef[] }
  tables: { added: TableFact[]; removed: TableFact[]; changed: TableChange[] }
  sequences: { schema: string; name: string; a: string | null; b: string | null }[]
  /** Options whose values differ, by name. */
  options: Record<string, { a: unknown; b: unknown }>
  /** Nothing differs in schema, tables or sequences (sizes, times and options aside). */
  identical: boolean
}

export interface SideSummary {
  label: string
  size: number
  createdAt?: string
  serverVersion?: string
}

export function diffBackups(a: DiffSide, b: DiffSide): BackupDiff {
  const objects = diffEntries(a.facts, b.facts)
  const tables = diffTables(a.tables ?? a.facts.tables ?? [], b.tables ?? b.facts.tables ?? [])
  const sequences = diffSequences(a.sequences ?? a.facts.sequences, b.sequences ?? b.facts.sequences)
  const options = diffOptions(a.options, b.options)
  const identical = [objects.added, objects.removed, objects.changed, tables.added, tables.removed, tables.changed, sequences].every((l) => l.length === 0)
  return { a: summary(a), b: summary(b), objects, tables, sequences, options, identical }
}

// --- internal ---

function summary(side: DiffSide): SideSummary {
  return {
    label: side.label,
    size: side.size,
    ...(side.createdAt !== undefined ? { createdAt: side.createdAt } : {}),
    ...(side.serverVersion !== undefined ? { serverVersion: side.serverVersion } : {}),
  }
}

function diffEntries(a: DumpFacts, b: DumpFacts): BackupDiff['objects'] {
  const added: EntryRef[] = []
  const removed: EntryRef[] = []
  const changed: EntryRef[] = []
  const ref = ({ type, schema, name }: EntryRef): EntryRef => ({ type, schema, name })
  for (const [key, fact] of a.entries) {
    const other = b.entries.get(key)
    if (!other) removed.push(ref(fact))
    else if (other.sha256 !== fact.sha256) changed.push(ref(fact))
  }
  for (const [key, fact] of b.entries) if (!a.entries.has(key)) added.push(ref(fact))
  return { added, removed, changed }
}

function diffTables(a: TableFact[], b: TableFact[]): BackupDiff['tables'] {
  const key = (t: TableFact) => entryKey({ type: 'TABLE', schema: t.schema, name: t.name })
  const inB = new Map(b.map((t) => [key(t), t]))
  const inA = new Map(a.map((t) => [key(t), t]))
  const changed: TableChange[] = []
  for (const t of a) {
    const other = inB.get(key(t))
    if (other && (other.rows !== t.rows || other.sha256 !== t.sha256)) {
      changed.push({ schema: t.schema, name: t.name, rows: { a: t.rows, b: other.rows }, contentChanged: other.sha256 !== t.sha256 })
    }
  }
  return { added: b.filter((t) => !inA.has(key(t))), removed: a.filter((t) => !inB.has(key(t))), changed }
}

function diffSequences(a: SequenceFact[], b: SequenceFact[]): BackupDiff['sequences'] {
  const name = (s: { schema: string; name: string }) => `${s.schema}.${s.name}`
  const value = (s: { value: string; isCalled: boolean }) => `${s.value}${s.isCalled ? '' : ' (not called)'}`
  const inA = new Map(a.map((s) => [name(s), s]))
  const inB = new Map(b.map((s) => [name(s), s]))
  const out: BackupDiff['sequences'] = []
  for (const key of new Set([...inA.keys(), ...inB.keys()])) {
    const x = inA.get(key)
    const y = inB.get(key)
    const va = x ? value(x) : null
    const vb = y ? value(y) : null
    if (va !== vb) out.push({ schema: (x ?? y)!.schema, name: (x ?? y)!.name, a: va, b: vb })
  }
  return out
}

function diffOptions(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): BackupDiff['options'] {
  if (!a || !b) return {}
  const out: BackupDiff['options'] = {}
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out[key] = { a: a[key], b: b[key] }
  }
  return out
}
