// One repair per known dependency-loop shape, as pg_dump_sort.c's repairDependencyLoop and its
// repair* helpers do them: which edge is removed or added, and which object is marked separate,
// postponed or dummy. Each case restates the pg_dump rule it checks.
import { describe, expect, it } from 'vitest'
import { Component } from '../../src/model/components'
import type { DumpObject } from '../../src/model/objects'
import { repairLoop, type RepairContext } from '../../src/order/repair-loop'
import { fake } from './fake-objects'

const POST = 900

function context(): RepairContext & { warnings: string[] } {
  const warnings: string[] = []
  return { postDataBoundaryId: POST, warnings, warn: (m) => warnings.push(m), describe: (o) => `<${o.name}>` }
}

const table = (id: number, relkind: string, deps: number[] = [], name = `t${id}`) => fake(id, { kind: 'TABLE', relkind, name, deps, dummyView: false, postponedDef: false })
const rule = (id: number, tbl: DumpObject, deps: number[] = [], evType = '1', isInstead = true) =>
  fake(id, { kind: 'RULE', name: '_RETURN', table: tbl, evType, isInstead, separate: false, deps })
const check = (id: number, owner: { table?: DumpObject; domain?: DumpObject }, deps: number[] = []) =>
  fake(id, { kind: 'CONSTRAINT', contype: 'c', table: owner.table ?? null, domain: owner.domain ?? null, separate: false, deps })

describe('repairLoop: two-member loops', () => {
  // repairTypeFuncLoop: the function stops depending on the type and depends on its shell type instead;
  // the shell type is dumped (with its definition) whenever the function is.
  it.each([
    ['type first', true],
    ['function first', false],
  ])('a base type and its I/O function (%s)', (_label, typeFirst) => {
    const shell = fake(3, { kind: 'SHELL_TYPE', dump: 0 })
    const type = fake(1, { kind: 'TYPE', shellType: shell, deps: [2] })
    const fn = fake(2, { kind: 'FUNC', deps: [1], dump: Component.COMMENT })
    const ctx = context()
    repairLoop(typeFirst ? [type, fn] : [fn, type], ctx)
    expect(fn.deps).toEqual([3])
    expect(type.deps).toEqual([2])
    expect(shell.dump).toBe(Component.COMMENT | Component.DEFINITION)
    expect(ctx.warnings).toEqual([])
  })

  it('a type without a shell type only loses the edge', () => {
    const type = fake(1, { kind: 'TYPE', shellType: null, deps: [2] })
    const fn = fake(2, { kind: 'FUNC', deps: [1] })
    repairLoop([type, fn], context())
    expect(fn.deps).toEqual([])
    expect(type.deps).toEqual([2])
  })

  // repairViewRuleLoop: the ON SELECT rule stops depending on its view (view printed with the rule inline)
  it.each(['v', 'm'])('a view (relkind %s) and its ON SELECT rule', (relkind) => {
    const view = table(1, relkind, [2])
    const r = rule(2, view, [1])
    repairLoop([r, view], context())
    expect(r.deps).toEqual([])
    expect(view.deps).toEqual([2])
    expect((view as { dummyView: boolean }).dummyView).toBe(false)
  })

  it('a rule that is not the view\'s ON SELECT INSTEAD rule is not a view loop', () => {
    const view = table(1, 'v', [2])
    const r = rule(2, view, [1], '3', true)
    const ctx = context()
    repairLoop([view, r], ctx)
    // falls through to the arbitrary break: loop[0] loses its dependency on loop[1]
    expect(view.deps).toEqual([])
    expect(r.deps).toEqual([1])
    expect(ctx.warnings).toHaveLength(1)
  })

  // repairTableConstraintLoop / repairTableAttrDefLoop: the CHECK or default stops depending on the table
  it('a table and its CHECK constraint', () => {
    const t = table(1, 'r', [2])
    const c = check(2, { table: t }, [1])
    repairLoop([t, c], context())
    expect(c.deps).toEqual([])
    expect(t.deps).toEqual([2])
    expect((c as { separate: boolean }).separate).toBe(false)
  })

  it('a table and its column default', () => {
    const t = table(1, 'r', [2])
    const d = fake(2, { kind: 'ATTRDEF', table: t, separate: false, deps: [1] })
    repairLoop([d, t], context())
    expect(d.deps).toEqual([])
    expect(t.deps).toEqual([2])
  })

  it('a domain and its CHECK constraint', () => {
    const dom = fake(1, { kind: 'TYPE', deps: [2] })
    const c = check(2, { domain: dom }, [1])
    repairLoop([dom, c], context())
    expect(c.deps).toEqual([])
    expect(dom.deps).toEqual([2])
  })

  // partitioned index and a partition's index: the parent index stops depending on the child's
  it.each([
    ['parent first', true],
    ['child first', false],
  ])('a partitioned index and its partition index (%s)', (_label, parentFirst) => {
    const parent = fake(1, { kind: 'INDEX', oid: 5001, parentIdx: 0, deps: [2] })
    const child = fake(2, { kind: 'INDEX', oid: 5002, parentIdx: 5001, deps: [1] })
    repairLoop(parentFirst ? [parent, child] : [child, parent], context())
    expect(child.deps).toEqual([])
    expect(parent.deps).toEqual([2])
  })
})

