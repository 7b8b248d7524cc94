// The catalog's types (pg_type) by OID. Most types are never dumped as such: a table's row type and the
// array type of every type (40,000 of 40,600 types on 20,000 relations). Those are kept as a row of
// numbers and made into objects only when something asks for them (an object depends on them, a lookup
// by OID), at the dump id reserved when they were read. A type nothing asks for has no dependants and
// writes nothing, so leaving it out of the graph changes neither the order nor the script.
import { Component } from '../model/components'
import type { ConstraintObject, NamespaceObject, TypeObject } from '../model/objects'
import type { NewObject, ObjectRegistry } from '../model/registry'
import { quoteIdent } from '../emit/quote'

/** pg_type's OID (genbki: the same in every version). */
export const PG_TYPE = 1247

/** The CHECK list of every type that is not a domain: one frozen empty array. */
const NO_CHECKS = Object.freeze([]) as unknown as ConstraintObject[]

/** What readTypes knows of a type's row, enough to make its object at any time. */
export interface TypeRow {
  oid: number
  name: string
  namespace: NamespaceObject
  owner: string
  acl: string | null
  aclDefault: string
  typtype: string
  typrelid: number
  typrelkind: string
  typelem: number
  isArray: boolean
  isDefined: boolean
}

/** A type's object as readTypes first makes it: a TYPE that selectType may turn into a DUMMY_TYPE. */
export function typeFields(row: TypeRow, kind: TypeObject['kind']): NewObject<TypeObject> {
  return {
    kind,
    catId: { tableoid: PG_TYPE, oid: row.oid },
    name: row.name,
    namespace: row.namespace,
    owner: row.owner,
    dacl: { acl: row.acl, aclDefault: row.aclDefault },
    typtype: row.typtype,
    typrelid: row.typrelid,
    typrelkind: row.typrelkind,
    typelem: row.typelem,
    isArray: row.isArray,
    isMultirange: row.typtype === 'm',
    isDefined: row.isDefined,
    shellType: null,
    domainChecks: row.typtype === 'd' ? [] : NO_CHECKS,
  }
}

const NUMBERS = 6
const ARRAY = 1 << 16
const DEFINED = 1 << 17

export class TypeTable {
  private readonly made = new Map<number, TypeObject>()
  /** Row numbers ordered by OID, built on the first lookup: 8 bytes a type where a Map takes ~45. */
  private byOid: Uint32Array | null = null
  private readonly names: string[] = []
  private readonly namespaces: NamespaceObject[] = []
  private readonly owners: string[] = []
  /** Owner → acldefault('T', owner): the same text for every type of an owner. */
  private readonly aclDefaults = new Map<string, string>()
  /** Per row (all fit 32 bits): reserved dump id, typrelid, typelem, dump, typtype | typrelkind << 8 | ARRAY | DEFINED, oid. */
  private numbers = new Uint32Array(NUMBERS * 1024)

  constructor(private readonly registry: ObjectRegistry) {
    registry.makeOnDemand(PG_TYPE, (oid) => this.make(oid))
  }

  /** A type whose object exists. */
  set(oid: number, type: TypeObject): void {
    this.made.set(oid, type)
  }

  /**
   * A type never dumped as such (no ACL of its own, not an extension member): its dump id is taken now,
   * its object made on first request, as a DUMMY_TYPE with the `dump` flags selectType gave it.
   */
  defer(row: TypeRow, dump: number): void {
    this.byOid = null
    this.names.push(row.name)
    this.namespaces.push(row.namespace)
    this.owners.push(row.owner)
    if (!this.aclDefaults.has(row.owner)) this.aclDefaults.set(row.owner, row.aclDefault)
    const at = (this.names.length - 1) * NUMBERS
    if (at + NUMBERS > this.numbers.length) {
      const grown = new Uint32Array(this.numbers.length * 2)
      grown.set(this.numbers)
      this.numbers = grown
    }
    const n = this.numbers
    n[at] = this.registry.reserve()
    n[at + 1] = row.typrelid
    n[at + 2] = row.typelem
    n[at + 3] = dump
    n[at + 4] = row.typtype.charCodeAt(0) | (row.typrelkind.charCodeAt(0) << 8) | (row.isArray ? ARRAY : 0) | (row.isDefined ? DEFINED : 0)
    n[at + 5] = row.oid
  }

