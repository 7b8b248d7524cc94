// breakOwnLoops drops, before the sort, the edge from an inline part to its owner where the owner also
// depends on the part: the edge repairLoop's two-member cases drop once the loop search has found them.
// The second half checks the claim the pass rests on: sorting with it gives the same order, the same
// flags and the same edges as sorting without it, longer loops included.
import { describe, expect, it } from 'vitest'
import type { BoundaryObject, DumpObject } from '../../src/model/objects'
import { addBoundaryDependencies } from '../../src/order/boundaries'
import { breakOwnLoops } from '../../src/order/break-own-loops'
import { priorities } from '../../src/order/priorities'
import { sortObjects } from '../../src/order/sort-objects'
import { byId, fake, names } from './fake-objects'

const table = (id: number, relkind: string, deps: number[] = [], name = `t${id}`) =>
  fake(id, { kind: 'TABLE', relkind, name, deps, dummyView: false, postponedDef: false })
const rule = (id: number, tbl: DumpObject, deps: number[] = [], evType = '1', isInstead = true) =>
  fake(id, { kind: 'RULE', name: '_RETURN', table: tbl, evType, isInstead, separate: false, deps })
const check = (id: number, owner: { table?: DumpObject; domain?: DumpObject }, deps: number[] = []) =>
  fake(id, { kind: 'CONSTRAINT', contype: 'c', table: owner.table ?? null, domain: owner.domain ?? null, separate: false, deps })
const attrdef = (id: number, tbl: DumpObject, deps: number[] = []) => fake(id, { kind: 'ATTRDEF', table: tbl, separate: false, deps })

describe('breakOwnLoops: the part stops depending on its owner', () => {
  it.each([
    ['a table and its CHECK constraint', () => { const t = table(1, 'r', [2]); return [t, check(2, { table: t }, [1])] }],
    ['a table and its column default', () => { const t = table(1, 'r', [2]); return [t, attrdef(2, t, [1])] }],
    ['a domain and its CHECK constraint', () => { const d = fake(1, { kind: 'TYPE', deps: [2] }); return [d, check(2, { domain: d }, [1])] }],
    ['a view and its ON SELECT rule', () => { const v = table(1, 'v', [2]); return [v, rule(2, v, [1])] }],
    ['a materialized view and its ON SELECT rule', () => { const v = table(1, 'm', [2]); return [v, rule(2, v, [1])] }],
  ] as [string, () => DumpObject[]][])('%s', (_label, make) => {
    const [owner, part] = make()
    ;(part!.deps as number[]).push(7) // another dependency of the part stays
    breakOwnLoops([owner!, part!])
    expect(part!.deps).toEqual([7])
    expect(owner!.deps).toEqual([2])
  })
})

describe('breakOwnLoops: what it leaves alone', () => {
  it('a separate CHECK constraint (the table does not depend on it)', () => {
    const t = table(1, 'r', [])
    const c = check(2, { table: t }, [1])
    breakOwnLoops([t, c])
    expect(c.deps).toEqual([1])
  })

  it('a separate default (the table does not depend on it)', () => {
    const t = table(1, 'r', [])
    const d = attrdef(2, t, [1])
    breakOwnLoops([t, d])
    expect(d.deps).toEqual([1])
  })

  it.each([
    ['a rule that is not ON SELECT', '3', true],
    ['an ON SELECT rule that is not INSTEAD', '1', false],
  ])('%s', (_label, evType, isInstead) => {
    const v = table(1, 'v', [2])
    const r = rule(2, v, [1], evType, isInstead)
    breakOwnLoops([v, r])
    expect(r.deps).toEqual([1])
  })

  it('a table\'s ON SELECT rule (only views and materialized views print theirs inline)', () => {
    const t = table(1, 'r', [2])
    const r = rule(2, t, [1])
    breakOwnLoops([t, r])
    expect(r.deps).toEqual([1])
  })

  it('a constraint that is not a CHECK, and a check of another table', () => {
    const t = table(1, 'r', [2, 3])
    const other = table(4, 'r', [])
    const unique = fake(2, { kind: 'CONSTRAINT', contype: 'u', table: t, domain: null, deps: [1] })
    const foreign = check(3, { table: other }, [1])
    breakOwnLoops([t, unique, foreign, other])
    expect(unique.deps).toEqual([1])
    expect(foreign.deps).toEqual([1])
  })
})

/**
 * One graph with every loop shape the pass touches, alone and inside longer loops, built fresh for each
 * run: returns the objects in an order that is not the dump order, and the post-data boundary's id.
 */
