// Columns, defaults and CHECK constraints of the interesting tables (pg_dump's getTableAttrs and
// flagInhAttrs): what each column prints inline, what must be split out, and what a child inherits.
import { Component } from '../model/components'
import type { AttrDefObject, TableObject } from '../model/objects'
import { addDependency } from '../model/registry'
import { atLeast } from '../session/server-version'
import { eachRow } from '../session/each-row'
import { bool, catIdOf, int } from '../session/pg-text'
import { oidArray, type DumpContext } from './context'
import { addConstraint } from './add-constraint'
import { ColumnRow } from './column-row'

/** Whether CREATE TABLE prints the column (pg_dump's shouldPrintColumn). */
export function shouldPrintColumn(table: TableObject, index: number): boolean {
  const col = table.columns[index]!
  if (col.dropped) return false
  return col.isLocal || table.isPartition
}

// Some builds stamp every column with a server-managed `pg_attver=<n>` option that cannot be set
// with ALTER COLUMN … SET; like their pg_dump, pgkeep leaves it out of the column's options. The
// sub-select that does so runs only for a column that has options (the CASE): run for every column it
// cost the server 40 ms on 6,000 columns (15 against 55 ms for the whole query), where pg_dump's plain
// array_to_string costs nothing; '' either way for a column without options.

export async function readColumns(ctx: DumpContext): Promise<void> {
  const version = ctx.session.version
  const wanted = ctx.tableList.filter((t) => t.relkind !== 'S' && t.interesting)
  if (wanted.length === 0) return
  const v18 = atLeast(version, 18)
  const sql = `SELECT a.attrelid, a.attnum, a.attname, a.attstattarget, a.attstorage, t.typstorage, a.atthasdef, a.attisdropped,
            a.attislocal, a.atttypid, pg_catalog.format_type(t.oid, a.atttypmod) AS atttypname,
            CASE WHEN a.attoptions IS NULL THEN '' ELSE array_to_string(ARRAY(SELECT o FROM unnest(a.attoptions) o WHERE substr(o, 1, 10) <> 'pg_attver='), ', ') END AS attoptions,
            CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation ELSE 0 END AS attcollation,
            pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
              FROM pg_catalog.pg_options_to_table(attfdwoptions) ORDER BY option_name), E',\\n    ') AS attfdwoptions,
            ${v18
              ? `co.conname AS notnull_name, co.connoinherit AS notnull_noinherit, co.conislocal AS notnull_islocal, co.convalidated AS notnull_valid,
                 co.tableoid AS notnull_tableoid, co.oid AS notnull_oid, pg_catalog.obj_description(co.oid, 'pg_constraint') AS notnull_comment,
                 CASE WHEN NOT co.convalidated THEN pg_catalog.pg_get_constraintdef(co.oid) END AS notnull_def,`
              : "CASE WHEN a.attnotnull THEN '' ELSE NULL END AS notnull_name, false AS notnull_noinherit, a.attislocal AS notnull_islocal, true AS notnull_valid,"}
            ${atLeast(version, 14) ? 'a.attcompression' : "''"} AS attcompression,
            a.attidentity, a.attgenerated
       FROM unnest($1::pg_catalog.oid[]) AS src(tbloid)
       JOIN pg_catalog.pg_attribute a ON (src.tbloid = a.attrelid)
       LEFT JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)
       ${v18 ? "LEFT JOIN pg_catalog.pg_constraint co ON (a.attrelid = co.conrelid AND co.contype = 'n' AND co.conkey = array[a.attnum])" : ''}
      WHERE a.attnum > 0::pg_catalog.int2
      ORDER BY a.attrelid, a.attnum`
  const withDefaults: TableObject[] = []
  // Column types repeat (integer, text, …): one copy of each name instead of one per column.
  const typeNames = new Map<string, string>()
  const typeName = (name: string) => {
    const kept = typeNames.get(name)
    if (kept !== undefined) return kept
    typeNames.set(name, name)
    return name
  }
  let current: TableObject | undefined
  await eachRow(ctx.session, sql, [oidArray(wanted.map((t) => t.catId.oid))], 'read table columns', (row) => {
    const relid = Number(row.attrelid)
    if (!current || current.catId.oid !== relid) {
      current = ctx.tables.get(relid)!
      current.columns = []
    }
    const notNullComment = row.notnull_comment ?? null
    // A commented constraint is always named, so the comment can find it.
    const notNullName = row.notnull_name === null ? null
      : !v18 ? ''
      : notNullComment !== null ? row.notnull_name
      : notNullDisplayName(current, row.attname!, row.notnull_name)
    if (v18 && row.notnull_def) invalidNotNull(ctx, current, row)
    const column = new ColumnRow({
      name: row.attname!,
      type: typeName(row.atttypname ?? ''),
      typeOid: int(row.atttypid),
      statTarget: row.attstattarget === null ? -1 : int(row.attstattarget),
      storage: row.attstorage!,
      typStorage: row.typstorage ?? '',
      identity: row.attidentity ?? '',
      generated: row.attgenerated ?? '',
      dropped: bool(row.attisdropped),
      isLocal: bool(row.attislocal),
      notNullName,
      notNullNoInherit: bool(row.notnull_noinherit),
      notNullIsLocal: bool(row.notnull_islocal),
      notNullValid: bool(row.notnull_valid),
      notNullComment,
      options: row.attoptions ?? '',
      collation: int(row.attcollation),
      compression: row.attcompression ?? '',
      fdwOptions: row.attfdwoptions ?? '',
    })
    current.columns.push(column)
    if (bool(row.atthasdef) && withDefaults.at(-1) !== current) withDefaults.push(current)
  })
  // push() left room for 17 columns in each table's array; most tables have fewer
  for (const table of wanted) if (table.columns.length > 0) table.columns = table.columns.slice()
  if (ctx.dumpSchema) {
    await readDefaults(ctx, withDefaults)
    await readChecks(ctx, wanted.filter((t) => t.relchecks > 0))
  }
}

