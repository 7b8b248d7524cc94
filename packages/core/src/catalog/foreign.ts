// Foreign-data wrappers and servers (user mappings are read when a server is emitted), and default
// privileges (pg_default_acl).
import { Component } from '../model/components'
import type { DefaultAclObject, ForeignObject } from '../model/objects'
import { selectObject } from '../select/dumpable'
import { catIdOf, int } from '../session/pg-text'
import { findNamespace, roleName, type DumpContext } from './context'

const OPTIONS = (column: string) => `pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
  FROM pg_catalog.pg_options_to_table(${column}) ORDER BY option_name), E',\\n    ')`

export async function readForeignDataWrappers(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT tableoid, oid, fdwname, fdwowner, fdwhandler::pg_catalog.regproc AS fdwhandler, fdwvalidator::pg_catalog.regproc AS fdwvalidator,
            fdwacl, pg_catalog.acldefault('F', fdwowner) AS acldefault, ${OPTIONS('fdwoptions')} AS fdwoptions
       FROM pg_catalog.pg_foreign_data_wrapper`,
    [], 'read foreign-data wrappers',
  )
  for (const row of rows) {
    const fdw = ctx.registry.add<ForeignObject>({
      kind: 'FDW',
      catId: catIdOf(row),
      name: row.fdwname!,
      namespace: null,
      owner: roleName(ctx, row.fdwowner),
      dacl: { acl: row.fdwacl, aclDefault: row.acldefault! },
      info: { handler: row.fdwhandler, validator: row.fdwvalidator, options: row.fdwoptions ?? '' },
    })
    selectObject(ctx, fdw)
    if (row.fdwacl !== null) fdw.components |= Component.ACL
  }
}

export async function readForeignServers(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT s.tableoid, s.oid, s.srvname, s.srvowner, s.srvfdw, w.fdwname, s.srvtype, s.srvversion, s.srvacl,
            pg_catalog.acldefault('S', s.srvowner) AS acldefault, ${OPTIONS('s.srvoptions')} AS srvoptions
       FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw`,
    [], 'read foreign servers',
  )
  for (const row of rows) {
    const server = ctx.registry.add<ForeignObject>({
      kind: 'FOREIGN_SERVER',
      catId: catIdOf(row),
      name: row.srvname!,
      namespace: null,
      owner: roleName(ctx, row.srvowner),
      dacl: { acl: row.srvacl, aclDefault: row.acldefault! },
      info: { fdw: int(row.srvfdw), fdwName: row.fdwname, type: row.srvtype, version: row.srvversion, options: row.srvoptions ?? '', userMappings: [] as { user: string; options: string }[] },
    })
    selectObject(ctx, server)
    server.components |= Component.USERMAP
    if (row.srvacl !== null) server.components |= Component.ACL
  }
}

/** User mappings of the dumped servers, from the public pg_user_mappings view. */
export async function readUserMappings(ctx: DumpContext): Promise<void> {
  const servers = ctx.registry.ofKind('FOREIGN_SERVER').filter((s) => s.dump & Component.USERMAP)
  if (servers.length === 0) return
  const rows = await ctx.session.query(
    `SELECT srvid, usename, ${OPTIONS('umoptions')} AS umoptions
       FROM pg_catalog.pg_user_mappings WHERE srvid = ANY ($1::pg_catalog.oid[]) ORDER BY usename`,
    [`{${servers.map((s) => s.catId.oid).join(',')}}`], 'read user mappings',
  )
  const byOid = new Map(servers.map((s) => [s.catId.oid, s]))
  for (const row of rows) {
    const server = byOid.get(Number(row.srvid))
    ;(server?.info.userMappings as { user: string; options: string }[]).push({ user: row.usename!, options: row.umoptions ?? '' })
  }
}

export async function readDefaultAcls(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT oid, tableoid, defaclrole, defaclnamespace, defaclobjtype, defaclacl,
            CASE WHEN defaclnamespace = 0 THEN pg_catalog.acldefault(CASE WHEN defaclobjtype = 'S' THEN 's'::"char" ELSE defaclobjtype END, defaclrole)
                 ELSE '{}' END AS acldefault
       FROM pg_catalog.pg_default_acl`,
    [], 'read default privileges',
  )
  for (const row of rows) {
    const nsp = int(row.defaclnamespace)
    const dacl = ctx.registry.add<DefaultAclObject>({
      kind: 'DEFAULT_ACL',
      catId: catIdOf(row),
      name: row.defaclobjtype!,
      namespace: nsp ? findNamespace(ctx, nsp) : null,
      role: roleName(ctx, row.defaclrole),
      objType: row.defaclobjtype!,
      dacl: { acl: row.defaclacl, aclDefault: row.acldefault! },
      components: Component.DEFINITION | Component.ACL,
    })
    dacl.dump = dacl.namespace ? dacl.namespace.dumpContains : ctx.selection.includeEverything ? Component.ALL : Component.NONE
  }
}
