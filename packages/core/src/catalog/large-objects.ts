// Large objects. pg_dump 17+ groups up to 1000 objects with the same owner and ACL into one metadata
// entry in the data section; earlier versions wrote one pre-data entry per object. pgkeep follows
// the style of the source server's major version.
import { Component } from '../model/components'
import type { LargeObjectData, LargeObjectGroup } from '../model/objects'
import { addDependency } from '../model/registry'
import { int } from '../session/pg-text'
import { roleName, type DumpContext } from './context'

const GROUP_SIZE = 1000

export async function readLargeObjects(ctx: DumpContext, grouped: boolean): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT oid, lomowner, lomacl, pg_catalog.acldefault('L', lomowner) AS acldefault
       FROM pg_catalog.pg_largeobject_metadata ORDER BY lomowner, lomacl::pg_catalog.text, oid`,
    [], 'read large objects',
  )
  if (rows.length === 0) return
  const [classRow] = await ctx.session.query("SELECT 'pg_catalog.pg_largeobject'::pg_catalog.regclass::pg_catalog.oid AS oid")
  const tableoid = Number(classRow!.oid)
  let group: LargeObjectGroup | null = null
  const groups: LargeObjectGroup[] = []
  for (const row of rows) {
    const owner = roleName(ctx, row.lomowner)
    const sameGroup = grouped && group && group.owner === owner && group.dacl.acl === row.lomacl && group.oids.length < GROUP_SIZE
    if (!sameGroup) {
      group = ctx.registry.add<LargeObjectGroup>({
        kind: 'LARGE_OBJECT',
        catId: { tableoid, oid: int(row.oid) },
        name: String(row.oid),
        namespace: null,
        owner,
        dacl: { acl: row.lomacl, aclDefault: row.acldefault! },
        oids: [],
      })
      if (row.lomacl !== null) group.components |= Component.ACL
      groups.push(group)
    }
    group!.oids.push(int(row.oid))
    ctx.largeObjectGroups.set(int(row.oid), group!)
  }
  for (const g of groups) {
    if (g.oids.length > 1) g.name = `${g.oids[0]}..${g.oids.at(-1)}`
    // Selected because large objects are only dumped for whole-database dumps or on request.
    g.dump = Component.ALL
  }
  if (grouped) {
    for (const g of groups) {
      const data = ctx.registry.add<LargeObjectData>({
        kind: 'LARGE_OBJECT_DATA', catId: { tableoid: 0, oid: 0 }, name: g.name, namespace: null, group: g,
        components: Component.DATA,
      })
      addDependency(data, g.dumpId)
    }
  } else {
    ctx.registry.add<LargeObjectData>({
      kind: 'LARGE_OBJECT_DATA', catId: { tableoid: 0, oid: 0 }, name: 'BLOBS', namespace: null, group: groups[0]!,
      components: Component.DATA,
    })
  }
}