describe('repairLoop: longer loops', () => {
  // repairViewRuleMultiLoop: the view drops its dependency on the rule and gets a dummy body; the rule
  // becomes a separate post-data object that depends on the view.
  it('a view in a longer loop gets a dummy body and a separate post-data rule', () => {
    const view = table(1, 'v', [2])
    const r = rule(2, view, [3])
    const fn = fake(3, { kind: 'FUNC', deps: [1] })
    const ctx = context()
    repairLoop([view, r, fn], ctx)
    expect(view.deps).toEqual([])
    expect((view as { dummyView: boolean }).dummyView).toBe(true)
    expect((r as { separate: boolean }).separate).toBe(true)
    expect(r.deps).toEqual([3, 1, POST])
    expect(ctx.warnings).toEqual([])
  })

  // repairMatViewBoundaryMultiLoop: the pre-data boundary stops depending on the next loop member, which
  // (if a matview) is postponed to post-data. Matviews are excluded from the dummy-view repair.
  it('a materialized view looping through the pre-data boundary is postponed', () => {
    const mv = table(1, 'm', [3])
    const boundary = fake(2, { kind: 'PRE_DATA_BOUNDARY', deps: [1] })
    const idx = fake(3, { kind: 'INDEX', deps: [2] })
    const r = rule(4, mv, [])
    repairLoop([boundary, mv, idx, r], context())
    expect(boundary.deps).toEqual([])
    expect((mv as { postponedDef: boolean }).postponedDef).toBe(true)
    expect((mv as { dummyView: boolean }).dummyView).toBe(false)
  })

  it('the boundary\'s successor wraps around to the first loop member', () => {
    const mv = table(1, 'm', [3])
    const idx = fake(3, { kind: 'INDEX', deps: [2] })
    const boundary = fake(2, { kind: 'PRE_DATA_BOUNDARY', deps: [1] })
    repairLoop([mv, idx, boundary], context())
    expect(boundary.deps).toEqual([])
    expect((mv as { postponedDef: boolean }).postponedDef).toBe(true)
  })

  // repairFunctionBoundaryMultiLoop: same for a function
  it('a function looping through the pre-data boundary is postponed', () => {
    const fn = fake(1, { kind: 'FUNC', postponedDef: false, deps: [3] })
    const boundary = fake(2, { kind: 'PRE_DATA_BOUNDARY', deps: [1] })
    const idx = fake(3, { kind: 'INDEX', deps: [2] })
    repairLoop([boundary, fn, idx], context())
    expect(boundary.deps).toEqual([])
    expect((fn as { postponedDef: boolean }).postponedDef).toBe(true)
  })

  // repairTableConstraintMultiLoop: the table drops the CHECK, which becomes separate, depends on the
  // table and on the post-data boundary.
  it('a table and its CHECK constraint in a longer loop: the constraint becomes separate post-data', () => {
    const t = table(1, 'r', [2])
    const c = check(2, { table: t }, [3])
    const fn = fake(3, { kind: 'FUNC', deps: [1] })
    repairLoop([t, c, fn], context())
    expect(t.deps).toEqual([])
    expect((c as { separate: boolean }).separate).toBe(true)
    expect(c.deps).toEqual([3, 1, POST])
  })

  // repairTableAttrDefMultiLoop: the table drops the default, which becomes separate and depends on the
  // table (no post-data boundary: a separate default is still pre-data)
  it('a table and its default in a longer loop: the default becomes separate, still pre-data', () => {
    const t = table(1, 'r', [2])
    const d = fake(2, { kind: 'ATTRDEF', table: t, separate: false, deps: [3] })
    const seq = table(3, 'S', [1])
    repairLoop([t, d, seq], context())
    expect(t.deps).toEqual([])
    expect((d as { separate: boolean }).separate).toBe(true)
    expect(d.deps).toEqual([3, 1])
  })

  // repairDomainConstraintMultiLoop
  it('a domain and its CHECK constraint in a longer loop: the constraint becomes separate post-data', () => {
    const dom = fake(1, { kind: 'TYPE', deps: [2] })
    const c = check(2, { domain: dom }, [3])
    const fn = fake(3, { kind: 'FUNC', deps: [1] })
    repairLoop([dom, c, fn], context())
    expect(dom.deps).toEqual([])
    expect((c as { separate: boolean }).separate).toBe(true)
    expect(c.deps).toEqual([3, 1, POST])
  })
})

