import { describe, expect, it } from 'vitest'
import type { Relation } from '../../src/logical/change-segment'
import { relationChange } from '../../src/logical/relation-change'

const accounts: Relation = {
  tag: 'relation', oid: 16400, schema: 'public', name: 'accounts', replicaIdentity: 'd',
  columns: [{ name: 'id', typeOid: 23, typeMod: -1, key: true }, { name: 'balance', typeOid: 20, typeMod: -1, key: false }, { name: 'memo', typeOid: 1043, typeMod: 44, key: false }],
}
const known = { byOid: new Map([[accounts.oid, accounts]]), baseTables: [{ schema: 'public', name: 'accounts' }] }
const withColumns = (columns: Relation['columns']): Relation => ({ ...accounts, columns })

describe('relationChange', () => {
  it.each([
    ['the same definition resent', structuredClone(accounts), null],
    ['a column added', withColumns([...accounts.columns, { name: 'note', typeOid: 25, typeMod: -1, key: false }]), 'column added: note'],
    ['a column dropped', withColumns(accounts.columns.slice(0, 2)), 'column removed: memo'],
    ['a column renamed', withColumns([accounts.columns[0]!, { ...accounts.columns[1]!, name: 'amount' }, accounts.columns[2]!]), 'column renamed: balance → amount'],
    ['a type changed', withColumns([accounts.columns[0]!, { ...accounts.columns[1]!, typeOid: 1700 }, accounts.columns[2]!]), 'column balance changed type (type oid 20 → 1700)'],
    ['a typmod changed', withColumns([accounts.columns[0]!, accounts.columns[1]!, { ...accounts.columns[2]!, typeMod: 104 }]), 'column memo changed its type modifier (44 → 104)'],
    ['a key flag changed', withColumns([accounts.columns[0]!, { ...accounts.columns[1]!, key: true }, accounts.columns[2]!]), 'column balance joined the replica identity'],
    ['the replica identity changed', { ...accounts, replicaIdentity: 'f' as const }, 'replica identity changed from default to full'],
    ['the table renamed', { ...accounts, name: 'wallets' }, 'table renamed from public.accounts to public.wallets'],
    ['the schema changed', { ...accounts, schema: 'bank' }, 'table renamed from public.accounts to bank.accounts'],
    ['the table made again under a new oid', { ...accounts, oid: 16500 }, 'table was dropped and created again (a new oid)'],
    ['a table the base does not hold', { ...accounts, oid: 16600, name: 'extra' }, 'new table: the base backup does not hold public.extra'],
  ])('%s', (_, incoming, expected) => {
    expect(relationChange(known, incoming)).toBe(expected)
  })

  it('without the base\'s tables, a table never seen before is taken as it comes', () => {
    expect(relationChange({ byOid: new Map() }, { ...accounts, oid: 1, name: 'extra' })).toBeNull()
  })

  it('with the base\'s columns, a first Relation that differs from them is a change; one that matches is not', () => {
    const base = [{ schema: 'public', name: 'accounts', columns: accounts.columns.map(({ name, typeOid, typeMod }) => ({ name, typeOid, typeMod })) }]
    expect(relationChange({ byOid: new Map(), baseTables: base }, accounts)).toBeNull()
    expect(relationChange({ byOid: new Map(), baseTables: base }, withColumns(accounts.columns.slice(0, 2)))).toBe('column removed: memo')
  })
})
