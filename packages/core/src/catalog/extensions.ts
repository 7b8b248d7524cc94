// Extensions and extension membership (pg_depend deptype 'e'): members are created by CREATE
// EXTENSION, so only the extension itself (and changed member ACLs) are dumped.
import type { ExtensionObject } from '../model/objects'
import { catalogKey } from '../model/registry'
import { selectExtension } from '../select/dumpable'
import { bool, catIdOf, intList, strings } from '../session/pg-text'
import type { DumpContext } from './context'

export async function readExtensions(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT x.tableoid, x.oid, x.extname, n.nspname, x.extrelocatable, x.extversion, x.extconfig, x.extcondition
       FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace`,
    [], 'read extensions',
  )
  for (const row of rows) {
    const ext = ctx.registry.add<ExtensionObject>({
      kind: 'EXTENSION',
      catId: catIdOf(row),
      name: row.extname!,
      namespace: null,
      schemaName: row.nspname!,
      relocatable: bool(row.extrelocatable),
      version: row.extversion!,
      config: intList(row.extconfig),
      conditions: strings(row.extcondition),
    })
    selectExtension(ctx, ext)
    ctx.extensions.push(ext)
  }
  if (ctx.extensions.length === 0) return
  const members = await ctx.session.query(
    `SELECT classid, objid, refobjid FROM pg_catalog.pg_depend
      WHERE refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND deptype = 'e' ORDER BY 3`,
    [], 'read extension membership',
  )
  const byOid = new Map(ctx.extensions.map((e) => [e.catId.oid, e]))
  for (const row of members) {
    const ext = byOid.get(Number(row.refobjid))
    if (ext) ctx.extensionMembers.set(catalogKey({ tableoid: Number(row.classid), oid: Number(row.objid) }), ext)
  }
}
