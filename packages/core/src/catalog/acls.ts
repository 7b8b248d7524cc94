// ACL data not on the objects' own rows: which tables have column privileges, and pg_init_privs
// (the privileges an extension or initdb set up, which dumps record only changes against).
import { Component } from '../model/components'
import type { DumpableAcl } from '../model/objects'
import { int } from '../session/pg-text'
import type { DumpContext } from './context'

export async function readAdditionalAcls(ctx: DumpContext): Promise<void> {
  const columnAcls = await ctx.session.query(
    'SELECT DISTINCT attrelid FROM pg_catalog.pg_attribute WHERE attacl IS NOT NULL',
    [], 'read column privileges',
  )
  for (const row of columnAcls) {
    const table = ctx.tables.get(Number(row.attrelid))
    if (table) {
      table.components |= Component.ACL
      table.hasColumnAcls = true
    }
  }
  const rows = await ctx.session.query(
    'SELECT objoid, classoid, objsubid, privtype, initprivs FROM pg_catalog.pg_init_privs',
    [], 'read initial privileges',
  )
  for (const row of rows) {
    const object = ctx.registry.findByCatalogId({ tableoid: Number(row.classoid), oid: Number(row.objoid) })
    if (!object) continue
    if (int(row.objsubid) !== 0) {
      if (object.kind === 'TABLE') {
        object.components |= Component.ACL
        object.hasColumnAcls = true
      }
      continue
    }
    if (object.kind === 'NAMESPACE' && object.name === 'public') continue
    const dacl = (object as { dacl?: DumpableAcl }).dacl
    if (dacl) dacl.initPrivs = row.initprivs
  }
}

export interface ColumnAcl {
  column: string
  dacl: DumpableAcl
}

/** Column privileges of the tables that have any, read only for tables whose ACLs are dumped. */
export async function readColumnAcls(ctx: DumpContext): Promise<Map<number, ColumnAcl[]>> {
  const out = new Map<number, ColumnAcl[]>()
  const tables = ctx.tableList.filter((t) => t.hasColumnAcls && (t.dump & Component.ACL))
  if (tables.length === 0 || ctx.options.noPrivileges) return out
  const rows = await ctx.session.query(
    `SELECT at.attrelid, at.attname, at.attacl, pip.initprivs
       FROM pg_catalog.pg_attribute at
       LEFT JOIN pg_catalog.pg_init_privs pip ON (at.attrelid = pip.objoid AND pip.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND at.attnum = pip.objsubid)
      WHERE at.attrelid = ANY ($1::pg_catalog.oid[]) AND NOT at.attisdropped AND (at.attacl IS NOT NULL OR pip.initprivs IS NOT NULL)
      ORDER BY at.attrelid, at.attnum`,
    [`{${tables.map((t) => t.catId.oid).join(',')}}`], 'read column privileges',
  )
  for (const row of rows) {
    const list = out.get(Number(row.attrelid)) ?? []
    list.push({ column: row.attname!, dacl: { acl: row.attacl, aclDefault: '{}', initPrivs: row.initprivs } })
    out.set(Number(row.attrelid), list)
  }
  return out
}
