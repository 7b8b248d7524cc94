// CREATE TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE with everything that belongs inside the
// table's entry (dumpTableSchema): columns printed inline, inherited ones left to INHERITS, inline
// CHECKs, storage parameters, per-column ALTERs, replica identity and FORCE ROW LEVEL SECURITY.
import { Component, has } from '../model/components'
import type { TableObject } from '../model/objects'
import { shouldPrintColumn } from '../catalog/columns'
import { aclEntries } from './acl'
import { commentEntries, commentEntry } from './comments'
import type { EmitContext } from './emit-context'
import { quoteIdent, quoteLiteral, quoteQualified, sanitizeCommentLine } from './quote'
import { formatReloptions, nonEmptyReloptions } from './reloptions'
import { emitSequence } from './sequence'
import type { TocEntry } from './toc-entry'

const STORAGE: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', x: 'EXTENDED', m: 'MAIN' }

export function emitTable(ctx: EmitContext, table: TableObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const out: TocEntry[] = []
  if (has(table.dump, Component.DEFINITION)) {
    if (table.relkind === 'S') out.push(...emitSequence(ctx, table))
    else out.push(...emitTableSchema(ctx, table))
  }
  const qname = quoteIdent(table.name)
  const schema = table.namespace!.name
  if (has(table.dump, Component.ACL)) {
    const type = table.relkind === 'S' ? 'SEQUENCE' : 'TABLE'
    out.push(...aclEntries(ctx, { type, name: qname, schema, owner: table.owner }, table.dacl))
    for (const col of ctx.columnAcls.get(table.catId.oid) ?? []) {
      out.push(...aclEntries(ctx, { type: 'TABLE', name: qname, subname: quoteIdent(col.column), schema, owner: table.owner }, col.dacl))
    }
  }
  return out
}

function relationTypeName(table: TableObject): string {
  switch (table.relkind) {
    case 'v': return 'VIEW'
    case 'm': return 'MATERIALIZED VIEW'
    case 'f': return 'FOREIGN TABLE'
    default: return 'TABLE'
  }
}

/** The `SELECT NULL::type AS col` body of a view created ahead of its real definition. */
export function dummyViewBody(ctx: EmitContext, table: TableObject): string {
  const cols = table.columns.map((c) => {
    const coll = ctx.collations.get(c.collation)
    return `\n    NULL::${c.type}${coll ? ` COLLATE ${quoteQualified(coll.namespace!.name, coll.name)}` : ''} AS ${quoteIdent(c.name)}`
  })
  return `SELECT${cols.join(',')}`
}

