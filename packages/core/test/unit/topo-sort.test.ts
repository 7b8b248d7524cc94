// The dependency sort that moves as little as possible (pg_dump_sort.c TopoSort): the output is filled
// from the end, each time with the latest object in the input order that no remaining object depends on.
// Expected orders are worked out by hand with that rule.
import { describe, expect, it } from 'vitest'
import type { DumpObject } from '../../src/model/objects'
import { topoSort } from '../../src/order/topo-sort'
import { fake, names } from './fake-objects'

/** Objects named a, b, c, … with dump ids 1, 2, 3, …; deps given by name. */
function graph(spec: Record<string, string[]>): DumpObject[] {
  const keys = Object.keys(spec)
  const id = (n: string) => {
    const i = keys.indexOf(n)
    return i >= 0 ? i + 1 : 150 + n.charCodeAt(0) - 97 // an id outside the list, below maxDumpId
  }
  return keys.map((n) => fake(id(n), { kind: 'TABLE', name: n, deps: spec[n]!.map(id) }))
}

function sorted(objects: DumpObject[], maxDumpId = 200): string[] {
  const result = topoSort(objects, maxDumpId)
  if (!result.ok) throw new Error(`unexpected loop among ${names(result.stuck).join(', ')}`)
  return names(result.order)
}

describe('topoSort', () => {
  const cases: [string, Record<string, string[]>, string[]][] = [
    ['no dependencies: the input order is kept', { a: [], b: [], c: [] }, ['a', 'b', 'c']],
    ['dependencies already satisfied: nothing moves', { a: [], b: ['a'], c: ['a', 'b'] }, ['a', 'b', 'c']],
    ['a late dependency moves just before its first dependent', { a: ['c'], b: [], c: [] }, ['c', 'a', 'b']],
    ['only the needed object moves', { a: [], b: ['d'], c: [], d: [] }, ['a', 'd', 'b', 'c']],
    ['a chain in reverse order is reversed', { a: ['b'], b: ['c'], c: [] }, ['c', 'b', 'a']],
    ['two dependents of one late object', { a: ['d'], b: [], c: ['d'], d: [] }, ['d', 'a', 'b', 'c']],
    ['diamond', { top: ['l', 'r'], l: ['base'], r: ['base'], base: [] }, ['base', 'l', 'r', 'top']],
  ]
  it.each(cases)('%s', (_label, spec, expected) => {
    expect(sorted(graph(spec))).toEqual(expected)
  })

  it('places every object exactly once and respects every dependency', () => {
    const objects = graph({ f: ['c'], e: [], d: ['a', 'e'], c: ['b'], b: [], a: ['e'] })
    const order = sorted(objects)
    expect([...order].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    for (const obj of objects) {
      for (const dep of obj.deps) {
        const depName = objects.find((o) => o.dumpId === dep)!.name
        expect(order.indexOf(depName)).toBeLessThan(order.indexOf(obj.name))
      }
    }
  })

  it('ignores dependencies on objects that are not being sorted', () => {
    expect(sorted(graph({ a: ['z'], b: ['a'] }))).toEqual(['a', 'b'])
  })

  it('does not need dump ids to follow the input order', () => {
    const objects = [fake(7, { kind: 'TABLE', name: 'x', deps: [3] }), fake(5, { kind: 'TABLE', name: 'y' }), fake(3, { kind: 'TABLE', name: 'z' })]
    expect(sorted(objects, 7)).toEqual(['z', 'x', 'y'])
  })

  it('reports the objects of a cycle and those the cycle needs, not the others', () => {
    // a <-> b is a cycle; d is needed by a, so it can never be placed either; c depends on a but can be
    // placed (at the end); e is unrelated.
    const objects = graph({ a: ['b', 'd'], b: ['a'], c: ['a'], d: [], e: [] })
    const result = topoSort(objects, 200)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(names(result.stuck)).toEqual(['a', 'b', 'd'])
  })

  it('reports a self-dependency', () => {
    const result = topoSort(graph({ a: ['a'], b: [] }), 200)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(names(result.stuck)).toEqual(['a'])
  })

  it('handles an empty list', () => {
    expect(topoSort([], 0)).toEqual({ ok: true, order: [] })
  })

  it('follows the rule on random acyclic graphs, ids shuffled against the input order', () => {
    // The rule itself, by search instead of a heap: from the end, the latest object in the input that
    // no object still unplaced depends on.
    const byRule = (objects: DumpObject[]): string[] => {
      const left = [...objects]
      const out: string[] = []
      while (left.length > 0) {
        const needed = new Set(left.flatMap((o) => o.deps))
        const at = left.findLastIndex((o) => !needed.has(o.dumpId))
        out.unshift(left[at]!.name)
        left.splice(at, 1)
      }
      return out
    }
    let seed = 12345
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 60)
      // rank[i]: position of object i in a hidden acyclic order; an object depends only on lower ranks
      const rank = Array.from({ length: n }, (_, i) => i).sort(() => random() - 0.5)
      const ids = Array.from({ length: n }, (_, i) => i + 1).sort(() => random() - 0.5)
      const objects = Array.from({ length: n }, (_, i) => {
        const deps = Array.from({ length: n }, (_, j) => j).filter((j) => rank[j]! < rank[i]! && random() < 0.15).map((j) => ids[j]!)
        return fake(ids[i]!, { kind: 'TABLE', name: `o${i}`, deps })
      })
      expect(sorted(objects, n)).toEqual(byRule(objects))
    }
  })
})