describe('repairLoop: self-loops and unknown loops', () => {
  it('a table depending on itself loses that dependency silently', () => {
    const t = table(1, 'r', [1, 7])
    const ctx = context()
    repairLoop([t], ctx)
    expect(t.deps).toEqual([7])
    expect(ctx.warnings).toEqual([])
  })

  it('a data-only FK cycle is broken with the circular foreign-key warning', () => {
    const a = fake(1, { kind: 'TABLE_DATA', name: 'a', deps: [2] })
    const b = fake(2, { kind: 'TABLE_DATA', name: 'b', deps: [1] })
    const ctx = context()
    repairLoop([a, b], ctx)
    expect(a.deps).toEqual([])
    expect(b.deps).toEqual([1])
    expect(ctx.warnings).toHaveLength(1)
    expect(ctx.warnings[0]).toMatch(/circular foreign-key constraints/)
    expect(ctx.warnings[0]).toMatch(/\ba\b.*\bb\b/)
  })

  it('a self-referencing table\'s data is broken the same way', () => {
    const a = fake(1, { kind: 'TABLE_DATA', name: 'a', deps: [1] })
    const ctx = context()
    repairLoop([a], ctx)
    expect(a.deps).toEqual([])
    expect(ctx.warnings[0]).toMatch(/circular foreign-key constraints/)
  })

  it('any other loop: warn naming every member, then drop loop[0] -> loop[1]', () => {
    const x = fake(1, { kind: 'FUNC', name: 'x', deps: [2, 5] })
    const y = fake(2, { kind: 'OPERATOR', name: 'y', deps: [3] })
    const z = fake(3, { kind: 'CAST', name: 'z', deps: [1] })
    const ctx = context()
    repairLoop([x, y, z], ctx)
    expect(x.deps).toEqual([5])
    expect(y.deps).toEqual([3])
    expect(z.deps).toEqual([1])
    expect(ctx.warnings).toHaveLength(1)
    expect(ctx.warnings[0]).toMatch(/could not resolve dependency loop/)
    for (const d of ['<x>', '<y>', '<z>']) expect(ctx.warnings[0]).toContain(d)
  })

  it('an unknown self-loop drops the self-dependency with a warning', () => {
    const f = fake(1, { kind: 'FUNC', name: 'f', deps: [1] })
    const ctx = context()
    repairLoop([f], ctx)
    expect(f.deps).toEqual([])
    expect(ctx.warnings).toHaveLength(1)
  })
})
