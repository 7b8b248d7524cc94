// Dependency sort that keeps the pre-sorted order wherever it can (pg_dump's TopoSort): fill the
// output from the end, each time taking the latest not-yet-placed object that nothing remaining
// depends on, using a max-heap of input positions.
import type { DumpObject } from '../model/objects'

export type TopoResult = { ok: true; order: DumpObject[] } | { ok: false; stuck: DumpObject[] }

export function topoSort(objects: readonly DumpObject[], maxDumpId: number): TopoResult {
  const before = new Int32Array(maxDumpId + 1)
  const position = new Int32Array(maxDumpId + 1).fill(-1)
  objects.forEach((obj, i) => {
    position[obj.dumpId] = i
    for (const dep of obj.deps) before[dep]!++
  })
  const heap = new MaxHeap()
  for (let i = objects.length - 1; i >= 0; i--) if (before[objects[i]!.dumpId] === 0) heap.push(i)
  const order = new Array<DumpObject>(objects.length)
  let remaining = objects.length
  while (heap.size > 0) {
    const obj = objects[heap.pop()]!
    order[--remaining] = obj
    for (const dep of obj.deps) {
      if (--before[dep]! === 0 && position[dep]! >= 0) heap.push(position[dep]!)
    }
  }
  if (remaining === 0) return { ok: true, order }
  const stuck: DumpObject[] = []
  for (let id = 1; id <= maxDumpId; id++) {
    if (before[id] !== 0 && position[id]! >= 0) stuck.push(objects[position[id]!]!)
  }
  return { ok: false, stuck }
}

class MaxHeap {
  private readonly items: number[] = []
  get size(): number {
    return this.items.length
  }
  push(value: number): void {
    const a = this.items
    a.push(value)
    let i = a.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (a[parent]! >= a[i]!) break
      ;[a[parent], a[i]] = [a[i]!, a[parent]!]
      i = parent
    }
  }
  pop(): number {
    const a = this.items
    const top = a[0]!
    const last = a.pop()!
    if (a.length > 0) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let largest = i
        if (l < a.length && a[l]! > a[largest]!) largest = l
        if (r < a.length && a[r]! > a[largest]!) largest = r
        if (largest === i) break
        ;[a[largest], a[i]] = [a[i]!, a[largest]!]
        i = largest
      }
    }
    return top
  }
}
