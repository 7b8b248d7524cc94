// Comments (pg_description) and security labels (pg_seclabel), keyed by catalog id. Column comments
// of composite types belong to the type; pg_dump marks the owning object as having them.
import { Component } from '../model/components'
import { catalogKey } from '../model/registry'
import type { TableObject } from '../model/objects'
import { int } from '../session/pg-text'
import { LAST_BUILTIN_OID, type DumpContext } from './context'

export interface Described {
  subid: number
  text: string
  provider?: string
}

export type DescriptionIndex = Map<string, Described[]>

/**
 * initdb's objects (OIDs up to LAST_BUILTIN_OID) are written for their privileges at most, never their
 * comments: their ~5,000 comments (every built-in function's, type's, operator's) are left on the server.
 * Kept below it: schemas (public's comment is written when it was changed) and large objects, whose OIDs
 * the user may choose (`lo_create(100)`).
 */
const USER_OBJECTS = `objoid > ${LAST_BUILTIN_OID} OR classoid IN ('pg_catalog.pg_namespace'::pg_catalog.regclass, 'pg_catalog.pg_largeobject'::pg_catalog.regclass)`

export async function readComments(ctx: DumpContext): Promise<DescriptionIndex> {
  const rows = await ctx.session.query(
    `SELECT description, classoid, objoid, objsubid FROM pg_catalog.pg_description WHERE ${USER_OBJECTS} ORDER BY classoid, objoid, objsubid`,
    [], 'read comments',
  )
  return index(ctx, rows.map((r) => ({ classoid: r.classoid!, objoid: r.objoid!, subid: int(r.objsubid), text: r.description! })), Component.COMMENT)
}

export async function readSecurityLabels(ctx: DumpContext): Promise<DescriptionIndex> {
  const rows = await ctx.session.query(
    `SELECT label, provider, classoid, objoid, objsubid FROM pg_catalog.pg_seclabel WHERE ${USER_OBJECTS} ORDER BY classoid, objoid, objsubid`,
    [], 'read security labels',
  )
  return index(ctx, rows.map((r) => ({ classoid: r.classoid!, objoid: r.objoid!, subid: int(r.objsubid), text: r.label!, provider: r.provider! })), Component.SECLABEL)
}

function index(ctx: DumpContext, items: { classoid: string; objoid: string; subid: number; text: string; provider?: string }[], component: number): DescriptionIndex {
  const out: DescriptionIndex = new Map()
  for (const item of items) {
    const catId = { tableoid: Number(item.classoid), oid: Number(item.objoid) }
    const group = ctx.largeObjectGroups.get(catId.oid)
    const object = ctx.registry.findByCatalogId(catId) ?? (group?.catId.tableoid === catId.tableoid ? group : undefined)
    if (!object) continue
    if (item.subid !== 0 && object.kind === 'TABLE' && (object as TableObject).relkind === 'c') {
      const type = ctx.types.get((object as TableObject).reltype)
      if (type) type.components |= component
    } else {
      object.components |= component
    }
    const key = catalogKey(catId)
    const list = out.get(key) ?? []
    list.push({ subid: item.subid, text: item.text, ...(item.provider !== undefined ? { provider: item.provider } : {}) })
    out.set(key, list)
  }
  return out
}
