// The compact column of the catalog read (catalog/column-row.ts) gives back every field it was made
// from, the common case and the rare ones (a statistics target, options, a comment, codes that are
// not one ASCII character), and keeps the two fields set later.
import { describe, expect, it } from 'vitest'
import { ColumnRow, type ColumnFields } from '../../src/catalog/column-row'
import type { Column } from '../../src/model/objects'

const FIELDS: (keyof Column)[] = ['name', 'type', 'typeOid', 'statTarget', 'storage', 'typStorage', 'identity', 'generated', 'dropped', 'isLocal',
  'notNullName', 'notNullNoInherit', 'notNullIsLocal', 'notNullValid', 'notNullComment', 'inheritedNotNull', 'options', 'collation', 'compression', 'fdwOptions', 'def']

const plain: ColumnFields = {
  name: 'id', type: 'integer', typeOid: 23, statTarget: -1, storage: 'p', typStorage: 'p', identity: '', generated: '', dropped: false,
  isLocal: true, notNullName: '', notNullNoInherit: false, notNullIsLocal: true, notNullValid: true, notNullComment: null, options: '',
  collation: 0, compression: '', fdwOptions: '',
}

const fieldsOf = (c: Column) => Object.fromEntries(FIELDS.map((f) => [f, c[f]]))

describe('ColumnRow', () => {
  it('gives back a plain column as made', () => {
    expect(fieldsOf(new ColumnRow(plain))).toEqual({ ...plain, inheritedNotNull: false, def: null })
  })

  it('gives back every flag and code, each alone', () => {
    for (const flag of ['dropped', 'isLocal', 'notNullNoInherit', 'notNullIsLocal', 'notNullValid'] as const) {
      for (const value of [true, false]) {
        const fields = { ...plain, [flag]: value }
        expect(fieldsOf(new ColumnRow(fields))).toEqual({ ...fields, inheritedNotNull: false, def: null })
      }
    }
    const codes = { storage: 'x', typStorage: 'm', identity: 'd', generated: 's', compression: 'l' }
    expect(fieldsOf(new ColumnRow({ ...plain, ...codes }))).toEqual({ ...plain, ...codes, inheritedNotNull: false, def: null })
    for (const [name, value] of Object.entries(codes)) {
      const fields = { ...plain, [name]: value }
      expect(fieldsOf(new ColumnRow(fields))).toEqual({ ...fields, inheritedNotNull: false, def: null })
    }
  })

  it('keeps the rare fields, and codes that are not one ASCII character, as given', () => {
    const rare: ColumnFields = {
      ...plain, name: 'naïve "col"', notNullName: 'keep_me', statTarget: 0, options: 'n_distinct=1', fdwOptions: "column_name 'x'",
      notNullComment: 'why', collation: 4294967295, typeOid: 4294967294, storage: '\\000', typStorage: 'é', identity: 'ad', generated: '', compression: '',
    }
    expect(fieldsOf(new ColumnRow(rare))).toEqual({ ...rare, inheritedNotNull: false, def: null })
    expect(new ColumnRow({ ...plain, statTarget: 1000 }).statTarget).toBe(1000)
    expect(new ColumnRow({ ...plain, notNullName: null }).notNullName).toBeNull()
  })

  it('sets inheritedNotNull and def after it was made, without touching the rest', () => {
    const column = new ColumnRow({ ...plain, dropped: true, notNullValid: false, storage: 'e' })
    column.inheritedNotNull = true
    const def = { kind: 'ATTRDEF' } as unknown as NonNullable<Column['def']>
    column.def = def
    expect(fieldsOf(column)).toEqual({ ...plain, dropped: true, notNullValid: false, storage: 'e', inheritedNotNull: true, def })
    column.inheritedNotNull = false
    expect([column.inheritedNotNull, column.dropped, column.notNullValid, column.storage]).toEqual([false, true, false, 'e'])
  })
})
