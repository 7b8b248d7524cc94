// The initial, cosmetic order: kind priority, then schema name, then object name (byte order, as
// strcmp), then per-kind tie-breakers (pg_dump_sort.c's DOTypeNameCompare). It makes logically
// identical databases dump identically.
import type { DumpObject, ObjectKind } from '../model/objects'

export interface TypeNameLookup {
  /** Schema and name of a type by OID, or undefined when unknown. */
  (oid: number): { schema: string; name: string } | undefined
}

/** strcmp on UTF-8 bytes, which is code-point order (UTF-16 `<` differs for astral characters). */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0
  // Below the surrogates UTF-16 order is code-point order: decide at the first differing unit.
  const n = Math.min(a.length, b.length)
  let k = 0
  while (k < n && a.charCodeAt(k) === b.charCodeAt(k)) k++
  if (k === n) return a.length < b.length ? -1 : 1
  const ua = a.charCodeAt(k)
  const ub = b.charCodeAt(k)
  if (ua < 0xd800 && ub < 0xd800) return ua < ub ? -1 : 1
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!
    const cb = b.codePointAt(j)!
    if (ca !== cb) return ca < cb ? -1 : 1
    i += ca > 0xffff ? 2 : 1
    j += cb > 0xffff ? 2 : 1
  }
  return (a.length - i) - (b.length - j) > 0 ? 1 : i < a.length ? 1 : j < b.length ? -1 : 0
}

/** A UTF-16 surrogate: where code-unit order (`<`) and code-point order part. */
const SURROGATE = /[\uD800-\uDFFF]/

/**
 * Kind priority, schema and name in one string whose code-unit order is the order of the three: the
 * priority as one character; then \u0001 and the schema name, or \u0002 for an object without a schema
 * (after those with one); \u0000 (no name holds it, so a shorter schema name sorts first); the name.
 */
function sortKey(priority: number, schema: string | null, name: string): string {
  return `${String.fromCharCode(0x20 + priority)}${schema === null ? '\u0002' : `\u0001${schema}`}\u0000${name}`
}

export function sortByTypeName(objects: readonly DumpObject[], priority: Record<ObjectKind, number>, typeName: TypeNameLookup): DumpObject[] {
  const compareTypes = (a: number, b: number): number => {
    const ta = typeName(a)
    const tb = typeName(b)
    if (!ta || !tb) return (ta ? 1 : 0) - (tb ? 1 : 0) || a - b
    return compareBytes(ta.schema, tb.schema) || compareBytes(ta.name, tb.name)
  }
  /** Between objects of the same priority, schema and name. */
  const tied = (a: DumpObject, b: DumpObject): number => tieBreak(a, b, compareTypes) || a.catId.oid - b.catId.oid
  // Each object's priority, schema and name as one key, compared natively: below the surrogates UTF-16
  // order is code-point order, which is strcmp's on UTF-8. Against a comparator that read the three off
  // every object (of many shapes) and compared names in JavaScript: the app schema's pre-sort (4,943
  // objects) took 3–6 ms instead of 6–19 (CPU profiles, four runs each) and its whole schema-only dump
  // 2.52–2.55 G instructions instead of 2.59–2.60 (callgrind, two runs each); on 2,000 tables (16,747
  // objects, many tied by name) no change. A set with an astral character in a name takes the comparator.
  const keys = new Array<string>(objects.length)
  let astral = false
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!
    keys[i] = sortKey(priority[o.kind], o.namespace ? o.namespace.name : null, o.name)
    if (!astral && SURROGATE.test(keys[i]!)) astral = true
  }
  if (!astral) {
    const order = Array.from({ length: objects.length }, (_, i) => i)
    order.sort((i, j) => {
      const a = keys[i]!
      const b = keys[j]!
      if (a !== b) return a < b ? -1 : 1
      return tied(objects[i]!, objects[j]!)
    })
    return order.map((i) => objects[i]!)
  }
  const compare = (a: DumpObject, b: DumpObject): number => {
    let c = priority[a.kind] - priority[b.kind]
    if (c !== 0) return c
    if (a.namespace && b.namespace) {
      c = compareBytes(a.namespace.name, b.namespace.name)
      if (c !== 0) return c
    } else if (a.namespace) return -1
    else if (b.namespace) return 1
    return compareBytes(a.name, b.name) || tied(a, b)
  }
  return [...objects].sort(compare)
}

function tieBreak(a: DumpObject, b: DumpObject, compareTypes: (a: number, b: number) => number): number {
  if ((a.kind === 'FUNC' || a.kind === 'AGG') && (b.kind === 'FUNC' || b.kind === 'AGG')) {
    const c = a.argtypes.length - b.argtypes.length
    if (c !== 0) return c
    for (let i = 0; i < a.argtypes.length; i++) {
      const d = compareTypes(a.argtypes[i]!, b.argtypes[i]!)
      if (d !== 0) return d
    }
    return 0
  }
  if (a.kind === 'OPERATOR' && b.kind === 'OPERATOR') {
    // oprkind 'l' (prefix) sorts before 'b' (infix), as pg_dump compares them in reverse.
    const c = b.oprkind.charCodeAt(0) - a.oprkind.charCodeAt(0)
    return c || compareTypes(a.oprleft, b.oprleft) || compareTypes(a.oprright, b.oprright)
  }
  if (a.kind === 'COLLATION' && b.kind === 'COLLATION') return Number(a.info.encoding) - Number(b.info.encoding)
  if (a.kind === 'ATTRDEF' && b.kind === 'ATTRDEF') return a.adnum - b.adnum
  if ((a.kind === 'POLICY' && b.kind === 'POLICY') || (a.kind === 'RULE' && b.kind === 'RULE') || (a.kind === 'TRIGGER' && b.kind === 'TRIGGER')) {
    return compareBytes(a.table.name, b.table.name)
  }
  if ((a.kind === 'CONSTRAINT' || a.kind === 'FK_CONSTRAINT') && (b.kind === 'CONSTRAINT' || b.kind === 'FK_CONSTRAINT')) {
    // Domain constraints before table constraints, then by the owning object's name.
    if (a.domain && !b.domain) return -1
    if (!a.domain && b.domain) return 1
    const an = a.domain?.name ?? a.table?.name ?? ''
    const bn = b.domain?.name ?? b.table?.name ?? ''
    return compareBytes(an, bn)
  }
  if (a.kind === 'DEFAULT_ACL' && b.kind === 'DEFAULT_ACL') return compareBytes(a.role, b.role)
  if ((a.kind === 'PUBLICATION_REL' || a.kind === 'PUBLICATION_TABLE_IN_SCHEMA') && (b.kind === 'PUBLICATION_REL' || b.kind === 'PUBLICATION_TABLE_IN_SCHEMA')) {
    return compareBytes(a.publication.name, b.publication.name)
  }
  return 0
}
