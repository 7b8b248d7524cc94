// Holds every dumpable object: assigns dump ids in creation order (which keeps output deterministic)
// and finds objects by dump id or by catalog id, as pg_dump's findObjectByCatalogId does.
import { PgkeepError } from '../errors'
import { Component } from './components'
import type { BaseObject, CatalogId, DumpableAcl, DumpObject, NamespaceObject, ObjectKind } from './objects'

/** What a caller gives add(): the object's own fields; the registry sets the rest. */
export type NewObject<T extends BaseObject> = Omit<T, 'dumpId' | 'deps' | 'dump' | 'components' | 'dumpContains' | 'extMember' | 'dependsOnExt'> &
  Partial<Pick<T, 'dump' | 'components' | 'dumpContains'>>

export class ObjectRegistry {
  /** By dump id - 1; a hole is an id reserved for an object that is made only when something asks for it. */
  private readonly byId: (DumpObject | undefined)[] = []
  /** Catalog OID (tableoid) → object OID → object: numeric keys, no string built per object or per lookup. */
  private readonly byCatalog = new Map<number, Map<number, DumpObject>>()
  /**
   * One copy of each text kept through intern(): every relation of an owner has the same acldefault, most
   * have the same ACL, and nearly every table the same access method.
   */
  private readonly texts = new Map<string, string>()
  /** Catalog OID → makes the object of that OID on first lookup, if the catalog holds one not yet made. */
  private readonly makers = new Map<number, (oid: number) => DumpObject | undefined>()
  private holes = 0

  /**
   * Creates an object with pg_dump's defaults: every component requested, only the definition present.
   * `fields` becomes the object (every caller passes a fresh literal, or for relations a fresh TableRow,
   * whose fields this sets as it would a literal's): copying it with a spread cost
   * 118 ms of 1.8 CPU-s on 20,000 relations, and its copy kept most fields in a separate property array.
   */
  add<T extends DumpObject>(fields: NewObject<T>, reservedId?: number): T {
    const object = fields as unknown as T & { -readonly [K in keyof BaseObject]: BaseObject[K] }
    if (reservedId === undefined) {
      object.dumpId = this.byId.length + 1
      this.byId.push(object)
    } else {
      if (this.byId[reservedId - 1] !== undefined || reservedId > this.byId.length) throw new PgkeepError('INTERNAL', `dump id ${reservedId} was not reserved, or its object was already made`)
      object.dumpId = reservedId
      this.byId[reservedId - 1] = object
      this.holes--
    }
    object.deps = []
    object.extMember = false
    object.dependsOnExt = false
    if (object.dump === undefined) object.dump = Component.ALL
    if (object.dumpContains === undefined) object.dumpContains = Component.ALL
    if (object.components === undefined) object.components = Component.DEFINITION
    const dacl = (object as { dacl?: DumpableAcl }).dacl
    if (dacl) {
      dacl.aclDefault = this.intern(dacl.aclDefault)
      if (dacl.acl !== null) dacl.acl = this.intern(dacl.acl)
    }
    const { tableoid, oid } = object.catId
    if (tableoid !== 0) {
      let objects = this.byCatalog.get(tableoid)
      if (!objects) this.byCatalog.set(tableoid, (objects = new Map()))
      objects.set(oid, object)
    }
    return object
  }

  /**
   * Takes the next dump id for an object made later (or never): the ids, and with them the script, stay
   * what they would be had the object been made now.
   */
  reserve(): number {
    this.byId.push(undefined)
    this.holes++
    return this.byId.length
  }

  /** Objects of `tableoid` not found are asked of `make`, which adds them (at their reserved ids) on demand. */
  makeOnDemand(tableoid: number, make: (oid: number) => DumpObject | undefined): void {
    this.makers.set(tableoid, make)
  }

  get(dumpId: number): DumpObject | undefined {
    return this.byId[dumpId - 1]
  }

  findByCatalogId(catId: CatalogId): DumpObject | undefined {
    return this.find(catId.tableoid, catId.oid)
  }

  /** findByCatalogId without a CatalogId object, for a loop over many rows; makes an on-demand object. */
  find(tableoid: number, oid: number): DumpObject | undefined {
    return this.byCatalog.get(tableoid)?.get(oid) ?? this.makers.get(tableoid)?.(oid)
  }

  /** find() without making an on-demand object. */
  findMade(tableoid: number, oid: number): DumpObject | undefined {
    return this.byCatalog.get(tableoid)?.get(oid)
  }

  /** Every object made, in dump id order. */
  all(): readonly DumpObject[] {
    return this.holes === 0 ? (this.byId as DumpObject[]) : this.byId.filter((o) => o !== undefined)
  }

  get maxDumpId(): number {
    return this.byId.length
  }

  /** The one copy of `text` the registry keeps, for a text many objects hold (add() does it for ACLs). */
  intern(text: string): string {
    const kept = this.texts.get(text)
    if (kept !== undefined) return kept
    this.texts.set(text, text)
    return text
  }

  ofKind<K extends ObjectKind>(kind: K): ObjectOfKind<K>[] {
    return this.byId.filter((o) => o !== undefined && o.kind === kind) as ObjectOfKind<K>[]
  }
}

/** The object interface whose `kind` admits K (several kinds share one interface). */
export type ObjectOfKind<K extends ObjectKind> = DumpObject extends infer T ? (T extends DumpObject ? (K extends T['kind'] ? T : never) : never) : never

export function catalogKey(catId: CatalogId): string {
  return `${catId.tableoid}:${catId.oid}`
}

/** Objects with many dependencies (the section boundaries) keep a set beside the array. */
const depSets = new WeakMap<BaseObject, Set<number>>()
const SET_FROM = 32
/**
 * Below this many dependencies the array is replaced by an exact-size copy instead of grown: push() on
 * an empty array reserves 17 slots, and most objects have one to three dependencies (on 20,000
 * relations that is about 10 MB of empty slots).
 */
const EXACT_UNTIL = 8

export function addDependency(object: BaseObject, dumpId: number): void {
  const deps = object.deps
  let set = depSets.get(object)
  if (!set && deps.length >= SET_FROM) depSets.set(object, (set = new Set(deps)))
  if (set ? set.has(dumpId) : deps.includes(dumpId)) return
  if (deps.length < EXACT_UNTIL) object.deps = deps.concat(dumpId)
  else deps.push(dumpId)
  set?.add(dumpId)
}

export function removeDependency(object: BaseObject, dumpId: number): void {
  const at = object.deps.indexOf(dumpId)
  if (at < 0) return
  object.deps.splice(at, 1)
  depSets.get(object)?.delete(dumpId)
}

export function namespaceName(object: { namespace: NamespaceObject | null }): string | null {
  return object.namespace?.name ?? null
}
