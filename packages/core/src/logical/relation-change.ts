// Whether a Relation message of the stream says a table's definition changed. pgoutput resends a table's
// Relation message at the start of each session and after any invalidation of the table (an index built,
// statistics, a change elsewhere), so only a difference matters: column names, types and typmods, the key
// flags, the replica identity, the schema or the name, or a table the chain's base backup does not hold.
// Pure: the archiver (archiver.ts) decides what to do about it.
import type { Relation } from './change-segment'

/** A table the base backup holds, by name; with `columns`, its definition as the base saw it (readTableDefinitions()). */
export interface BaseTable {
  schema: string
  name: string
  /** The columns pgoutput would send for it, in order (no dropped or generated columns). */
  columns?: { name: string; typeOid: number; typeMod: number }[]
}

export interface KnownRelations {
  /** The archived definition of each table, by oid (the newest the chain holds). */
  byOid: ReadonlyMap<number, Relation>
  /** The base backup's tables; without it, a table never seen before is taken as it comes. */
  baseTables?: readonly BaseTable[]
}

/** What changed (`column amount changed type`, `new table`, …), or null when `incoming` is what the chain already has. */
export function relationChange(known: KnownRelations, incoming: Relation): string | null {
  const archived = known.byOid.get(incoming.oid)
  if (archived) return definitionChange(archived, incoming)
  const name = `${incoming.schema}.${incoming.name}`
  // the same name under another oid: the table was dropped and made again
  for (const other of known.byOid.values()) {
    if (other.schema === incoming.schema && other.name === incoming.name) return 'table was dropped and created again (a new oid)'
  }
  if (!known.baseTables) return null
  const base = known.baseTables.find((t) => t.schema === incoming.schema && t.name === incoming.name)
  if (!base) return `new table: the base backup does not hold ${name}`
  if (!base.columns) return null
  return columnsChange(base.columns, incoming.columns, false)
}

// --- internal ---

function definitionChange(archived: Relation, incoming: Relation): string | null {
  if (archived.schema !== incoming.schema || archived.name !== incoming.name) {
    return `table renamed from ${archived.schema}.${archived.name} to ${incoming.schema}.${incoming.name}`
  }
  if (archived.replicaIdentity !== incoming.replicaIdentity) {
    return `replica identity changed from ${identityName(archived.replicaIdentity)} to ${identityName(incoming.replicaIdentity)}`
  }
  return columnsChange(archived.columns, incoming.columns, true)
}

function columnsChange(before: readonly { name: string; typeOid: number; typeMod: number; key?: boolean }[], after: Relation['columns'], withKeys: boolean): string | null {
  const names = new Set(before.map((c) => c.name))
  const added = after.filter((c) => !names.has(c.name)).map((c) => c.name)
  const kept = new Set(after.map((c) => c.name))
  const removed = before.filter((c) => !kept.has(c.name)).map((c) => c.name)
  if (added.length > 0 && removed.length > 0 && added.length === removed.length && before.length === after.length) {
    return `column${added.length > 1 ? 's' : ''} renamed: ${removed.join(', ')} → ${added.join(', ')}`
  }
  if (added.length > 0) return `column${added.length > 1 ? 's' : ''} added: ${added.join(', ')}`
  if (removed.length > 0) return `column${removed.length > 1 ? 's' : ''} removed: ${removed.join(', ')}`
  for (let i = 0; i < after.length; i++) {
    const b = before[i]!
    const a = after[i]!
    if (b.name !== a.name) return `columns reordered: ${before.map((c) => c.name).join(', ')} → ${after.map((c) => c.name).join(', ')}`
    if (b.typeOid !== a.typeOid) return `column ${a.name} changed type (type oid ${b.typeOid} → ${a.typeOid})`
    if (b.typeMod !== a.typeMod) return `column ${a.name} changed its type modifier (${b.typeMod} → ${a.typeMod})`
    if (withKeys && b.key !== a.key) return `column ${a.name} ${a.key ? 'joined' : 'left'} the replica identity`
  }
  return null
}

function identityName(identity: Relation['replicaIdentity']): string {
  return { d: 'default', n: 'nothing', f: 'full', i: 'index' }[identity]
}
