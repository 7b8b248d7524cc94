// Sort priorities of object kinds (pg_dump_sort.c enum dbObjectTypePriorities): pg_dump 15's order, in
// which large-object definitions (BLOB) are the last pre-data objects, and pg_dump 17/18's, in which
// they are data between SEQUENCE SET and LARGE OBJECT DATA.
import { describe, expect, it } from 'vitest'
import type { ObjectKind } from '../../src/model/objects'
import { priorities } from '../../src/order/priorities'

const PRE: ObjectKind[] = [
  'NAMESPACE', 'PROCLANG', 'COLLATION', 'TRANSFORM', 'EXTENSION', 'TYPE', 'CAST', 'FUNC', 'AGG', 'ACCESS_METHOD', 'OPERATOR',
  'OPFAMILY', 'CONVERSION', 'TSPARSER', 'TSTEMPLATE', 'TSDICT', 'TSCONFIG', 'FDW', 'FOREIGN_SERVER', 'TABLE', 'TABLE_ATTACH',
  'DUMMY_TYPE', 'ATTRDEF',
]
const POST: ObjectKind[] = [
  'CONSTRAINT', 'INDEX', 'INDEX_ATTACH', 'STATSEXT', 'RULE', 'TRIGGER', 'FK_CONSTRAINT', 'POLICY', 'PUBLICATION', 'PUBLICATION_REL',
  'PUBLICATION_TABLE_IN_SCHEMA', 'DEFAULT_ACL', 'EVENT_TRIGGER', 'REFRESH_MATVIEW',
]
const PG15_ORDER: ObjectKind[] = [...PRE, 'LARGE_OBJECT', 'PRE_DATA_BOUNDARY', 'TABLE_DATA', 'SEQUENCE_SET', 'LARGE_OBJECT_DATA', 'POST_DATA_BOUNDARY', ...POST]
const PG17_ORDER: ObjectKind[] = [...PRE, 'PRE_DATA_BOUNDARY', 'TABLE_DATA', 'SEQUENCE_SET', 'LARGE_OBJECT', 'LARGE_OBJECT_DATA', 'POST_DATA_BOUNDARY', ...POST]

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

  it.each([false, true])('gives every kind a priority (largeObjectsInData %s)', (inData) => {
    const p = priorities(inData)
    for (const kind of [...PG15_ORDER, 'SHELL_TYPE', 'OPCLASS'] as ObjectKind[]) expect(Number.isInteger(p[kind]), kind).toBe(true)
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
