// Data entries: COPY blocks for tables, REFRESH for populated materialized views, and large
// objects (one pre-data entry per object before pg_dump 17, grouped metadata in the data section
// from 17 on).
import { Component, has } from '../model/components'
import type { LargeObjectData, LargeObjectGroup, TableDataObject, TableObject } from '../model/objects'
import { aclEntries } from './acl'
import { commentEntries, securityLabelEntries } from './comments'
import type { EmitContext } from './emit-context'
import { quoteIdent, quoteQualified } from './quote'
import type { TocEntry } from './toc-entry'

/** `(a, b)` of the columns COPY transfers: not dropped, not generated. Empty when there are none. */
export function copyColumnList(table: TableObject): string {
  const cols = table.columns.filter((c) => !c.dropped && !c.generated).map((c) => quoteIdent(c.name))
  return cols.length === 0 ? '' : `(${cols.join(', ')})`
}

function rootOf(table: TableObject): TableObject {
  let t = table
  while (t.isPartition && t.parents.length === 1) t = t.parents[0]!
  return t
}

function mustLoadViaRoot(table: TableObject, option: boolean): boolean {
  if (!table.isPartition) return false
  if (option) return true
  let t = table
  while (t.isPartition && t.parents.length === 1) {
    t = t.parents[0]!
    if (t.unsafePartitions) return true
  }
  return false
}

export function emitTableData(ctx: EmitContext & { loadViaPartitionRoot: boolean }, data: TableDataObject): TocEntry[] {
  const table = data.table
  if (!has(data.dump, Component.DATA)) return []
  const schema = table.namespace!.name
  const viaRoot = mustLoadViaRoot(table, ctx.loadViaPartitionRoot)
  const target = viaRoot ? rootOf(table) : table
  const copyFrom = quoteQualified(target.namespace!.name, target.name)
  const columns = copyColumnList(table)
  return [{
    section: 'DATA', tag: table.name, desc: 'TABLE DATA', namespace: schema, owner: table.owner,
    defn: viaRoot ? `-- load via partition root ${copyFrom}` : '',
    copyStmt: `COPY ${copyFrom} ${columns} FROM stdin;\n`,
    data: {
      kind: 'copy', schema, table: table.name, columns, filter: data.filter, foreign: table.relkind === 'f',
      estimatedBytes: Math.max(table.diskBytes, (table.relpages + table.toastPages) * 8192),
    },
    dumpId: data.dumpId,
  }]
}

export function emitMatviewRefresh(ctx: EmitContext, data: TableDataObject): TocEntry[] {
  const table = data.table
  // A definition-like entry: neither a schema-only nor a data-only dump has it.
  if (!table.isPopulated || !has(data.dump, Component.DATA) || !ctx.dumpData || !ctx.dumpSchema) return []
  return [{
    section: 'POST_DATA', tag: table.name, desc: 'MATERIALIZED VIEW DATA', namespace: table.namespace!.name, owner: table.owner,
    defn: `REFRESH MATERIALIZED VIEW ${quoteQualified(table.namespace!.name, table.name)};\n`,
  }]
}

export function emitLargeObject(ctx: EmitContext, group: LargeObjectGroup): TocEntry[] {
  const out: TocEntry[] = []
  const grouped = ctx.flavour >= 17
  const ownerClause = ctx.noOwner ? '' : group.owner
  if (has(group.dump, Component.DEFINITION)) {
    if (grouped) {
      let defn = group.oids.map((oid) => `SELECT pg_catalog.lo_create('${oid}');\n`).join('') + '\n'
      if (ownerClause) defn += group.oids.map((oid) => `ALTER LARGE OBJECT ${oid} OWNER TO ${quoteIdent(group.owner)};\n`).join('') + '\n'
      out.push({ section: 'DATA', tag: group.name, desc: 'BLOB METADATA', namespace: null, owner: group.owner, defn, largeObjects: { oids: group.oids } })
    } else {
      const oid = group.oids[0]!
      out.push({
        section: 'PRE_DATA', tag: String(oid), desc: 'BLOB', namespace: null, owner: group.owner,
        defn: `SELECT pg_catalog.lo_create('${oid}');\n`, drop: `SELECT pg_catalog.lo_unlink('${oid}');\n`,
        largeObjects: { oids: [oid] },
      })
    }
  }
  for (const oid of group.oids) {
    const catId = { tableoid: group.catId.tableoid, oid }
    if (has(group.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'LARGE OBJECT', name: String(oid), schema: null, owner: group.owner, catId }))
    if (has(group.dump, Component.SECLABEL)) out.push(...securityLabelEntries(ctx, { type: 'LARGE OBJECT', name: String(oid), schema: null, owner: group.owner, catId }))
  }
  if (has(group.dump, Component.ACL)) {
    const first = group.oids[0]!
    const many = grouped && group.oids.length > 1
    const entries = aclEntries(ctx, { type: 'LARGE OBJECT', name: String(first), schema: null, owner: group.owner }, group.dacl, many ? `LARGE OBJECTS ${group.name}` : undefined)
    // A group's ACL entry holds the first object's commands; each is issued for every object in the
    // group, then a blank line (pg_dump 17+'s IssueACLPerBlob).
    if (many) for (const entry of entries) entry.defn = perObjectCommands(entry.defn, first, group.oids)
    out.push(...entries)
  }
  return out
}

function perObjectCommands(defn: string, first: number, oids: number[]): string {
  const marker = `LARGE OBJECT ${first} `
  let out = ''
  for (const command of defn.split('\n').filter((line) => line !== '')) {
    const at = command.indexOf(marker)
    if (at < 0) {
      out += `${command}\n\n`
      continue
    }
    const head = command.slice(0, at + 'LARGE OBJECT '.length)
    const tail = command.slice(at + marker.length - 1)
    out += oids.map((oid) => `${head}${oid}${tail}\n`).join('') + '\n'
  }
  return out
}

export function emitLargeObjectData(_ctx: EmitContext, data: LargeObjectData, allOids: number[]): TocEntry[] {
  if (!has(data.dump, Component.DATA)) return []
  const grouped = data.name !== 'BLOBS'
  return [{
    section: 'DATA', tag: data.name, desc: 'BLOBS', namespace: null, owner: grouped ? data.group.owner : null, defn: '',
    data: { kind: 'large-objects', oids: grouped ? data.group.oids : allOids },
  }]
}