function loopyGraph(): { objects: DumpObject[]; post: number } {
  const objects: DumpObject[] = []
  const add = <T extends DumpObject>(o: T): T => (objects.push(o), o)
  const pre = add(fake(1, { kind: 'PRE_DATA_BOUNDARY', name: 'PRE-DATA BOUNDARY' }))
  const post = add(fake(2, { kind: 'POST_DATA_BOUNDARY', name: 'POST-DATA BOUNDARY' }))
  // a table with two inline checks and two inline defaults: one own loop each
  const plain = add(table(10, 'r', [11, 12, 13, 14], 'plain'))
  add(check(11, { table: plain }, [10]))
  add(check(12, { table: plain }, [10]))
  add(attrdef(13, plain, [10]))
  add(attrdef(14, plain, [10]))
  // a serial column: sequence owned by the table, the table's default calls the sequence
  const serial = add(table(20, 'r', [21], 'serial'))
  add(attrdef(21, serial, [20, 22]))
  add(table(22, 'S', [20], 'serial_id_seq'))
  // a check calling a function that takes the table's row type
  const typed = add(table(30, 'r', [31], 'typed'))
  add(check(31, { table: typed }, [30, 32]))
  add(fake(32, { kind: 'FUNC', name: 'row_ok', deps: [30] }))
  // a view and its rule, and a view whose rule reads a function that returns the view's row type
  const view = add(table(40, 'v', [41], 'plain_view'))
  add(rule(41, view, [40, 10]))
  const selfish = add(table(50, 'v', [51], 'selfish_view'))
  add(rule(51, selfish, [50, 52]))
  add(fake(52, { kind: 'FUNC', name: 'view_rows', deps: [50] }))
  // a domain with a check of its own
  const domain = add(fake(60, { kind: 'TYPE', name: 'positive', deps: [61] }))
  add(check(61, { domain }, [60]))
  // the section boundaries as a dump has them: the pre-data boundary after the tables, types, functions
  // and defaults, the post-data one after it and before what a repair makes separate
  addBoundaryDependencies(objects, pre as BoundaryObject, post as BoundaryObject, false)
  objects.reverse()
  return { objects, post: post.dumpId }
}

function sortGraph(breakFirst: boolean): { order: string[]; flags: string[]; edges: string[]; warnings: string[] } {
  const { objects, post } = loopyGraph()
  if (breakFirst) breakOwnLoops(objects)
  const warnings: string[] = []
  const order = sortObjects(objects, {
    priority: priorities(false),
    typeName: () => undefined,
    maxDumpId: 100,
    lookup: byId(objects),
    repair: { postDataBoundaryId: post, warn: (m) => warnings.push(m), describe: (o) => o.name },
  })
  const flag = (o: DumpObject) => ['separate', 'dummyView', 'postponedDef'].filter((f) => (o as unknown as Record<string, unknown>)[f] === true)
  return {
    order: names(order),
    flags: order.map((o) => `${o.name}: ${flag(o).join(',')}`),
    edges: order.map((o) => `${o.dumpId} -> ${[...o.deps].sort((a, b) => a - b).join(',')}`),
    warnings,
  }
}

describe('breakOwnLoops: the sort ends the same with or without it', () => {
  it('same order, flags and edges on a graph of own loops inside longer loops', () => {
    const without = sortGraph(false)
    const withPass = sortGraph(true)
    expect(withPass).toEqual(without)
    expect(without.warnings).toEqual([])
    // the longer loops were repaired as pg_dump repairs them
    const flags = Object.fromEntries(without.flags.map((f) => f.split(': ') as [string, string]))
    expect(flags['obj11']).toBe('') // an inline check stays inline
    expect(flags['obj21']).toBe('separate') // the serial column's default
    expect(flags['obj31']).toBe('separate') // the check that calls a function of the table's row type
    expect(flags['selfish_view']).toBe('dummyView')
    expect(without.order.indexOf('plain')).toBeLessThan(without.order.indexOf('plain_view'))
  })

  it('the pass alone already removes every own loop of that graph', () => {
    const { objects } = loopyGraph()
    breakOwnLoops(objects)
    const get = byId(objects)
    const mutual = objects.filter((o) => o.deps.some((d) => get(d)?.deps.includes(o.dumpId)))
    // what is left mutual is only what a longer loop needs: none of the two-member pairs
    expect(mutual).toEqual([])
  })
})
