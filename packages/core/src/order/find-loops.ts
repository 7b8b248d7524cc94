// Finds disjoint dependency cycles among the objects the sort could not place, shortest search
// first (pg_dump's findDependencyLoops/findLoop), so each can be repaired by a known rule.
import type { DumpObject } from '../model/objects'

export function findLoops(stuck: readonly DumpObject[], lookup: (dumpId: number) => DumpObject | undefined, maxDumpId: number): DumpObject[][] {
  const processed = new Uint8Array(maxDumpId + 1)
  const searchFailed = new Int32Array(maxDumpId + 1)
  const loops: DumpObject[][] = []
  for (const start of stuck) {
    const loop = findLoop(start, start.dumpId, processed, searchFailed, lookup)
    if (loop) {
      loops.push(loop)
      for (const member of loop) processed[member.dumpId] = 1
    } else {
      processed[start.dumpId] = 1
    }
  }
  return loops
}

function findLoop(start: DumpObject, startId: number, processed: Uint8Array, searchFailed: Int32Array, lookup: (id: number) => DumpObject | undefined): DumpObject[] | null {
  // Iterative depth-first search; `path` is the chain from the start object.
  const path: DumpObject[] = []
  const onPath = new Set<number>()
  const next: number[] = []
  const enter = (obj: DumpObject): boolean => {
    if (processed[obj.dumpId] || searchFailed[obj.dumpId] === startId || onPath.has(obj.dumpId)) return false
    path.push(obj)
    onPath.add(obj.dumpId)
    next.push(0)
    return true
  }
  if (!enter(start)) return null
  while (path.length > 0) {
    const obj = path[path.length - 1]!
    if (next[next.length - 1] === 0 && obj.deps.includes(startId)) return [...path]
    const i = next[next.length - 1]!
    if (i < obj.deps.length) {
      next[next.length - 1] = i + 1
      const child = lookup(obj.deps[i]!)
      if (child) enter(child)
      continue
    }
    searchFailed[obj.dumpId] = startId
    onPath.delete(obj.dumpId)
    path.pop()
    next.pop()
  }
  return null
}
