// Indexes of dumped tables, with the PRIMARY KEY / UNIQUE / EXCLUDE constraint each one backs, and
// the INDEX ATTACH objects that hang partition indexes under partitioned ones (getIndexes,
// flagInhIndexes).
import type { ConstraintObject, IndexAttachObject, IndexObject } from '../model/objects'
import { addDependency } from '../model/registry'
import { atLeast } from '../session/server-version'
import { bool, catIdOf, int, intList } from '../session/pg-text'
import { oidArray, type DumpContext } from './context'
import { addConstraint } from './add-constraint'

export async function readIndexes(ctx: DumpContext): Promise<void> {
  const tables = ctx.tableList.filter((t) => t.hasIndex && t.interesting)
  if (tables.length === 0) return
  const v = ctx.session.version
  const rows = await ctx.session.query(
    `SELECT t.tableoid, t.oid, i.indrelid, t.relname AS indexname,
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
      ORDER BY i.indrelid, indexname`,
    [oidArray(tables.map((t) => t.catId.oid))], 'read indexes',
  )
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
