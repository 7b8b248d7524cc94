// View definitions (pg_get_viewdef), the slowest of the definition details: the server deparses each
// view's query tree, about 0.35 ms a view (155 views: 55 ms, in three batches of the lock table's
// share). When the dump has an aside session, they are read there while the leader reads comments,
// privileges and the other details and the graph is sorted; the emitters need them only after that.
import { Component } from '../model/components'
import type { TableObject } from '../model/objects'
import type { DumpSession } from '../session/dump-session'
import { transientLockBatch, withTransientLocks } from '../session/transient-locks'
import type { AsideSession } from './aside-session'
import { oidArray, type DumpContext } from './context'

/** Views at or above this count open the aside session for their definitions, when no other read did. */
export const VIEWS_ASIDE_FROM = 100

/**
 * Starts reading the view definitions on the aside session. Null when they are not for it (no aside
 * session, no views, or too few to open one): the leader reads them with the other details. Otherwise
 * resolves true once they are read, or false when the session could not be opened, and the caller reads
 * them on the leader once it is free. A failed read rejects as on the leader.
 */
export function readViewDefinitionsAside(ctx: DumpContext, aside: AsideSession | null): Promise<boolean> | null {
  if (!ctx.dumpSchema || !aside) return null
  const oids = viewOids(ctx)
  if (oids.length === 0 || (!aside.requested && oids.length < VIEWS_ASIDE_FROM)) return null
  const reading = (async () => {
    const session = await aside.session()
    if (!session) return false
    await readViews(ctx, session, oids)
    return true
  })()
  // Awaited before the entries are written; a failure must not surface as an unhandled rejection before then.
  reading.catch(() => {})
  return reading
}

/** Reads the view definitions on the leader's session. */
export async function readViewDefinitions(ctx: DumpContext): Promise<void> {
  const oids = viewOids(ctx)
  if (oids.length > 0) await readViews(ctx, ctx.session, oids)
}

// --- internal ---

/**
 * Views whose definition is written, and views whose ON SELECT rule may be (the dependency sort, which
 * runs later, splits a rule from its view to break a loop). Not the views written only for their
 * privileges: pg_catalog's 75 or so, whose ACL differs from initdb's default, are in every database.
 */
function viewOids(ctx: DumpContext): number[] {
  const defined = (t: TableObject) => (t.dump & t.components & Component.DEFINITION) !== Component.NONE
  const views = ctx.tableList.filter((t) => (t.relkind === 'v' || t.relkind === 'm') && defined(t))
  const rules = ctx.registry.ofKind('RULE').filter((r) => r.dump & Component.DEFINITION)
  return [...new Set([...views.map((v) => v.catId.oid), ...rules.filter((r) => r.evType === '1' && r.isInstead).map((r) => r.table.catId.oid)])]
}

/** pg_get_viewdef locks each view: read them in batches whose locks are let go after each batch. */
async function readViews(ctx: DumpContext, session: DumpSession, oids: number[]): Promise<void> {
  const batch = await transientLockBatch(session)
  for (let i = 0; i < oids.length; i += batch) {
    const rows = await withTransientLocks(session, () => session.query(
      'SELECT oid, pg_catalog.pg_get_viewdef(oid) AS viewdef FROM unnest($1::pg_catalog.oid[]) AS oid',
      [oidArray(oids.slice(i, i + batch))], 'read view definitions',
    ))
    for (const row of rows) ctx.tables.get(Number(row.oid))!.viewDef = row.viewdef!.replace(/;$/, '')
  }
}
