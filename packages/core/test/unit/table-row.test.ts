// The compact relation of the catalog read (catalog/table-row.ts) gives back every field it was made
// from, the common case and the rare ones (a tablespace, options, an owning column, codes that are not
// one ASCII character), keeps every field set later (flags, the emit-time details, the registry's
// fields), and setting one field leaves the others as they were.
import { describe, expect, it } from 'vitest'
import { TableRow, type TableFields } from '../../src/catalog/table-row'
import { Component } from '../../src/model/components'
import type { NamespaceObject, SequenceInfo, TableDataObject, TableObject } from '../../src/model/objects'
import { ObjectRegistry } from '../../src/model/registry'

const FIELDS = ['dumpId', 'kind', 'catId', 'name', 'namespace', 'deps', 'dump', 'components', 'dumpContains', 'extMember',
  'dependsOnExt', 'owner', 'dacl', 'relkind', 'reltype', 'relchecks', 'hasIndex', 'hasRules', 'hasTriggers', 'relpages', 'reltuples', 'toastPages',
  'diskBytes', 'owningTab', 'owningCol', 'isIdentitySequence', 'tablespace', 'persistence', 'isPopulated', 'replIdent', 'rowSecurity',
  'forceRowSecurity', 'reloptions', 'toastReloptions', 'checkOption', 'ofType', 'foreignServer', 'amName', 'isPartition', 'interesting',
  'dummyView', 'postponedDef', 'hasColumnAcls', 'unsafePartitions', 'parents', 'attachParents', 'columns', 'checks', 'indexes', 'dataObj',
  'partKeyDef', 'viewDef', 'foreignServerName', 'foreignOptions', 'sequence'] as const satisfies readonly (keyof TableObject)[]
/** True only while FIELDS names every field of TableObject: a field added there fails the typecheck until it is listed. */
const everyFieldListed: Exclude<keyof TableObject, (typeof FIELDS)[number]> extends never ? true : never = true

const namespace = { kind: 'NAMESPACE', name: 'public' } as unknown as NamespaceObject

const plain = (): TableFields => ({
  catId: { tableoid: 1259, oid: 16384 }, name: 'orders', namespace, owner: 'app', dacl: { acl: null, aclDefault: '{app=arwdDxtm/app}' },
  relkind: 'r', reltype: 16386, relchecks: 0, hasIndex: false, hasRules: false, hasTriggers: false, relpages: 0, reltuples: -1, toastPages: 0,
  owningTab: 0, owningCol: 0, isIdentitySequence: false, tablespace: '', persistence: 'p', isPopulated: true, replIdent: 'd',
  rowSecurity: false, forceRowSecurity: false, reloptions: '', toastReloptions: '', checkOption: null, ofType: 0, foreignServer: 0,
  amName: 'heap', isPartition: false,
})

/** What a relation made from `fields` has before anything else is set. */
const made = (fields: TableFields) => ({
  ...fields, kind: 'TABLE', diskBytes: 0, interesting: false, dummyView: false, postponedDef: false, hasColumnAcls: false,
  unsafePartitions: false, attachParents: false, parents: [], columns: [], checks: [], indexes: [], dataObj: null, partKeyDef: undefined,
  viewDef: undefined, foreignServerName: undefined, foreignOptions: undefined, sequence: undefined,
})

const REGISTRY_FIELDS: readonly string[] = ['dumpId', 'deps', 'dump', 'components', 'dumpContains', 'extMember', 'dependsOnExt']
const fieldsOf = (t: TableObject) => Object.fromEntries(FIELDS.filter((f) => !REGISTRY_FIELDS.includes(f)).map((f) => [f, t[f]]))