function emitTableSchema(ctx: EmitContext, table: TableObject): TocEntry[] {
  const schema = table.namespace!.name
  const qual = quoteQualified(schema, table.name)
  const typeName = relationTypeName(table)
  const reloptions = (prefix: string) => formatReloptions(table.reloptions, prefix, ctx.standardConformingStrings)
  /** `WITH (…)` from the table's and its TOAST table's storage parameters, or nothing. */
  const withClause = () => {
    const parts = [
      nonEmptyReloptions(table.reloptions) ? reloptions('') : null,
      nonEmptyReloptions(table.toastReloptions) ? formatReloptions(table.toastReloptions, 'toast.', ctx.standardConformingStrings) : null,
    ].filter(Boolean)
    return parts.length > 0 ? `\nWITH (${parts.join(', ')})` : ''
  }
  let q = ''
  let drop: string

  if (table.relkind === 'v') {
    drop = `DROP VIEW ${qual};\n`
    q = `CREATE VIEW ${qual}`
    let body: string
    if (table.dummyView) body = dummyViewBody(ctx, table)
    else {
      if (nonEmptyReloptions(table.reloptions)) q += ` WITH (${reloptions('')})`
      body = table.viewDef ?? ''
    }
    q += ` AS\n${body}`
    if (table.checkOption && !table.dummyView) q += `\n  WITH ${table.checkOption} CHECK OPTION`
    q += ';\n'
  } else {
    drop = `DROP ${typeName} ${qual};\n`
    const unlogged = table.persistence === 'u' && table.relkind !== 'p'
    q = `CREATE ${unlogged ? 'UNLOGGED ' : ''}${typeName} ${qual}`
    if (table.ofType) q += ` OF ${ctx.typeName(table.ofType)}`
    if (table.relkind !== 'm') {
      const items: string[] = []
      const extraNotNull: string[] = []
      // A child keeping its column order: its columns come from a scaffold parent in their own order.
      const scaffold = table.attachParents ? inheritScaffold(ctx, table) : null
      table.columns.forEach((col, j) => {
        if (shouldPrintColumn(table, j)) {
          // With a scaffold, a generated column takes its expression from there (a child may not give one).
          const printDefault = col.def !== null && col.def.dump !== Component.NONE && !col.def.separate && !(scaffold && col.generated)
          const printNotNull = notNullPrinted(ctx, table, j)
          if (table.ofType && !printDefault && !printNotNull) return
          let item = quoteIdent(col.name)
          if (!table.ofType) item += ` ${col.type}`
          if (printDefault) {
            if (col.generated === 's') item += ` GENERATED ALWAYS AS (${col.def!.expr}) STORED`
            else if (col.generated === 'v') item += ` GENERATED ALWAYS AS (${col.def!.expr})`
            else item += ` DEFAULT ${col.def!.expr}`
          }
          if (printNotNull) {
            item += col.notNullName ? ` CONSTRAINT ${quoteIdent(col.notNullName)} NOT NULL` : ' NOT NULL'
            if (col.notNullNoInherit) item += ' NO INHERIT'
          }
          const coll = ctx.collations.get(col.collation)
          if (coll) item += ` COLLATE ${quoteQualified(coll.namespace!.name, coll.name)}`
          items.push(item)
        } else if (!col.dropped && col.notNullName !== null && ctx.serverMajor >= 18 && col.notNullIsLocal && col.notNullValid) {
          // 18+: a local NOT NULL on a column that comes from a parent is a table-level item.
          items.push(col.notNullName ? `CONSTRAINT ${quoteIdent(col.notNullName)} NOT NULL ${quoteIdent(col.name)}` : `NOT NULL ${quoteIdent(col.name)}`)
        } else if (!col.dropped && col.notNullName !== null && ctx.serverMajor < 18 && !col.inheritedNotNull) {
          extraNotNull.push(col.name)
        }
      })
      for (const check of table.checks) {
        if (check.separate || (!check.isLocal && !table.isPartition)) continue
        items.push(`CONSTRAINT ${quoteIdent(check.name)} ${check.condef}`)
      }
      if (items.length > 0) q += ` (\n    ${items.join(',\n    ')}\n)`
      else if (!table.ofType) q += ' (\n)'
      if (scaffold) q = scaffold.create + q
      if (scaffold) q += `\nINHERITS (${scaffold.name})`
      else if (table.parents.length > 0 && !table.isPartition && !table.attachParents) {
        q += `\nINHERITS (${table.parents.map((p) => quoteQualified(p.namespace!.name, p.name)).join(', ')})`
      }
      if (table.relkind === 'p') q += `\nPARTITION BY ${table.partKeyDef}`
      if (table.relkind === 'f') q += `\nSERVER ${quoteIdent(table.foreignServerName ?? '')}`
      q += withClause()
      if (table.foreignOptions) q += `\nOPTIONS (\n    ${table.foreignOptions}\n)`
      q += ';\n'
      const foreign = table.relkind === 'f' ? 'FOREIGN ' : ''
      if (table.attachParents) {
        for (const parent of table.parents) q += `ALTER ${foreign}TABLE ONLY ${qual} INHERIT ${quoteQualified(parent.namespace!.name, parent.name)};\n`
      }
      if (scaffold) q += `ALTER ${foreign}TABLE ONLY ${qual} NO INHERIT ${scaffold.name};\nDROP TABLE ${scaffold.name};\n`
      // Before 18, a NOT NULL added to an inherited column has no inline syntax.
      for (const name of extraNotNull) q += `ALTER ${foreign}TABLE ONLY ${qual} ALTER COLUMN ${quoteIdent(name)} SET NOT NULL;\n`
    } else {
      q += withClause()
      q += ` AS\n${table.viewDef}\n  WITH NO DATA;\n`
      for (const ext of ctx.dependsOnExtensions('pg_class', table.catId.oid)) {
        q += `\nALTER MATERIALIZED VIEW ${qual} DEPENDS ON EXTENSION ${quoteIdent(ext)};`
      }
    }
    const foreign = table.relkind === 'f' ? 'FOREIGN ' : ''
    for (const col of table.columns) {
      if (col.dropped) continue
      const alter = `ALTER ${foreign}TABLE ONLY ${qual} ALTER COLUMN ${quoteIdent(col.name)}`
      if (col.statTarget >= 0) q += `${alter} SET STATISTICS ${col.statTarget};\n`
      if (col.storage !== col.typStorage && STORAGE[col.storage]) q += `${alter} SET STORAGE ${STORAGE[col.storage]};\n`
      const compression = col.compression === 'p' ? 'pglz' : col.compression === 'l' ? 'lz4' : null
      if (compression) q += `${alter} SET COMPRESSION ${compression};\n`
      if (col.options) q += `${alter} SET (${col.options});\n`
      if (table.relkind === 'f' && col.fdwOptions) q += `ALTER FOREIGN TABLE ${qual} ALTER COLUMN ${quoteIdent(col.name)} OPTIONS (\n    ${col.fdwOptions}\n);\n`
    }
  }
  if ((table.relkind === 'r' || table.relkind === 'p' || table.relkind === 'm') && table.replIdent !== 'd' && table.replIdent !== 'i') {
    q += `\nALTER TABLE ONLY ${qual} REPLICA IDENTITY ${table.replIdent === 'n' ? 'NOTHING' : 'FULL'};\n`
  }
  if (table.forceRowSecurity) q += `\nALTER TABLE ONLY ${qual} FORCE ROW LEVEL SECURITY;\n`

  const hasTablespace = table.relkind === 'r' || table.relkind === 'm' || table.relkind === 'p'
  const hasTableAm = table.relkind === 'r' || table.relkind === 'm' || table.relkind === 'p'
  const out: TocEntry[] = [{
    section: table.postponedDef ? 'POST_DATA' : 'PRE_DATA',
    tag: table.name,
    desc: typeName,
    namespace: schema,
    owner: table.owner,
    tablespace: hasTablespace ? table.tablespace : null,
    tableAm: hasTableAm ? table.amName : null,
    relkind: table.relkind,
    defn: q,
    drop,
    dumpId: table.dumpId,
  }]
  out.push(...tableComments(ctx, table, typeName))
  if (has(table.dump, Component.SECLABEL)) out.push(...tableSecurityLabels(ctx, table, typeName))
  for (const check of table.checks) {
    if (check.separate || !check.isLocal) continue
    if (has(check.dump, Component.COMMENT)) {
      out.push(...commentEntries(ctx, { type: `CONSTRAINT ${quoteIdent(check.name)} ON`, name: quoteIdent(table.name), schema, owner: table.owner, catId: check.catId }))
    }
  }
  if (has(table.dump, Component.DEFINITION) && !ctx.noComments) {
    for (const col of table.columns) {
      if (col.notNullComment === null || !col.notNullName || !col.notNullValid) continue
      out.push(commentEntry(ctx, `CONSTRAINT ${quoteIdent(col.notNullName)} ON`, schema, quoteIdent(table.name), col.notNullComment, table.owner))
    }
  }
  return out
}

