// Sort priorities of object kinds (pg_dump_sort.c enum dbObjectTypePriorities): pg_dump 15's order, in
// which large-object definitions (BLOB) are the last pre-data objects, and pg_dump 17/18's, in which
// they are data between SEQUENCE SET and LARGE OBJECT DATA. The expected orders are written out from
// pg_dump_sort.c; every kind of the model's OBJECT_KINDS (the source of the ObjectKind union) must be in
// them or share a priority as pg_dump does, so a new kind cannot go unchecked.
import { describe, expect, it } from 'vitest'
import { OBJECT_KINDS, type ObjectKind } from '../../src/model/objects'
import { priorities } from '../../src/order/priorities'

const PRE: ObjectKind[] = [
  'NAMESPACE', 'PROCLANG', 'COLLATION', 'TRANSFORM', 'EXTENSION', 'TYPE', 'CAST', 'FUNC', 'AGG', 'ACCESS_METHOD', 'OPERATOR',
  'OPFAMILY', 'CONVERSION', 'TSPARSER', 'TSTEMPLATE', 'TSDICT', 'TSCONFIG', 'FDW', 'FOREIGN_SERVER', 'TABLE', 'TABLE_ATTACH',
  'DUMMY_TYPE', 'ATTRDEF',
]
const POST: ObjectKind[] = [
  'CONSTRAINT', 'INDEX', 'INDEX_ATTACH', 'STATSEXT', 'RULE', 'TRIGGER', 'FK_CONSTRAINT', 'POLICY', 'PUBLICATION', 'PUBLICATION_REL',
  'PUBLICATION_TABLE_IN_SCHEMA', 'SUBSCRIPTION', 'DEFAULT_ACL', 'EVENT_TRIGGER', 'REFRESH_MATVIEW',
]
const PG15_ORDER: ObjectKind[] = [...PRE, 'LARGE_OBJECT', 'PRE_DATA_BOUNDARY', 'TABLE_DATA', 'SEQUENCE_SET', 'LARGE_OBJECT_DATA', 'POST_DATA_BOUNDARY', ...POST]
const PG17_ORDER: ObjectKind[] = [...PRE, 'PRE_DATA_BOUNDARY', 'TABLE_DATA', 'SEQUENCE_SET', 'LARGE_OBJECT', 'LARGE_OBJECT_DATA', 'POST_DATA_BOUNDARY', ...POST]
/** Kinds that sort with another kind's priority (pg_dump_sort.c: DO_SHELL_TYPE as PRIO_TYPE, DO_OPCLASS as PRIO_OPFAMILY). */
const SHARED: Partial<Record<ObjectKind, ObjectKind>> = { SHELL_TYPE: 'TYPE', OPCLASS: 'OPFAMILY' }

describe('priorities', () => {
  it.each([
    ['pg_dump 15 (large objects pre-data)', false, PG15_ORDER],
    ['pg_dump 17+ (large objects in data)', true, PG17_ORDER],
  ] as const)('%s: strictly increasing in pg_dump\'s order', (_label, inData, order) => {
    const p = priorities(inData)
    for (let i = 1; i < order.length; i++) {
      expect(p[order[i - 1]!], `${order[i - 1]} < ${order[i]}`).toBeLessThan(p[order[i]!])
    }
  })

  it.each([false, true])('shares priorities as pg_dump does (largeObjectsInData %s)', (inData) => {
    const p = priorities(inData)
    expect(p.SHELL_TYPE).toBe(p.TYPE)
    expect(p.OPCLASS).toBe(p.OPFAMILY)
  })

  it('expects an order for every kind of the model', () => {
    for (const kind of OBJECT_KINDS) expect(PG15_ORDER.includes(kind) || SHARED[kind] !== undefined, kind).toBe(true)
    expect(new Set(PG15_ORDER)).toEqual(new Set(PG17_ORDER))
    expect(PG15_ORDER.length + Object.keys(SHARED).length).toBe(OBJECT_KINDS.length)
  })

  it.each([false, true])('gives every kind of the model a priority, and nothing else (largeObjectsInData %s)', (inData) => {
    const p = priorities(inData)
    expect(Object.keys(p).sort()).toEqual([...OBJECT_KINDS].sort())
    for (const kind of OBJECT_KINDS) {
      expect(Number.isInteger(p[kind]) && p[kind] >= 1, kind).toBe(true)
      if (SHARED[kind]) expect(p[kind], kind).toBe(p[SHARED[kind]!])
    }
    // distinct kinds get distinct priorities unless pg_dump shares them
    expect(new Set(Object.values(p)).size).toBe(OBJECT_KINDS.length - Object.keys(SHARED).length)
  })

  it('keeps casts early and event triggers and matview refreshes last, as pg_dump_sort.c explains', () => {
    const p = priorities(true)
    expect(p.CAST).toBeLessThan(p.FUNC)
    expect(p.CAST).toBeLessThan(p.TABLE)
    const max = Math.max(...Object.values(p))
    expect(p.REFRESH_MATVIEW).toBe(max)
    expect(Object.entries(p).filter(([, v]) => v > p.EVENT_TRIGGER).map(([k]) => k)).toEqual(['REFRESH_MATVIEW'])
  })
})
