// Puts every object of the graph in dump order: section boundaries, then the type/name pre-sort and
// the dependency sort with loop repairs (pg_dump's createBoundaryObjects … sortDumpableObjects).
import type { DumpContext } from '../catalog/context'
import type { DumpObject } from '../model/objects'
import { addBoundaryDependencies, createBoundaries } from './boundaries'
import { breakOwnLoops } from './break-own-loops'
import { priorities } from './priorities'
import { sortObjects } from './sort-objects'

export function orderObjects(ctx: DumpContext, largeObjectsInData: boolean): DumpObject[] {
  const { pre, post } = createBoundaries(ctx.registry)
  const objects = ctx.registry.all()
  addBoundaryDependencies(objects, pre, post, largeObjectsInData)
  breakOwnLoops(objects)
  return sortObjects(objects, {
    priority: priorities(largeObjectsInData),
    typeName: (oid) => ctx.types.nameOf(oid),
    maxDumpId: ctx.registry.maxDumpId,
    lookup: (id) => ctx.registry.get(id),
    repair: {
      postDataBoundaryId: post.dumpId,
      warn: (message) => ctx.warnings.push(message),
      describe: describeObject,
    },
  })
}

/** How a dependency-loop warning names an object (pg_dump's describeDumpableObject, shortened). */
export function describeObject(object: DumpObject): string {
  const schema = object.namespace ? `${object.namespace.name}.` : ''
  return `${object.kind.toLowerCase().replaceAll('_', ' ')} ${schema}${object.name} (ID ${object.dumpId})`
}