/** Whether a column's NOT NULL is printed inline (differs before and from PostgreSQL 18). */
function notNullPrinted(ctx: EmitContext, table: TableObject, j: number): boolean {
  const col = table.columns[j]!
  if (col.notNullName === null) return false
  if (ctx.serverMajor >= 18) return col.notNullValid && (col.notNullIsLocal || table.isPartition)
  // A child attached to its parents afterwards must have the parents' NOT NULLs before the attach.
  return !col.inheritedNotNull || table.isPartition || table.attachParents === true
}

function tableComments(ctx: EmitContext, table: TableObject, typeName: string): TocEntry[] {
  if (!has(table.dump, Component.COMMENT) || ctx.noComments || !ctx.dumpSchema) return []
  const schema = table.namespace!.name
  const list = ctx.comments.get(`${table.catId.tableoid}:${table.catId.oid}`) ?? []
  const out: TocEntry[] = []
  for (const c of list) {
    if (c.subid === 0) {
      out.push(commentEntry(ctx, typeName, schema, quoteIdent(table.name), c.text, table.owner))
    } else if (c.subid > 0 && c.subid <= table.columns.length) {
      const col = table.columns[c.subid - 1]!
      out.push(commentEntry(ctx, 'COLUMN', schema, `${quoteIdent(table.name)}.${quoteIdent(col.name)}`, c.text, table.owner))
    }
  }
  return out
}