describe('TableRow', () => {
  it('gives back a plain table as made', () => {
    expect(everyFieldListed).toBe(true)
    expect(fieldsOf(new TableRow(plain()))).toEqual(made(plain()))
  })

  it('gives back every flag and code, each alone', () => {
    for (const flag of ['hasIndex', 'hasRules', 'hasTriggers', 'isIdentitySequence', 'isPopulated', 'rowSecurity', 'forceRowSecurity', 'isPartition'] as const) {
      for (const value of [true, false]) {
        const fields = { ...plain(), [flag]: value }
        expect(fieldsOf(new TableRow(fields))).toEqual(made(fields))
      }
    }
    for (const [name, values] of [['relkind', ['S', 'v', 'c', 'm', 'f', 'p']], ['persistence', ['u', 't']], ['replIdent', ['n', 'f', 'i']]] as const) {
      for (const value of values) {
        const fields = { ...plain(), [name]: value }
        expect(fieldsOf(new TableRow(fields))).toEqual(made(fields))
      }
    }
  })

  it('keeps the rare fields, and codes that are not one ASCII character, as given', () => {
    const rare: TableFields = {
      ...plain(), relkind: 'S', owningTab: 16384, owningCol: 1, isIdentitySequence: true, tablespace: 'fast "disk"', reloptions: 'fillfactor=70',
      toastReloptions: 'autovacuum_enabled=false', checkOption: 'CASCADED', ofType: 4294967295, foreignServer: 16500, amName: null,
      relchecks: 3, relpages: 2147483647, reltuples: 1.5e12, toastPages: 7, reltype: 0,
    }
    expect(fieldsOf(new TableRow(rare))).toEqual(made(rare))
    const odd: TableFields = { ...plain(), relkind: 'é', persistence: '', replIdent: 'dd' }
    expect(fieldsOf(new TableRow(odd))).toEqual(made(odd))
    for (const name of ['owningTab', 'owningCol', 'tablespace', 'reloptions', 'toastReloptions', 'checkOption', 'ofType', 'foreignServer'] as const) {
      const fields = { ...plain(), [name]: rare[name] }
      expect(fieldsOf(new TableRow(fields))).toEqual(made(fields))
    }
  })

  it('keeps every field set after it was made, and the others as they were', () => {
    const sequence: SequenceInfo = { type: 'bigint', start: 1n, increment: 1n, max: 9223372036854775807n, min: 1n, cache: 1n, cycled: false, lastValue: null, isCalled: false }
    const dataObj = { kind: 'TABLE_DATA' } as unknown as TableDataObject
    const parent = new TableRow({ ...plain(), name: 'parent' })
    const later = {
      interesting: true, dummyView: true, postponedDef: true, hasColumnAcls: true, unsafePartitions: true, attachParents: true, isPopulated: false,
      diskBytes: 8192, dataObj, partKeyDef: 'RANGE (at)', viewDef: ' SELECT 1', foreignServerName: 'remote', foreignOptions: "table_name 'x'", sequence,
      tablespace: 'ts', reloptions: 'fillfactor=50', toastReloptions: 'x=1', owningTab: 1, owningCol: 2, checkOption: 'LOCAL', ofType: 3, foreignServer: 4,
      relkind: 'p', persistence: 'u', replIdent: 'ß', hasIndex: true, hasRules: true, hasTriggers: true, isIdentitySequence: true, rowSecurity: true,
      forceRowSecurity: true, isPartition: true, name: 'renamed', relpages: 5, reltuples: 6, toastPages: 7, relchecks: 8, reltype: 9, amName: 'brin',
    } satisfies Partial<TableObject>
    // each alone on a plain table: only that field changes
    for (const [name, value] of Object.entries(later)) {
      const table = new TableRow(plain())
      ;(table as unknown as Record<string, unknown>)[name] = value
      expect(fieldsOf(table), name).toEqual({ ...made(plain()), [name]: value })
    }
    // all at once, then lists filled in place
    const table: TableObject = new TableRow(plain())
    Object.assign(table, later)
    table.parents.push(parent)
    expect(fieldsOf(table)).toEqual({ ...made(plain()), ...later, parents: [parent] })
    // and back to what a plain table has
    Object.assign(table, made(plain()))
    table.parents = []
    expect(fieldsOf(table)).toEqual(made(plain()))
    const rare = new TableRow({ ...plain(), relkind: 'é' })
    rare.relkind = 'v'
    expect(rare.relkind).toBe('v')
    rare.relkind = 'ü'
    expect(rare.relkind).toBe('ü')
  })

  it("takes the registry's fields from ObjectRegistry.add, and keeps the flags it and later steps set", () => {
    const registry = new ObjectRegistry()
    registry.add<TableObject>(new TableRow({ ...plain(), name: 'first', catId: { tableoid: 1259, oid: 1 } }))
    const table = registry.add<TableObject>(new TableRow({ ...plain(), hasIndex: true, relkind: 'v' }))
    expect(table).toBeInstanceOf(TableRow)
    expect(registry.findByCatalogId({ tableoid: 1259, oid: 16384 })).toBe(table)
    expect([table.dumpId, table.deps, table.dump, table.components, table.dumpContains, table.extMember, table.dependsOnExt])
      .toEqual([2, [], Component.ALL, Component.DEFINITION, Component.ALL, false, false])
    table.extMember = true
    table.dependsOnExt = true
    table.interesting = true
    expect([table.extMember, table.dependsOnExt, table.interesting, table.hasIndex, table.relkind, table.isPopulated]).toEqual([true, true, true, true, 'v', true])
    table.extMember = false
    expect([table.extMember, table.dependsOnExt, table.interesting, table.hasIndex]).toEqual([false, true, true, true])
    expect(fieldsOf(table)).toEqual({ ...made({ ...plain(), hasIndex: true, relkind: 'v' }), interesting: true })
  })
})
