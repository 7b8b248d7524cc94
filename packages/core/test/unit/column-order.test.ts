// The column order CREATE TABLE … INHERITS gives a child, as PostgreSQL's MergeAttributes builds it (the
// parents' columns in parent order, merged by name, then the child's own), against the shapes of
// PostgreSQL's inherit.sql and alter_table.sql that make a child's own order differ.
import { describe, expect, it } from 'vitest'
import { orderAfterInherits } from '../../src/catalog/column-order'
import type { Column, TableObject } from '../../src/model/objects'

const col = (name: string, over: Partial<Column> = {}): Column => ({ name, dropped: false, isLocal: false, ...over }) as Column
const own = (name: string) => col(name, { isLocal: true })
const table = (columns: Column[], parents: TableObject[] = []) => ({ columns, parents }) as unknown as TableObject

describe('orderAfterInherits', () => {
  it("puts the parents' columns first, in parent order, then the child's own", () => {
    const p = table([own('a'), own('b'), own('d')])
    // the parent gained d after the child was created with x
    const child = table([col('a'), col('b'), own('x'), col('d')], [p])
    expect(orderAfterInherits(child)).toEqual(['a', 'b', 'd', 'x'])
  })

  it("merges the child's own copies of inherited columns in place (ALTER TABLE … INHERIT of its own order)", () => {
    const p = table([own('at'), own('kind')])
    const child = table([own('note'), own('kind'), own('at')], [p])
    expect(orderAfterInherits(child)).toEqual(['at', 'kind', 'note'])
  })

  it('merges a column of two parents at its first place', () => {
    const priced = table([own('price'), own('currency'), own('deposit')])
    const located = table([own('city'), own('currency'), own('district')])
    const rooms = table([col('price'), col('currency'), col('city'), own('code'), col('district'), col('deposit')], [priced, located])
    expect(orderAfterInherits(rooms)).toEqual(['price', 'currency', 'deposit', 'city', 'district', 'code'])
  })

  it('leaves out dropped columns of parent and child', () => {
    const p = table([own('id'), col('gone', { dropped: true }), own('due')])
    // ALTER TABLE ONLY parent DROP COLUMN legacy: the child's copy became its own
    const child = table([col('id'), own('legacy'), col('gone', { dropped: true }), col('due'), col('old', { isLocal: true, dropped: true }), own('paid')], [p])
    expect(orderAfterInherits(child)).toEqual(['id', 'due', 'legacy', 'paid'])
  })

  it('keeps a child created after its parent as it is', () => {
    const p = table([own('id'), own('name')])
    const child = table([col('id'), col('name'), own('note')], [p])
    expect(orderAfterInherits(child)).toEqual(['id', 'name', 'note'])
  })
})
