// Everything the pure emitters need besides the objects themselves, read in bulk after the graph is
// complete: comments, security labels, column privileges, user mappings, definitions, type names and
// DEPENDS ON EXTENSION marks.
import { readColumnAcls } from './acls'
import { readComments, readSecurityLabels } from './comments'
import { oidArray, type DumpContext } from './context'
import { readDefinitionDetails } from './details'
import { readUserMappings } from './foreign'
import type { EmitAllContext } from '../emit/emit-object'
import { eachRow } from '../session/each-row'

/** Catalog OIDs are fixed across versions (genbki). */
const CATALOG_OIDS: Record<string, number> = { pg_proc: 1255, pg_class: 1259, pg_trigger: 2620 }

/** `viewsAside`: the view definitions are being read on the aside session (view-definitions.ts). */
export async function readEmitContext(ctx: DumpContext, flavour: number, unsupported: EmitAllContext['unsupported'], viewsAside = false): Promise<EmitAllContext> {
  const comments = ctx.options.noComments ? new Map() : await readComments(ctx)
  const securityLabels = ctx.options.noSecurityLabels ? new Map() : await readSecurityLabels(ctx)
  const columnAcls = await readColumnAcls(ctx)
  await readUserMappings(ctx)
  await readDefinitionDetails(ctx, viewsAside)
  const typeNames = await readTypeNames(ctx)
  const typeName = (oid: number): string | undefined => typeNames.get(oid) ?? ctx.types.formatDeferred(oid, typeName)
  const extensionDeps = await readExtensionDependencies(ctx)
  // Before 17 one BLOBS entry holds every large object, in OID order.
  const largeObjectOids = ctx.registry.ofKind('LARGE_OBJECT').flatMap((g) => g.oids).sort((a, b) => a - b)
  return {
    flavour,
    serverMajor: ctx.session.version.major,
    aclMajor: Math.min(ctx.session.version.major, ctx.options.targetVersion ?? ctx.session.version.major),
    standardConformingStrings: ctx.session.standardConformingStrings,
    dumpSchema: ctx.dumpSchema,
    dumpData: ctx.dumpData,
    noOwner: ctx.options.noOwner,
    noPrivileges: ctx.options.noPrivileges,
    noComments: ctx.options.noComments,
    noSecurityLabels: ctx.options.noSecurityLabels,
    noTablespaces: ctx.options.noTablespaces,
    comments,
    securityLabels,
    columnAcls,
    typeName,
    tables: ctx.tables,
    types: ctx.types,
    functions: ctx.functions,
    operators: ctx.operators,
    collations: ctx.collations,
    dependsOnExtensions: (catalog, oid) => extensionDeps.get(`${CATALOG_OIDS[catalog] ?? catalog}:${oid}`) ?? [],
    loadViaPartitionRoot: ctx.options.loadViaPartitionRoot,
    lookup: (id) => ctx.registry.get(id),
    largeObjectOids,
    unsupported,
  }
}

/**
 * format_type(oid, NULL) of every type made, as pg_dump's getFormattedTypeName prints them. The deferred
 * row and array types not made (40,000 on 20,000 relations) are neither formatted by the server nor sent:
 * their names are formed on request from the type table. Every pg_type row of the snapshot was read
 * (types.ts), so the made types and the waiting ones are all of them.
 */
async function readTypeNames(ctx: DumpContext): Promise<Map<number, string>> {
  const names = new Map<number, string>()
  const made: number[] = []
  for (const type of ctx.types.madeTypes()) made.push(type.catId.oid)
  await eachRow(
    ctx.session,
    'SELECT t.oid, pg_catalog.format_type(t.oid, NULL) AS name FROM unnest($1::pg_catalog.oid[]) AS t(oid)',
    [oidArray(made)],
    'read type names',
    (r) => names.set(Number(r.oid), r.name!),
  )
  return names
}

/** Objects marked `DEPENDS ON EXTENSION` (deptype 'x'), keyed classid:objid. */
async function readExtensionDependencies(ctx: DumpContext): Promise<Map<string, string[]>> {
  const rows = await ctx.session.query(
    `SELECT d.classid, d.objid, e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
      WHERE d.deptype = 'x' AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
      ORDER BY d.classid, d.objid, e.extname`,
    [], 'read extension dependencies',
  )
  const out = new Map<string, string[]>()
  for (const row of rows) {
    const key = `${row.classid}:${row.objid}`
    const list = out.get(key) ?? []
    list.push(row.extname!)
    out.set(key, list)
  }
  return out
}
