// The whole ordering step: cosmetic pre-sort, then dependency sort, repairing loops until it works.
import type { DumpObject, ObjectKind } from '../model/objects'
import { PgkeepError } from '../errors'
import { findLoops } from './find-loops'
import { repairLoop, type RepairContext } from './repair-loop'
import { sortByTypeName, type TypeNameLookup } from './sort-by-type-name'
import { topoSort } from './topo-sort'

export function sortObjects(
  objects: readonly DumpObject[],
  options: { priority: Record<ObjectKind, number>; typeName: TypeNameLookup; maxDumpId: number; lookup: (id: number) => DumpObject | undefined; repair: RepairContext },
): DumpObject[] {
  const sorted = sortByTypeName(objects, options.priority, options.typeName)
  for (let round = 0; round < 10_000; round++) {
    const result = topoSort(sorted, options.maxDumpId)
    if (result.ok) return result.order
    const loops = findLoops(result.stuck, options.lookup, options.maxDumpId)
    if (loops.length === 0) throw new PgkeepError('INTERNAL', 'could not identify a dependency loop among the objects left unsorted')
    for (const loop of loops) repairLoop(loop, options.repair)
  }
  throw new PgkeepError('INTERNAL', 'dependency sort did not converge')
}