  /** The type of `oid`, made now if it was deferred. */
  get(oid: number): TypeObject | undefined {
    return this.made.get(oid) ?? this.make(oid)
  }

  /** True while `oid` is a deferred type whose object has not been made. */
  isWaiting(oid: number): boolean {
    return this.rowOf(oid) !== undefined && !this.made.has(oid)
  }

  /** The types made so far (every type that can be dumped is made when read). */
  madeTypes(): IterableIterator<TypeObject> {
    return this.made.values()
  }

  /** A type's schema and name without making its object. */
  nameOf(oid: number): { schema: string; name: string } | undefined {
    const type = this.made.get(oid)
    if (type) return { schema: type.namespace?.name ?? '', name: type.name }
    const row = this.rowOf(oid)
    return row === undefined ? undefined : { schema: this.namespaces[row]!.name, name: this.names[row]! }
  }

  /**
   * format_type(oid, NULL) of a deferred type, as the server writes it under the dump's empty search_path,
   * or undefined when `oid` was not deferred: an array type is its element's name and `[]`; a row or
   * multirange type its quoted name, qualified unless it is in pg_catalog.
   */
  formatDeferred(oid: number, typeName: (oid: number) => string | undefined): string | undefined {
    const row = this.rowOf(oid)
    if (row === undefined) return undefined
    const at = row * NUMBERS
    if ((this.numbers[at + 4]! & ARRAY) !== 0) {
      const element = typeName(this.numbers[at + 2]!)
      return element === undefined ? undefined : `${element}[]`
    }
    const schema = this.namespaces[row]!.name
    const name = quoteIdent(this.names[row]!)
    return schema === 'pg_catalog' ? name : `${quoteIdent(schema)}.${name}`
  }

  /** Names of every type in `namespace`, made or not. */
  *namesIn(namespace: NamespaceObject | null): IterableIterator<string> {
    for (const type of this.made.values()) if (type.namespace === namespace) yield type.name
    for (let row = 0; row < this.names.length; row++) {
      if (this.namespaces[row] === namespace && !this.made.has(this.numbers[row * NUMBERS + 5]!)) yield this.names[row]!
    }
  }

  /** The row of a deferred type (made or not), by binary search over the rows ordered by OID. */
  private rowOf(oid: number): number | undefined {
    const n = this.numbers
    if (!this.byOid) {
      this.byOid = new Uint32Array(this.names.length).map((_, row) => row).sort((a, b) => n[a * NUMBERS + 5]! - n[b * NUMBERS + 5]!)
    }
    const byOid = this.byOid
    let low = 0
    let high = byOid.length - 1
    while (low <= high) {
      const mid = (low + high) >>> 1
      const found = n[byOid[mid]! * NUMBERS + 5]!
      if (found === oid) return byOid[mid]!
      if (found < oid) low = mid + 1
      else high = mid - 1
    }
    return undefined
  }

  private make(oid: number): TypeObject | undefined {
    const row = this.rowOf(oid)
    if (row === undefined || this.made.has(oid)) return undefined
    const at = row * NUMBERS
    const n = this.numbers
    const flags = n[at + 4]!
    const fields = typeFields({
      oid,
      name: this.names[row]!,
      namespace: this.namespaces[row]!,
      owner: this.owners[row]!,
      acl: null,
      aclDefault: this.aclDefaults.get(this.owners[row]!)!,
      typtype: String.fromCharCode(flags & 0xff),
      typrelid: n[at + 1]!,
      typrelkind: String.fromCharCode((flags >> 8) & 0xff),
      typelem: n[at + 2]!,
      isArray: (flags & ARRAY) !== 0,
      isDefined: (flags & DEFINED) !== 0,
    }, 'DUMMY_TYPE')
    fields.dump = n[at + 3]!
    fields.components = Component.DEFINITION
    const type = this.registry.add<TypeObject>(fields, n[at]!)
    this.made.set(oid, type)
    return type
  }
}
