// Indexes of dumped tables, with the PRIMARY KEY / UNIQUE / EXCLUDE constraint each one backs, and
// the INDEX ATTACH objects that hang partition indexes under partitioned ones (getIndexes,
// flagInhIndexes).
import type { ConstraintObject, IndexAttachObject, IndexObject, TableObject } from '../model/objects'
import { addDependency } from '../model/registry'
import type { Row } from '../session/dump-session'
import { atLeast, type ServerVersion } from '../session/server-version'
import { bool, catIdOf, int, intList } from '../session/pg-text'
import { oidArray, type DumpContext } from './context'
import { addConstraint } from './add-constraint'
import type { AsideSession } from './aside-session'

/** Indexed tables at or above this count read their indexes on the aside session, when there is one. */
export const INDEXES_ASIDE_FROM = 200

/** The index query started early on the aside session, for the tables known to need it then. */
export interface IndexPrefetch {
  tableOids: number[]
  rows: Promise<Row[] | null>
}

/** A table whose indexes the dump reads: it has some, and its definition or data is dumped. */
export function isIndexedTable(table: TableObject): boolean {
  return table.hasIndex && table.interesting
}

function indexedTables(ctx: DumpContext): TableObject[] {
  return ctx.tableList.filter(isIndexedTable)
}

/**
 * Starts reading the indexes on the aside session once the tables are known and locked; the rows are
 * handled later by readIndexes, at pg_dump's point in the order (dump ids follow creation order).
 */
export function prefetchIndexes(ctx: DumpContext, aside: AsideSession | null): IndexPrefetch | null {
  const tables = indexedTables(ctx)
  if (!aside || tables.length < INDEXES_ASIDE_FROM) return null
  const tableOids = tables.map((t) => t.catId.oid)
  const rows = aside.query(indexQuery(ctx.session.version), [oidArray(tableOids)], 'read indexes')
  // Awaited by readIndexes; a failure must not surface as an unhandled rejection before then.
  rows.catch(() => {})
  return { tableOids, rows }
}

function indexQuery(v: ServerVersion): string {
  return `SELECT t.tableoid, t.oid, i.indrelid, t.relname AS indexname,
            pg_catalog.pg_get_indexdef(i.indexrelid) AS indexdef, i.indkey, i.indisclustered,
            c.contype, c.conname, c.condeferrable, c.condeferred, c.tableoid AS contableoid, c.oid AS conoid,
            pg_catalog.pg_get_constraintdef(c.oid, false) AS condef,
            (SELECT spcname FROM pg_catalog.pg_tablespace s WHERE s.oid = t.reltablespace) AS tablespace,
            t.reloptions AS indreloptions, i.indisreplident, inh.inhparent AS parentidx,
            i.indnkeyatts, i.indnatts,
            (SELECT pg_catalog.array_agg(attnum ORDER BY attnum) FROM pg_catalog.pg_attribute
              WHERE attrelid = i.indexrelid AND attstattarget >= 0) AS indstatcols,
            (SELECT pg_catalog.array_agg(attstattarget ORDER BY attnum) FROM pg_catalog.pg_attribute
              WHERE attrelid = i.indexrelid AND attstattarget >= 0) AS indstatvals,
            ${atLeast(v, 15) ? 'i.indnullsnotdistinct' : 'false AS indnullsnotdistinct'},
            ${atLeast(v, 18) ? 'c.conperiod' : 'NULL AS conperiod'}
       FROM unnest($1::pg_catalog.oid[]) AS src(tbloid)
       JOIN pg_catalog.pg_index i ON (src.tbloid = i.indrelid)
       JOIN pg_catalog.pg_class t ON (t.oid = i.indexrelid)
       JOIN pg_catalog.pg_class t2 ON (t2.oid = i.indrelid)
       LEFT JOIN pg_catalog.pg_constraint c ON (i.indrelid = c.conrelid AND i.indexrelid = c.conindid AND c.contype IN ('p','u','x'))
       LEFT JOIN pg_catalog.pg_inherits inh ON (inh.inhrelid = indexrelid)
      WHERE (i.indisvalid OR t2.relkind = 'p') AND i.indisready
      ORDER BY i.indrelid, indexname`
}

export async function readIndexes(ctx: DumpContext, prefetch: IndexPrefetch | null = null): Promise<void> {
  const tables = indexedTables(ctx)
  if (tables.length === 0) return
  const tableOids = tables.map((t) => t.catId.oid)
  // Tables can become interesting after the prefetch started (an inheritance parent, an extension's
  // configuration table): then the prefetched rows are not the whole answer, and the leader asks again.
  const same = prefetch !== null && prefetch.tableOids.length === tableOids.length && prefetch.tableOids.every((oid, i) => oid === tableOids[i])
  const prefetched = same ? await prefetch.rows : null
  const rows = prefetched ?? (await ctx.session.query(indexQuery(ctx.session.version), [oidArray(tableOids)], 'read indexes'))
  const byOid = new Map<number, IndexObject>()
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.indrelid))!
    const index = ctx.registry.add<IndexObject>({
      kind: 'INDEX',
      catId: catIdOf(row),
      name: row.indexname!,
      namespace: table.namespace,
      table,
      indexDef: row.indexdef!,
      nKeyAttrs: int(row.indnkeyatts),
      nAttrs: int(row.indnatts),
      tablespace: row.tablespace ?? '',
      reloptions: row.indreloptions ?? '',
      statCols: row.indstatcols ?? '',
      statVals: row.indstatvals ?? '',
      keys: intList(row.indkey),
      isClustered: bool(row.indisclustered),
      isReplIdent: bool(row.indisreplident),
      nullsNotDistinct: bool(row.indnullsnotdistinct),
      parentIdx: int(row.parentidx),
      constraintId: 0,
      partAttaches: [],
      dump: table.dump,
    })
    table.indexes.push(index)
    byOid.set(index.catId.oid, index)
    const contype = row.contype
    if (contype === 'p' || contype === 'u' || contype === 'x') {
      const con = addConstraint(ctx, {
        catId: { tableoid: Number(row.contableoid), oid: Number(row.conoid) },
        name: row.conname!,
        table,
        contype,
        condef: contype === 'x' ? row.condef : null,
        indexId: index.dumpId,
        deferrable: bool(row.condeferrable),
        deferred: bool(row.condeferred),
        period: bool(row.conperiod),
        separate: true,
      })
      index.constraintId = con.dumpId
    }
  }
  for (const index of byOid.values()) {
    if (!index.parentIdx) continue
    const parent = byOid.get(index.parentIdx)
    if (!parent) continue
    const con = ctx.registry.get(index.constraintId) as ConstraintObject | undefined
    const parentCon = ctx.registry.get(parent.constraintId) as ConstraintObject | undefined
    if (con?.contype === 'x' && parentCon?.contype === 'x') {
      // ALTER INDEX … ATTACH PARTITION rejects exclusion indexes; the parent's constraint makes them.
      parentCon.cascades = true
      con.parentExclusion = parentCon
      addDependency(con, parentCon.dumpId)
      continue
    }
    const attach = ctx.registry.add<IndexAttachObject>({
      kind: 'INDEX_ATTACH',
      catId: { tableoid: 0, oid: 0 },
      name: index.name,
      namespace: index.table.namespace,
      parentIdx: parent,
      partitionIdx: index,
    })
    addDependency(attach, index.dumpId)
    addDependency(attach, parent.dumpId)
    addDependency(attach, index.table.dumpId)
    addDependency(attach, parent.table.dumpId)
    parent.partAttaches.push(attach)
  }
}