/** One entry with the labels of the table and of its columns (dumpTableSecLabel). */
function tableSecurityLabels(ctx: EmitContext, table: TableObject, typeName: string): TocEntry[] {
  if (ctx.noSecurityLabels || !ctx.dumpSchema) return []
  const labels = ctx.securityLabels.get(`${table.catId.tableoid}:${table.catId.oid}`) ?? []
  const qual = quoteQualified(table.namespace!.name, table.name)
  let defn = ''
  for (const label of labels) {
    const col = label.subid > 0 ? table.columns[label.subid - 1] : undefined
    if (label.subid > 0 && !col) continue
    const target = col ? `COLUMN ${qual}.${quoteIdent(col.name)}` : `${typeName} ${qual}`
    defn += `SECURITY LABEL FOR ${quoteIdent(label.provider!)} ON ${target} IS ${quoteLiteral(label.text, ctx.standardConformingStrings)};\n`
  }
  if (!defn) return []
  return [{ section: 'NONE', tag: `${typeName} ${table.name}`, desc: 'SECURITY LABEL', namespace: table.namespace!.name, owner: table.owner, defn }]
}

/**
 * How a child keeps its column order (binary-upgrade's layout, in statements PostgreSQL accepts anywhere):
 * a throwaway parent holds every column in the child's order, with the generation expressions and the
 * NOT NULLs and CHECKs the child inherits; the child is created under it, declaring only its own columns and
 * constraints (which merge in place), then attached to its real parents, detached from the scaffold, and the
 * scaffold dropped. Columns and constraints that came only from the scaffold stay inherited (attislocal,
 * conislocal false) because the real parents took over the inheritance counts before the detach.
 * Null when every column and constraint is the child's own: attaching to the parents is then enough.
 */
function inheritScaffold(ctx: EmitContext, table: TableObject): { name: string; create: string } | null {
  const columns = table.columns.filter((c) => !c.dropped)
  const inheritedChecks = table.checks.filter((c) => c.contype === 'c' && !c.separate && !c.isLocal)
  const v18 = ctx.serverMajor >= 18
  // Before 18 NOT NULL is a column flag; from 18 an inherited-only constraint must come from a parent.
  const scaffoldNotNull = (c: (typeof columns)[number]) => c.notNullName !== null && (!v18 || (c.notNullValid && !c.notNullIsLocal))
  if (!columns.some((c) => !c.isLocal) && inheritedChecks.length === 0 && !(v18 && columns.some(scaffoldNotNull))) return null
  const name = quoteQualified(table.namespace!.name, scaffoldName(ctx, table))
  const items = columns.map((c) => {
    let item = `${quoteIdent(c.name)} ${c.type}`
    if (c.generated && c.def) item += ` GENERATED ALWAYS AS (${c.def.expr})${c.generated === 's' ? ' STORED' : ''}`
    if (scaffoldNotNull(c)) item += v18 ? ` CONSTRAINT ${quoteIdent(c.notNullName || `${table.name}_${c.name}_not_null`)} NOT NULL` : ' NOT NULL'
    const coll = ctx.collations.get(c.collation)
    if (coll) item += ` COLLATE ${quoteQualified(coll.namespace!.name, coll.name)}`
    return item
  })
  for (const check of inheritedChecks) items.push(`CONSTRAINT ${quoteIdent(check.name)} ${check.condef}`)
  const create = `-- ${sanitizeCommentLine(table.name)} keeps its column order: created under a scaffold parent, then attached to its own.\n` +
    `CREATE TABLE ${name} (\n    ${items.join(',\n    ')}\n);\n`
  return { name, create }
}

/** `pgkeep_inherit_<table>`, cut to 63 bytes, numbered when a relation or type of the schema has that name. */
function scaffoldName(ctx: EmitContext, table: TableObject): string {
  const taken = new Set<string>()
  for (const t of ctx.tables.values()) {
    if (t.namespace !== table.namespace) continue
    taken.add(t.name)
    for (const index of t.indexes) taken.add(index.name)
  }
  for (const name of ctx.types.namesIn(table.namespace)) taken.add(name)
  for (let n = 0; ; n++) {
    const suffix = n === 0 ? '' : `_${n}`
    let base = `pgkeep_inherit_${table.name}`
    while (Buffer.byteLength(base + suffix) > 63) base = [...base].slice(0, -1).join('')
    if (!taken.has(base + suffix)) return base + suffix
  }
}
