// Relations (tables, views, matviews, sequences, foreign and partitioned tables, composite types),
// read with only cheap columns and then locked at once: deparsing functions may only be applied to
// relations we hold ACCESS SHARE on (pg_dump's getTables).
import { Component } from '../model/components'
import type { TableObject } from '../model/objects'
import { selectTable } from '../select/dumpable'
import { quoteQualified } from '../emit/quote'
import { eachRow } from '../session/each-row'
import { bool, catIdOf, int } from '../session/pg-text'
import { PgkeepError } from '../errors'
import type { AsideSession } from './aside-session'
import { findNamespace, roleName, type DumpContext } from './context'
import { INDEXES_ASIDE_FROM, isIndexedTable } from './indexes'
import { TableRow } from './table-row'

const LOCK_BATCH_CHARS = 100_000
const LOCK_COMPONENTS = Component.DEFINITION | Component.DATA | Component.POLICY
/** Below this many tables the lock table cannot be the problem (64 × the fewest server processes). */
const LOCK_TABLE_CHECK_FROM = 1000

interface LockTableSize {
  maxLocksPerTransaction: number
  /** Server processes the lock table is sized for (max_connections, workers, WAL senders, prepared transactions). */
  processes: number
}

/**
 * Reads every relation and locks the dumped tables. With an aside session, it is opened as soon as enough
 * indexed tables have been read for the indexes to be read there (prefetchIndexes, once they are locked):
 * connecting then overlaps the rest of this read and the LOCK, where it used to follow them (~40 ms
 * on 2,000 tables).
 */
export async function readTables(ctx: DumpContext, aside: AsideSession | null = null): Promise<void> {
  const lockTargets: string[] = []
  let indexed = 0
  await eachRow(ctx.session, `SELECT c.tableoid, c.oid, c.relname, c.relnamespace, c.relkind, c.reltype, c.relowner, c.relchecks,
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
      ORDER BY c.oid`, [], 'read relations', (row) => {
    const table = ctx.registry.add<TableObject>(new TableRow({
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
      // one copy of each access method's name: as read, every table had its own 'heap' (24 bytes)
      amName: row.amname === null ? null : ctx.registry.intern(row.amname),
      isPartition: bool(row.ispartition),
    }))
    if (table.relkind === 'c') table.dump = Component.NONE
    else selectTable(ctx, table)
    table.interesting = (table.dump & (Component.DEFINITION | Component.DATA)) !== 0
    table.components |= Component.DATA
    if (row.relacl !== null) table.components |= Component.ACL
    ctx.tables.set(table.catId.oid, table)
    ctx.tableList.push(table)
    if (aside && isIndexedTable(table) && ++indexed === INDEXES_ASIDE_FROM) aside.warm()
    // Only definitions, data and policies need the table held (DUMP_COMPONENTS_REQUIRING_LOCK); an
    // ACL-only entry, as for pg_catalog's tables, does not.
    if ((table.dump & LOCK_COMPONENTS) && (table.relkind === 'r' || table.relkind === 'p')) {
      lockTargets.push(quoteQualified(table.namespace!.name, table.name))
    }
  })
  await lockTables(ctx, lockTargets)
}

/** ACCESS SHARE on every dumped table, in batches, failing after the lock-wait timeout if one is set. */
async function lockTables(ctx: DumpContext, names: string[]): Promise<void> {
  if (names.length === 0) return
  const timeout = ctx.options.lockWaitTimeout
  if (timeout !== undefined) await ctx.session.exec(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(timeout))}`)
  // read before locking: once a LOCK fails the transaction cannot be asked anything
  const limits = names.length > LOCK_TABLE_CHECK_FROM ? await readLockTableSize(ctx) : null
  let batch: string[] = []
  let size = 0
  const flush = async () => {
    if (batch.length === 0) return
    try {
      await ctx.session.exec(`LOCK TABLE ${batch.join(', ')} IN ACCESS SHARE MODE`, `lock ${batch.length === 1 ? `table ${batch[0]}` : `${batch.length} tables`}`)
    } catch (error) {
      if (limits && error instanceof PgkeepError && error.code === 'SERVER_LIMIT') throw lockTableFull(names.length, limits, error)
      throw error
    }
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

/** The settings the shared lock table is sized from (max_locks_per_transaction × processes). */
async function readLockTableSize(ctx: DumpContext): Promise<LockTableSize> {
  const [row] = await ctx.session.query(
    `SELECT current_setting('max_locks_per_transaction') AS locks,
            current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int
            + COALESCE(current_setting('autovacuum_worker_slots', true), current_setting('autovacuum_max_workers'))::int
            + current_setting('max_worker_processes')::int + current_setting('max_wal_senders')::int + 1 AS processes`,
    [], 'read the lock table size',
  )
  return { maxLocksPerTransaction: int(row!.locks), processes: int(row!.processes) }
}

/** The lock table filled up: say how many locks the dump needs and which value of the setting holds them. */
function lockTableFull(tables: number, limits: LockTableSize, cause: PgkeepError): PgkeepError {
  const holds = limits.maxLocksPerTransaction * limits.processes
  // room for the dump's tables plus a quarter for every other session, rounded up to a power of two
  const wanted = Math.ceil((tables * 1.25) / limits.processes)
  let needed = limits.maxLocksPerTransaction * 2
  while (needed < wanted) needed *= 2
  return new PgkeepError(
    'SERVER_LIMIT',
    `unable to lock the ${tables} tables to dump: the server's shared lock table is full (it holds about ${holds} locks for all sessions together: max_locks_per_transaction = ${limits.maxLocksPerTransaction} × ${limits.processes} server processes)`,
    {
      cause: cause.cause ?? cause,
      hint: `set max_locks_per_transaction to at least ${needed} (postgresql.conf or ALTER SYSTEM SET max_locks_per_transaction = ${needed}; then restart the server), or dump fewer tables at once (tables/schemas options)`,
    },
  )
}
