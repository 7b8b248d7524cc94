// Holds every dumpable object: assigns dump ids in creation order (which keeps output deterministic)
// and finds objects by dump id or by catalog id, as pg_dump's findObjectByCatalogId does.
import { Component } from './components'
import type { BaseObject, CatalogId, DumpableAcl, DumpObject, NamespaceObject, ObjectKind } from './objects'

type NewObject<T extends BaseObject> = Omit<T, 'dumpId' | 'deps' | 'dump' | 'components' | 'dumpContains' | 'extMember' | 'dependsOnExt'> &
  Partial<Pick<T, 'dump' | 'components' | 'dumpContains'>>

export class ObjectRegistry {
  private readonly byId: DumpObject[] = []
  /** Catalog OID (tableoid) → object OID → object: numeric keys, no string built per object or per lookup. */
  private readonly byCatalog = new Map<number, Map<number, DumpObject>>()
  /** One copy of each ACL text: every relation of an owner has the same acldefault, most have the same ACL. */
  private readonly aclTexts = new Map<string, string>()

  /**
   * Creates an object with pg_dump's defaults: every component requested, only the definition present.
   * `fields` becomes the object (every caller passes a fresh literal): copying it with a spread cost
   * 118 ms of 1.8 CPU-s on 20,000 relations, and its copy kept most fields in a separate property array.
   */
  add<T extends DumpObject>(fields: NewObject<T>): T {
    const object = fields as unknown as T & { -readonly [K in keyof BaseObject]: BaseObject[K] }
    object.dumpId = this.byId.length + 1
    object.deps = []
    object.extMember = false
    object.dependsOnExt = false
    if (object.dump === undefined) object.dump = Component.ALL
    if (object.dumpContains === undefined) object.dumpContains = Component.ALL
    if (object.components === undefined) object.components = Component.DEFINITION
    this.byId.push(object)
    const dacl = (object as { dacl?: DumpableAcl }).dacl
    if (dacl) {
      dacl.aclDefault = this.aclText(dacl.aclDefault)
      if (dacl.acl !== null) dacl.acl = this.aclText(dacl.acl)
    }
    const { tableoid, oid } = object.catId
    if (tableoid !== 0) {
      let objects = this.byCatalog.get(tableoid)
      if (!objects) this.byCatalog.set(tableoid, (objects = new Map()))
      objects.set(oid, object)
    }
    return object
  }

  get(dumpId: number): DumpObject | undefined {
    return this.byId[dumpId - 1]
  }

  findByCatalogId(catId: CatalogId): DumpObject | undefined {
    return this.find(catId.tableoid, catId.oid)
  }

  /** findByCatalogId without a CatalogId object, for a loop over many rows. */
  find(tableoid: number, oid: number): DumpObject | undefined {
    return this.byCatalog.get(tableoid)?.get(oid)
  }

  all(): readonly DumpObject[] {
    return this.byId
  }

  get maxDumpId(): number {
    return this.byId.length
  }

  private aclText(text: string): string {
    const kept = this.aclTexts.get(text)
    if (kept !== undefined) return kept
    this.aclTexts.set(text, text)
    return text
  }

  ofKind<K extends ObjectKind>(kind: K): ObjectOfKind<K>[] {
    return this.byId.filter((o) => o.kind === kind) as ObjectOfKind<K>[]
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
