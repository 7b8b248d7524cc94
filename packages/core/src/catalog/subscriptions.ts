// Logical replication subscriptions of the current database (getSubscriptions). pg_subscription is
// readable only by superusers; others get a warning when there are subscriptions they cannot dump.
import type { SimpleOwnedObject } from '../model/objects'
import { selectObject } from '../select/dumpable'
import { atLeast } from '../session/server-version'
import { catIdOf, strings } from '../session/pg-text'
import { roleName, type DumpContext } from './context'

export async function readSubscriptions(ctx: DumpContext): Promise<void> {
  if (ctx.options.noSubscriptions) return
  const v = ctx.session.version
  const thisDatabase = 'subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())'
  if (!ctx.session.isSuperuser) {
    const [row] = await ctx.session.query(
      `SELECT count(*) AS n FROM pg_catalog.pg_subscription WHERE ${thisDatabase}`, [], 'count subscriptions',
    ).catch(() => [{ n: '0' }])
    if (Number(row?.n) > 0) ctx.warnings.push('subscriptions not dumped because the current user is not a superuser')
    return
  }
  const rows = await ctx.session.query(
    `SELECT tableoid, oid, subname, subowner, subconninfo, subslotname, subsynccommit, subpublications,
            ${atLeast(v, 14) ? 'subbinary, substream' : "false AS subbinary, false AS substream"},
            ${atLeast(v, 15) ? 'subtwophasestate, subdisableonerr' : "'d' AS subtwophasestate, false AS subdisableonerr"},
            ${atLeast(v, 16) ? 'subpasswordrequired, subrunasowner, suborigin' : "true AS subpasswordrequired, false AS subrunasowner, 'any' AS suborigin"},
            ${atLeast(v, 17) ? 'subfailover' : 'false AS subfailover'}
       FROM pg_catalog.pg_subscription WHERE ${thisDatabase}`,
    [], 'read subscriptions',
  )
  for (const row of rows) {
    const sub = ctx.registry.add<SimpleOwnedObject>({
      kind: 'SUBSCRIPTION',
      catId: catIdOf(row),
      name: row.subname!,
      namespace: null,
      owner: roleName(ctx, row.subowner),
      info: {
        conninfo: row.subconninfo!,
        slotName: row.subslotname,
        syncCommit: row.subsynccommit!,
        publications: strings(row.subpublications),
        binary: row.subbinary === 't',
        stream: row.substream!,
        twoPhase: row.subtwophasestate!,
        disableOnError: row.subdisableonerr === 't',
        passwordRequired: row.subpasswordrequired === 't',
        runAsOwner: row.subrunasowner === 't',
        origin: row.suborigin!,
        failover: row.subfailover === 't',
      },
    })
    selectObject(ctx, sub)
  }
}
