// How a parallel restore may run a script's entry: in a worker session alongside others, and which
// tables it locks and how, so that two entries that would wait on each other (or deadlock) never run at
// once. The rules are pg_restore -j's: table data in parallel; in post-data, index builds and
// primary-key/unique constraints in parallel ("build"), then foreign keys in parallel ("fk"), each
// locking the tables it names; everything else one at a time, after whatever runs before it.
import { RELATION_NAME } from './plan-script'
import type { EntryHeader } from './script-item'

/** Entries run at once, each in its own worker: table data, builds (indexes, PK/unique), foreign keys. */
export type ParallelClass = 'data' | 'build' | 'fk'

export interface TableLock {
  /** The table as the statement names it (schema-qualified in dumps), quotes normalised away. */
  table: string
  /** `share`: CREATE INDEX (several at once on one table are fine); `exclusive`: ALTER TABLE … ADD. */
  mode: 'share' | 'exclusive'
}

/** The class an entry runs in, or null: run it alone, after everything before it. */
export function parallelClass(entry: EntryHeader | null): ParallelClass | null {
  if (!entry) return null
  if (entry.type === 'TABLE DATA') return 'data'
  if (entry.type === 'INDEX' || entry.type === 'CONSTRAINT') return 'build'
  if (entry.type === 'FK CONSTRAINT') return 'fk'
  return null
}

/**
 * The tables a post-data entry's statement locks, or null when the statement is not one of the shapes
 * pg_dump writes for it (the entry then runs alone).
 */
export function tableLocks(sql: string): TableLock[] | null {
  const index = CREATE_INDEX.exec(sql)
  if (index) return [{ table: normalizeName(index[1]!), mode: 'share' }]
  const alter = ALTER_TABLE.exec(sql)
  if (!alter) return null
  const locks: TableLock[] = [{ table: normalizeName(alter[1]!), mode: 'exclusive' }]
  const references = REFERENCES.exec(sql)
  if (references) locks.push({ table: normalizeName(references[1]!), mode: 'exclusive' })
  return locks
}

/** Whether two entries' locks would make one wait for the other. */
export function locksConflict(a: readonly TableLock[], b: readonly TableLock[]): boolean {
  return a.some((x) => b.some((y) => x.table === y.table && (x.mode === 'exclusive' || y.mode === 'exclusive')))
}

/** A data entry's table, in the form tableLocks() names it. */
export function tableKey(schema: string | null, name: string): string {
  return schema === null ? name : `${schema}\u0000${name}`
}

// --- internal ---

const CREATE_INDEX = new RegExp(String.raw`^CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:IF NOT EXISTS )?(?:${RELATION_NAME} )?ON (?:ONLY )?(${RELATION_NAME})[\s(]`)
const ALTER_TABLE = new RegExp(String.raw`^ALTER TABLE (?:ONLY )?(${RELATION_NAME})\s+ADD CONSTRAINT `)
const REFERENCES = new RegExp(String.raw`\sREFERENCES (${RELATION_NAME})\s*\(`)

/** `public."Order"` → `public.Order`, `"a""b".t` → `a"b.t`; unquoted names folded to lower case. */
function normalizeName(name: string): string {
  const parts: string[] = []
  const re = /"((?:[^"]|"")*)"|([^."]+)/g
  for (let m = re.exec(name); m; m = re.exec(name)) parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase())
  return parts.join('\u0000')
}
