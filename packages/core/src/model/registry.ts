// Holds every dumpable object: assigns dump ids in creation order (which keeps output deterministic)
// and finds objects by dump id or by catalog id, as pg_dump's findObjectByCatalogId does.
import { Component } from './components'
import type { BaseObject, CatalogId, DumpObject, NamespaceObject, ObjectKind } from './objects'

type NewObject<T extends BaseObject> = Omit<T, 'dumpId' | 'deps' | 'dump' | 'components' | 'dumpContains' | 'extMember' | 'dependsOnExt'> &
  Partial<Pick<T, 'dump' | 'components' | 'dumpContains'>>

export class ObjectRegistry {
  private readonly byId: DumpObject[] = []
  private readonly byCatalog = new Map<string, DumpObject>()

  /** Creates an object with pg_dump's defaults: every component requested, only the definition present. */
  add<T extends DumpObject>(fields: NewObject<T>): T {
    const object = {
      dump: Component.ALL,
      dumpContains: Component.ALL,
      components: Component.DEFINITION,
      ...fields,
      dumpId: this.byId.length + 1,
      deps: [],
      extMember: false,
      dependsOnExt: false,
    } as unknown as T
    this.byId.push(object)
    if (object.catId.tableoid !== 0) this.byCatalog.set(catalogKey(object.catId), object)
    return object
  }

  get(dumpId: number): DumpObject | undefined {
    return this.byId[dumpId - 1]
  }

  findByCatalogId(catId: CatalogId): DumpObject | undefined {
    return this.byCatalog.get(catalogKey(catId))
  }

  all(): readonly DumpObject[] {
    return this.byId
  }

  get maxDumpId(): number {
    return this.byId.length
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

export function addDependency(object: BaseObject, dumpId: number): void {
  const deps = object.deps
  let set = depSets.get(object)
  if (!set && deps.length >= SET_FROM) depSets.set(object, (set = new Set(deps)))
  if (set ? set.has(dumpId) : deps.includes(dumpId)) return
  deps.push(dumpId)
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
