// Finding the dependency cycles among the objects the sort could not place (pg_dump_sort.c
// findDependencyLoops/findLoop): a depth-first search from each object, following dependencies in their
// listed order, back to the start object; loops are disjoint, each starts with its start object and
// lists members in path order. Expected loops are traced by hand with that search.
import { describe, expect, it } from 'vitest'
import type { DumpObject } from '../../src/model/objects'
import { findLoops } from '../../src/order/find-loops'
import { byId, fake, names } from './fake-objects'

function graph(spec: Record<string, string[]>): DumpObject[] {
  const keys = Object.keys(spec)
  const id = (n: string) => keys.indexOf(n) + 1
  return keys.map((n) => fake(id(n), { kind: 'TABLE', name: n, deps: spec[n]!.map(id) }))
}

function loops(spec: Record<string, string[]>, stuckNames?: string[]): string[][] {
  const objects = graph(spec)
  const stuck = stuckNames ? stuckNames.map((n) => objects.find((o) => o.name === n)!) : objects
  return findLoops(stuck, byId(objects), objects.length).map(names)
}

describe('findLoops', () => {
  const cases: [string, Record<string, string[]>, string[][]][] = [
    ['a two-member loop', { a: ['b'], b: ['a'] }, [['a', 'b']]],
    ['a three-member loop is reported once, from its first member', { a: ['b'], b: ['c'], c: ['a'] }, [['a', 'b', 'c']]],
    ['a self-dependency', { a: ['a'] }, [['a']]],
    ['two disjoint loops', { a: ['b'], b: ['a'], c: ['d'], d: ['c'] }, [['a', 'b'], ['c', 'd']]],
    // the search follows a's dependencies in order: b first, so the loop found is a-b-d, not a-c
    ['the first path found in dependency order wins', { a: ['b', 'c'], b: ['d'], c: ['a'], d: ['a'] }, [['a', 'b', 'd']]],
    // a direct dependency on the start closes the loop before any deeper search
    ['a direct edge back to the start is preferred', { a: ['b'], b: ['c', 'a'], c: ['a'] }, [['a', 'b']]],
    // x only feeds the loop: no loop through x, and the loop is found from a
    ['an object that only feeds a loop is not part of it', { x: ['a'], a: ['b'], b: ['a'] }, [['a', 'b']]],
    // once a-b is repaired, b is processed; the loop b-c overlaps it and is left for the next round
    ['overlapping loops: only the first is reported', { a: ['b'], b: ['a', 'c'], c: ['b'] }, [['a', 'b']]],
  ]
  it.each(cases)('%s', (_label, spec, expected) => {
    expect(loops(spec)).toEqual(expected)
  })

  it('follows dependencies through objects outside the stuck list', () => {
    expect(loops({ a: ['b'], b: ['a'] }, ['a'])).toEqual([['a', 'b']])
  })

  it('ignores dependencies on objects it cannot look up', () => {
    const a = fake(1, { kind: 'TABLE', name: 'a', deps: [9, 2] })
    const b = fake(2, { kind: 'TABLE', name: 'b', deps: [1] })
    expect(findLoops([a, b], byId([a, b]), 9).map(names)).toEqual([['a', 'b']])
  })

  it('finds nothing in an acyclic graph', () => {
    expect(loops({ a: ['b'], b: ['c'], c: [] })).toEqual([])
  })
})
