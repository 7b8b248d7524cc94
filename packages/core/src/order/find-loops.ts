// Finds disjoint dependency cycles among the objects the sort could not place, shortest search
// first (pg_dump's findDependencyLoops/findLoop), so each can be repaired by a known rule.
import type { DumpObject } from '../model/objects'

export function findLoops(stuck: readonly DumpObject[], lookup: (dumpId: number) => DumpObject | undefined, maxDumpId: number): DumpObject[][] {
  const search: Search = {
    processed: new Uint8Array(maxDumpId + 1),
    searchFailed: new Int32Array(maxDumpId + 1),
    onPath: new Int32Array(maxDumpId + 1),
    path: [],
    next: [],
    lookup,
  }
  const loops: DumpObject[][] = []
  for (let s = 0; s < stuck.length; s++) {
    const start = stuck[s]!
    const loop = findLoop(start, search)
    if (loop) {
      loops.push(loop)
      for (let m = 0; m < loop.length; m++) search.processed[loop[m]!.dumpId] = 1
    } else {
      search.processed[start.dumpId] = 1
    }
  }
  return loops
}

/**
 * What one search of findLoops shares with the next: marks by dump id (`searchFailed` and `onPath` hold
 * the id of the start object they were set for, so a later search does not see them) and the stacks.
 */
interface Search {
  processed: Uint8Array
  searchFailed: Int32Array
  onPath: Int32Array
  path: DumpObject[]
  next: number[]
  lookup: (id: number) => DumpObject | undefined
}

function findLoop(start: DumpObject, search: Search): DumpObject[] | null {
  // Iterative depth-first search; `path` is the chain from the start object.
  const { processed, searchFailed, onPath, path, next, lookup } = search
  const startId = start.dumpId
  path.length = 0
  next.length = 0
  const enter = (obj: DumpObject): void => {
    const id = obj.dumpId
    if (processed[id] || searchFailed[id] === startId || onPath[id] === startId) return
    path.push(obj)
    onPath[id] = startId
    next.push(0)
  }
  enter(start)
  while (path.length > 0) {
    const obj = path[path.length - 1]!
    const i = next[next.length - 1]!
    if (i === 0 && obj.deps.includes(startId)) return path.slice()
    if (i < obj.deps.length) {
      next[next.length - 1] = i + 1
      const child = lookup(obj.deps[i]!)
      if (child) enter(child)
      continue
    }
    searchFailed[obj.dumpId] = startId
    onPath[obj.dumpId] = 0
    path.pop()
    next.pop()
  }
  return null
}
