// Relations (tables, views, matviews, sequences, foreign and partitioned tables, composite types),
// read with only cheap columns and then locked at once: deparsing functions may only be applied to
// relations we hold ACCESS SHARE on (pg_dump's getTables).
import { Component } from '../model/components'
import type { TableObject } from '../model/objects'
import { selectTable } from '../select/dumpable'
import { quoteQualified } from '../emit/quote'
import { bool, catIdOf, int } from '../session/pg-text'
import { findNamespace, roleName, type DumpContext } from './context'

const LOCK_BATCH_CHARS = 100_000
const LOCK_COMPONENTS = Component.DEFINITION | Component.DATA | Component.POLICY

export async function readTables(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT c.tableoid, c.oid, c.relname, c.relnamespace, c.relkind, c.reltype, c.relowner, c.relchecks,
            c.relhasindex, c.relhasrules, c.relpages, c.reltuples, c.relhastriggers, c.relpersistence,
            c.reloftype, c.relacl,
            pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's'::"char" ELSE 'r'::"char" END, c.relowner) AS acldefault,
            CASE WHEN c.relkind = 'f' THEN (SELECT ftserver FROM pg_catalog.pg_foreign_table WHERE ftrelid = c.oid) ELSE 0 END AS foreignserver,
            tc.relpages AS toastpages, tc.reloptions AS toast_reloptions,
            d.refobjid AS owning_tab, d.refobjsubid AS owning_col, tsp.spcname AS reltablespace,
            c.relispopulated, c.relreplident, c.relrowsecurity, c.relforcerowsecurity,
            array_remove(array_remove(c.reloptions, 'check_option=local'), 'check_option=cascaded') AS reloptions,
            CASE WHEN 'check_option=local' = ANY (c.reloptions) THEN 'LOCAL'::text
                 WHEN 'check_option=cascaded' = ANY (c.reloptions) THEN 'CASCADED'::text ELSE NULL END AS checkoption,
            am.amname, (d.deptype = 'i') IS TRUE AS is_identity_sequence, c.relispartition AS ispartition
       FROM pg_catalog.pg_class c
       LEFT JOIN pg_catalog.pg_depend d ON (c.relkind = 'S' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND d.objid = c.oid AND d.objsubid = 0 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i'))
       LEFT JOIN pg_catalog.pg_tablespace tsp ON (tsp.oid = c.reltablespace)
       LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
       LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid AND tc.relkind = 't' AND c.relkind <> 'p')
      WHERE c.relkind IN ('r', 'S', 'v', 'c', 'm', 'f', 'p')
      ORDER BY c.oid`,
    [], 'read relations',
  )

  const lockTargets: string[] = []
  for (const row of rows) {
    const table = ctx.registry.add<TableObject>({
      kind: 'TABLE',
      catId: catIdOf(row),
      name: row.relname!,
      namespace: findNamespace(ctx, row.relnamespace),
      owner: roleName(ctx, row.relowner),
      dacl: { acl: row.relacl, aclDefault: row.acldefault! },
      relkind: row.relkind!,
      reltype: int(row.reltype),
      relchecks: int(row.relchecks),
      hasIndex: bool(row.relhasindex),
      hasRules: bool(row.relhasrules),
      hasTriggers: bool(row.relhastriggers),
      relpages: int(row.relpages),
      reltuples: Number(row.reltuples ?? 0),
      toastPages: int(row.toastpages),
      diskBytes: 0,
      owningTab: int(row.owning_tab),
      owningCol: int(row.owning_col),
      isIdentitySequence: bool(row.is_identity_sequence),
      tablespace: row.reltablespace ?? '',
      persistence: row.relpersistence!,
      isPopulated: bool(row.relispopulated),
      replIdent: row.relreplident!,
      rowSecurity: bool(row.relrowsecurity),
      forceRowSecurity: bool(row.relforcerowsecurity),
      reloptions: row.reloptions ?? '',
      toastReloptions: row.toast_reloptions ?? '',
      checkOption: row.checkoption,
      ofType: int(row.reloftype),
      foreignServer: int(row.foreignserver),
      amName: row.amname,
      isPartition: bool(row.ispartition),
      interesting: false,
      dummyView: false,
      postponedDef: false,
      hasColumnAcls: false,
      unsafePartitions: false,
      parents: [],
      columns: [],
      checks: [],
      indexes: [],
      dataObj: null,
    })
    if (table.relkind === 'c') table.dump = Component.NONE
    else selectTable(ctx, table)
    table.interesting = (table.dump & (Component.DEFINITION | Component.DATA)) !== 0
    table.components |= Component.DATA
    if (row.relacl !== null) table.components |= Component.ACL
    ctx.tables.set(table.catId.oid, table)
    ctx.tableList.push(table)
    // Only definitions, data and policies need the table held (DUMP_COMPONENTS_REQUIRING_LOCK); an
    // ACL-only entry, as for pg_catalog's tables, does not.
    if ((table.dump & LOCK_COMPONENTS) && (table.relkind === 'r' || table.relkind === 'p')) {
      lockTargets.push(quoteQualified(table.namespace!.name, table.name))
    }
  }
  await lockTables(ctx, lockTargets)
}

/** ACCESS SHARE on every dumped table, in batches, failing after the lock-wait timeout if one is set. */
async function lockTables(ctx: DumpContext, names: string[]): Promise<void> {
  if (names.length === 0) return
  const timeout = ctx.options.lockWaitTimeout
  if (timeout !== undefined) await ctx.session.exec(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(timeout))}`)
  let batch: string[] = []
  let size = 0
  const flush = async () => {
    if (batch.length === 0) return
    await ctx.session.exec(`LOCK TABLE ${batch.join(', ')} IN ACCESS SHARE MODE`, `lock ${batch.length === 1 ? `table ${batch[0]}` : `${batch.length} tables`}`)
    batch = []
    size = 0
  }
  for (const name of names) {
    batch.push(name)
    size += name.length + 2
    if (size >= LOCK_BATCH_CHARS) await flush()
  }
  await flush()
  if (timeout !== undefined) await ctx.session.exec('SET LOCAL lock_timeout = 0')
}

/** Owned sequences follow their table: identity sequences exactly, serial ones additionally. */
export function markOwnedSequences(ctx: DumpContext): void {
  for (const seq of ctx.tableList) {
    if (!seq.owningTab) continue
    const owner = ctx.tables.get(seq.owningTab)
    if (!owner) continue
    if (seq.isIdentitySequence) seq.dump = owner.dump
    else seq.dump |= owner.dump
    if (seq.dump !== Component.NONE) {
      seq.interesting = true
      owner.interesting = true
    }
  }
}