/** 18+: a NOT VALID not-null constraint, added after the data like an unvalidated CHECK. */
function invalidNotNull(ctx: DumpContext, table: TableObject, row: Record<string, string | null>): void {
  table.checks.push(addConstraint(ctx, {
    catId: { tableoid: Number(row.notnull_tableoid), oid: Number(row.notnull_oid) },
    name: row.notnull_name!,
    table,
    contype: 'n',
    condef: row.notnull_def,
    isLocal: bool(row.notnull_islocal),
    separate: true,
  }))
}

/** 18+: print a NOT NULL constraint's name only when it is not the default `<table>_<column>_not_null`. */
function notNullDisplayName(table: TableObject, column: string, name: string): string {
  return name === `${table.name}_${column}_not_null` ? '' : name
}

async function readDefaults(ctx: DumpContext, tables: TableObject[]): Promise<void> {
  if (tables.length === 0) return
  const rows = await ctx.session.query(
    `SELECT a.tableoid, a.oid, adrelid, adnum, pg_catalog.pg_get_expr(adbin, adrelid) AS adsrc
       FROM unnest($1::pg_catalog.oid[]) AS src(tbloid)
       JOIN pg_catalog.pg_attrdef a ON (src.tbloid = a.adrelid)
      ORDER BY a.adrelid, a.adnum`,
    [oidArray(tables.map((t) => t.catId.oid))], 'read column defaults',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.adrelid))!
    const adnum = int(row.adnum)
    const column = table.columns[adnum - 1]
    if (!column || column.dropped) continue
    const def = ctx.registry.add<AttrDefObject>({
      kind: 'ATTRDEF',
      catId: catIdOf(row),
      name: table.name,
      namespace: table.namespace,
      table,
      adnum,
      expr: row.adsrc!,
      separate: false,
      dump: table.dump,
    })
    if (column.generated) def.separate = false
    else if (table.relkind === 'v') def.separate = true
    else def.separate = !shouldPrintColumn(table, adnum - 1)
    // An inline default must come before the CREATE TABLE, so its own dependencies sort earlier.
    if (!def.separate) addDependency(table, def.dumpId)
    column.def = def
  }
}

async function readChecks(ctx: DumpContext, tables: TableObject[]): Promise<void> {
  if (tables.length === 0) return
  const rows = await ctx.session.query(
    `SELECT c.tableoid, c.oid, conrelid, conname, pg_catalog.pg_get_constraintdef(c.oid) AS consrc, conislocal, convalidated
       FROM unnest($1::pg_catalog.oid[]) AS src(tbloid)
       JOIN pg_catalog.pg_constraint c ON (src.tbloid = c.conrelid)
      WHERE contype = 'c'
      ORDER BY c.conrelid, c.conname`,
    [oidArray(tables.map((t) => t.catId.oid))], 'read check constraints',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.conrelid))!
    const validated = bool(row.convalidated)
    const con = addConstraint(ctx, {
      catId: catIdOf(row),
      name: row.conname!,
      table,
      contype: 'c',
      condef: row.consrc,
      isLocal: bool(row.conislocal),
      // Unvalidated constraints go after the data, which may violate them.
      separate: !validated,
    })
    table.checks.push(con)
    if (!con.separate) addDependency(table, con.dumpId)
  }
}

/**
 * For each child table: which NOT NULLs, defaults and generation expressions come from a parent
 * (pg_dump's flagInhAttrs). Manufactures DEFAULT NULL where a parent's default must be overridden.
 */
export function flagInheritedColumns(ctx: DumpContext): void {
  for (const table of ctx.tableList) {
    if (table.relkind === 'S' || table.relkind === 'v' || table.relkind === 'm') continue
    if (!(table.dump & Component.DEFINITION) || table.parents.length === 0) continue
    table.columns.forEach((column, j) => {
      if (column.dropped) return
      let foundNotNull = false
      let foundDefault = false
      let foundSameGenerated = false
      let foundDiffGenerated = false
      for (const parent of table.parents) {
        const pcol = parent.columns.find((c) => c.name === column.name && !c.dropped)
        if (!pcol) continue
        foundNotNull ||= pcol.notNullName !== null
        foundDefault ||= pcol.def !== null && pcol.def.expr !== 'NULL' && !pcol.generated
        if (pcol.generated) {
          if (pcol.def && column.def && pcol.def.expr === column.def.expr) foundSameGenerated = true
          else foundDiffGenerated = true
        }
      }
      column.inheritedNotNull = foundNotNull
      if (foundDefault && column.def === null) {
        const def = ctx.registry.add<AttrDefObject>({
          kind: 'ATTRDEF',
          catId: { tableoid: 0, oid: 0 },
          name: table.name,
          namespace: table.namespace,
          table,
          adnum: j + 1,
          expr: 'NULL',
          separate: !shouldPrintColumn(table, j),
          dump: table.dump,
        })
        if (def.separate) addDependency(def, table.dumpId)
        column.def = def
      }
      if (foundSameGenerated && !foundDiffGenerated && !table.isPartition && column.def) {
        column.def.dump = Component.NONE
      }
    })
  }
}
