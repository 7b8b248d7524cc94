// Data objects: a TABLE DATA per dumped table, a SEQUENCE SET per sequence, a REFRESH per populated
// materialized view (ordered so matviews refresh after the ones they read), extension config tables
// with their filters, and FK ordering for data-only dumps.
import { Component } from '../model/components'
import type { TableDataObject, TableObject } from '../model/objects'
import { addDependency } from '../model/registry'
import type { DumpContext } from './context'

export function makeTableData(ctx: DumpContext, table: TableObject): void {
  if (table.dataObj) return
  if (table.relkind === 'v' || table.relkind === 'p' || table.relkind === 'c') return
  if (table.relkind === 'f') return // foreign data is never dumped by default
  if (table.persistence === 'u' && ctx.options.noUnloggedTableData) return
  if (ctx.selection.tableDataExclude.has(table.catId.oid)) return
  const kind = table.relkind === 'm' ? 'REFRESH_MATVIEW' : table.relkind === 'S' ? 'SEQUENCE_SET' : 'TABLE_DATA'
  const data = ctx.registry.add<TableDataObject>({
    kind,
    catId: { tableoid: 0, oid: table.catId.oid },
    name: table.name,
    namespace: table.namespace,
    table,
    filter: null,
    components: Component.DEFINITION | Component.DATA,
  })
  addDependency(data, table.dumpId)
  table.dataObj = data
  table.interesting = true
}

export function makeAllTableData(ctx: DumpContext, onlyKind?: string): void {
  for (const table of ctx.tableList) {
    if ((table.dump & Component.DATA) && (!onlyKind || table.relkind === onlyKind)) makeTableData(ctx, table)
  }
}

/** Extension configuration tables: their user rows are data, filtered by the stored condition. */
export function makeExtensionConfigData(ctx: DumpContext): void {
  for (const ext of ctx.extensions) {
    ext.config.forEach((oid, i) => {
      const table = ctx.tables.get(oid)
      if (!table) return
      let wanted = (ext.dump & Component.DEFINITION) !== 0
      if (!wanted) {
        if (ctx.selection.tableInclude?.has(oid)) wanted = true
        if (table.namespace!.dump & Component.DATA) wanted = true
      }
      if (ctx.selection.tableExclude.has(oid)) wanted = false
      if (ctx.selection.schemaExclude.has(table.namespace!.catId.oid)) wanted = false
      if (!wanted) return
      makeTableData(ctx, table)
      const condition = ext.conditions[i] ?? ''
      if (table.dataObj && condition.length > 0) table.dataObj.filter = condition
    })
  }
}

export async function orderExtensionConfigData(ctx: DumpContext): Promise<void> {
  if (ctx.extensions.length === 0) return
  const rows = await ctx.session.query(
    `SELECT conrelid, confrelid FROM pg_catalog.pg_constraint JOIN pg_catalog.pg_depend ON (objid = confrelid)
      WHERE contype = 'f' AND refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
        AND classid = 'pg_catalog.pg_class'::pg_catalog.regclass`,
    [], 'read extension table keys',
  )
  for (const row of rows) {
    const from = ctx.tables.get(Number(row.conrelid))?.dataObj
    const to = ctx.tables.get(Number(row.confrelid))?.dataObj
    if (from && to) addDependency(from, to.dumpId)
  }
}

/** A materialized view's refresh waits for the refreshes of the matviews it reads. */
export async function orderMatviewRefreshes(ctx: DumpContext): Promise<void> {
  const refreshes = ctx.tableList.filter((t) => t.relkind === 'm' && t.dataObj)
  if (refreshes.length === 0) return
  const rows = await ctx.session.query(
    `WITH RECURSIVE w AS (
       SELECT d1.objid, d2.refobjid, c2.relkind AS refrelkind
         FROM pg_catalog.pg_depend d1
         JOIN pg_catalog.pg_class c1 ON c1.oid = d1.objid AND c1.relkind = 'm'
         JOIN pg_catalog.pg_rewrite r1 ON r1.ev_class = d1.objid
         JOIN pg_catalog.pg_depend d2 ON d2.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d2.objid = r1.oid AND d2.refobjid <> d1.objid
         JOIN pg_catalog.pg_class c2 ON c2.oid = d2.refobjid AND c2.relkind IN ('m', 'v')
        WHERE d1.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
       UNION
       SELECT w.objid, d3.refobjid, c3.relkind
         FROM w
         JOIN pg_catalog.pg_rewrite r3 ON r3.ev_class = w.refobjid
         JOIN pg_catalog.pg_depend d3 ON d3.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d3.objid = r3.oid AND d3.refobjid <> w.refobjid
         JOIN pg_catalog.pg_class c3 ON c3.oid = d3.refobjid AND c3.relkind IN ('m', 'v')
     )
     SELECT objid, refobjid FROM w WHERE refrelkind = 'm'`,
    [], 'read materialized view dependencies',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.objid))
    const ref = ctx.tables.get(Number(row.refobjid))
    if (!table?.dataObj || !ref?.dataObj) continue
    addDependency(table.dataObj, ref.dataObj.dumpId)
    // A matview that reads an unpopulated one cannot be refreshed either.
    if (!ref.isPopulated) table.isPopulated = false
  }
}

/** Data-only dumps load referenced tables first (full dumps add foreign keys after the data). */
export function orderDataByForeignKeys(ctx: DumpContext): void {
  for (const fk of ctx.registry.ofKind('FK_CONSTRAINT')) {
    const from = fk.table?.dataObj
    const to = ctx.tables.get(fk.confrelid)?.dataObj
    if (from && to) addDependency(from, to.dumpId)
  }
}
