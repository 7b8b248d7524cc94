// Schemas. The public schema's ACL is compared with the standard {owner=UC/owner,=U/owner} rather
// than pg_init_privs, as pg_dump does, so ownership changes and v15's new default both round-trip.
import { Component } from '../model/components'
import type { NamespaceObject } from '../model/objects'
import { selectNamespace } from '../select/dumpable'
import { quoteAclRole } from '../emit/acl-items'
import { roleName, type DumpContext } from './context'
import { catIdOf } from '../session/pg-text'

export async function readNamespaces(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT n.tableoid, n.oid, n.nspname, n.nspowner, n.nspacl, pg_catalog.acldefault('n', n.nspowner) AS acldefault
       FROM pg_catalog.pg_namespace n`,
    [], 'read schemas',
  )
  for (const row of rows) {
    const owner = roleName(ctx, row.nspowner)
    const ns = ctx.registry.add<NamespaceObject>({
      kind: 'NAMESPACE',
      catId: catIdOf(row),
      name: row.nspname!,
      namespace: null,
      owner,
      ownerOid: Number(row.nspowner),
      dacl: { acl: row.nspacl, aclDefault: row.acldefault! },
      create: true,
    })
    selectNamespace(ctx, ns)
    if (row.nspacl !== null) ns.components |= Component.ACL
    if (ns.name === 'public') {
      const o = quoteAclRole(owner)
      ns.dacl.initPrivs = `{${arrayItem(`${o}=UC/${o}`)},${arrayItem(`=U/${o}`)}}`
      ns.components |= Component.ACL
    }
    ctx.namespaces.set(ns.catId.oid, ns)
  }
}

/** Quotes an element for a text-array literal when it needs it (as appendPGArray does). */
function arrayItem(item: string): string {
  if (item !== '' && !/[{},"\\\s]/.test(item) && item.toUpperCase() !== 'NULL') return item
  return `"${item.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}
