// Minimal dumpable objects for the ordering tests: only the fields the order/ modules read, with ids
// assigned by the caller so that a test can state its graph as plain data.
import type { DumpObject, NamespaceObject, ObjectKind } from '../../src/model/objects'

export interface FakeFields {
  kind: ObjectKind
  name?: string
  namespace?: NamespaceObject | null
  oid?: number
  deps?: number[]
  [field: string]: unknown
}

export function fake(dumpId: number, fields: FakeFields): DumpObject {
  const { kind, name = `obj${dumpId}`, namespace = null, oid = dumpId, deps = [], ...rest } = fields
  return {
    dumpId,
    kind,
    catId: { tableoid: 1259, oid },
    name,
    namespace,
    deps: [...deps],
    dump: 0xffff,
    components: 1,
    dumpContains: 0xffff,
    extMember: false,
    dependsOnExt: false,
    ...rest,
  } as unknown as DumpObject
}

export function namespace(dumpId: number, name: string): NamespaceObject {
  return fake(dumpId, { kind: 'NAMESPACE', name }) as NamespaceObject
}

/** A lookup by dump id over the given objects. */
export function byId(objects: readonly DumpObject[]): (id: number) => DumpObject | undefined {
  const map = new Map(objects.map((o) => [o.dumpId, o]))
  return (id) => map.get(id)
}

export const names = (objects: readonly DumpObject[]): string[] => objects.map((o) => o.name)
