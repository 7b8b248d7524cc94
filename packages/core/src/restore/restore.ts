// restore(): applies a plain SQL script (pgkeep's or pg_dump's, gzip or not) to a database without
// psql. Plans first when the options need it (clean, tables), guards a non-empty target, runs in one
// transaction by default, and on failure leaves the target as it was (rolled back, or the database it
// created dropped).
import type pg from 'pg'
import { connect, resolveConnection, withDatabaseName, type ConnectionParams, type ResolvedConnection } from '../connection/index'
import { PgkeepError } from '../errors'
import { applyParallel } from './apply-parallel'
import { applyScript, type ApplyResult } from './apply-script'
import { dropCreated, takeInventory, type Inventory } from './created-objects'
import { withMembers, type RangedMembers } from './member-item'
import { abortedError, RestoreWorkers } from './restore-workers'
import type { EntryHeader } from './script-item'
import { checkScript } from './check-script'
import { cleanStatements } from './clean-statements'
import { explainCleanFailure, type FailedDrop } from './clean-failures'
import { createDatabase, dropDatabase, markCreated, unmarkCreated } from './create-database'
import { checkSource, isReopenable, openScript, type RestoreSource } from './open-source'
import { planScript, type ScriptEntry, type ScriptPlan } from './plan-script'
import { refuseNonEmpty } from './refuse-non-empty'
import { resolveRestoreOptions, type RestoreOptions, type RestoreProgress } from './restore-options'
import { entryFilter } from './select-entries'
import { splitScript } from './split-script'
import { ANY_STATEMENT, strictStatementPolicy } from './statement-policy'
import { missingDependencies } from './table-dependencies'
import type { ReplayReport } from './point-in-time'
import { afterCreatedDropped } from './point-in-time'

export interface RestoreSummary {
  database: string
  serverVersion: string
  /** Entries applied, statements run, rows per table. */
  entries: number
  statements: number
  tables: { schema: string; name: string; rows: number }[]
  /** DROP statements run for clean (those that found nothing to drop included). */
  dropped: number
  /** Statements left out for the target (with the reason). */
  skipped: string[]
  /** Bytes of the source read (compressed, if it was). */
  bytesRead: number
  /** backups.restore(): the copy read, 'primary' or a replica's name (see the `replicas` option). */
  copy?: string
  /** backups.restore() of a base backup of the change archive: what was replayed after the base (null with replay: false). */
  replay?: ReplayReport | null
  durationMs: number
}

/**
 * Runs after the script is committed, in the restore's session (backups.restore() replays the change
 * archive there). Its failure fails the restore: a database restore created is dropped; an existing
 * target keeps what the hook committed, which its error must say.
 */
export type AfterScript = (client: pg.Client, progress: (transactions: number) => void) => Promise<ReplayReport>

/** The entries of a script, as pg_restore -l lists an archive's: no database needed. */
export async function listScript(source: RestoreSource): Promise<ScriptEntry[]> {
  // a missing file, a directory, null … is OPTIONS_INVALID, as restore() refuses it
  await checkSource(source, 'script')
  const plan = await planScript(await openScript(source))
  return plan.entries.map(({ section, type, schema, name, owner, dataBytes, line }) => ({ section, type, schema, name, owner, dataBytes, line }))
}

/**
 * Applies the script in `source` to the target. `planSource`, when given, is what the planning pass
 * reads instead of `source` (a selective restore plans from the definitions only). `ranged` (a pgkeep
 * backup read by members, backup/member-script.ts): the members `source`'s marker lines stand for,
 * each read by the session that applies it.
 */
export async function restore(source: RestoreSource, input: RestoreOptions = {}, planSource: RestoreSource = source, after?: AfterScript, ranged?: RangedMembers): Promise<RestoreSummary> {
  const started = Date.now()
  const o = resolveRestoreOptions(input)
  if (o.until !== undefined && !after) {
    throw new PgkeepError('OPTIONS_INVALID', 'until restores a base backup of the change archive to a point in time: use backups.restore(id, { until }) on the backup manager that holds it')
  }
  const env = o.env ?? process.env
  // A bad source is refused before any connection is made or database created.
  await checkSource(source)
  if (planSource !== source) await checkSource(planSource, 'restore plan source')
  const needsPlan = o.clean || (o.tables?.length ?? 0) > 0
  if (needsPlan && planSource === source && !isReopenable(source)) {
    throw new PgkeepError('OPTIONS_INVALID', `${o.clean ? 'clean' : 'tables'} needs a source that can be read twice: a file path, a Buffer, or a function that opens the stream`)
  }
  // Strict restore in one transaction refuses as it goes (the refusal rolls everything back); statement by
  // statement it must read the whole script first, so the source is read twice.
  // With jobs, a refusal is a failure like any other: what was applied is dropped again.
  const scanFirst = !o.allowAnyStatement && !o.singleTransaction && o.jobs === 1
  if (scanFirst && !isReopenable(source)) {
    throw new PgkeepError('OPTIONS_INVALID', 'singleTransaction: false needs a source that can be read twice (a file path, a Buffer, or a function that opens the stream): strict restore checks the whole script before applying any of it', {
      hint: 'keep singleTransaction (the default), or give a file path or an opener function',
    })
  }
  const counter = { bytes: 0 }
  const progress = (p: Omit<RestoreProgress, 'bytesRead'>) => o.onProgress?.({ ...p, bytesRead: counter.bytes })
  progress({ phase: 'planning', entries: 0 })
  let plan: ScriptPlan | null = null
  if (needsPlan) plan = await planScript(await openScript(planSource), { maxStatementBytes: o.maxStatementBytes })
  if (scanFirst) await checkScript(await openScript(source), strictStatementPolicy(), { maxStatementBytes: o.maxStatementBytes })
  let filter = entryFilter(o, plan)

  const target = o.target
  let created: { name: string; maintenance: string | ConnectionParams | undefined } | null = null
  if (o.createDatabase) {
    // A new database, or the empty one a killed restore -C left under this name (marked as pgkeep's).
    await createDatabase(target, o.createDatabase, env, o.signal)
    created = { name: o.createDatabase, maintenance: target }
  }
  let client: pg.Client | null = null
  let inTransaction = false
  let workers: RestoreWorkers | null = null
  let inventory: Inventory | null = null
  const stop = () => workers?.fail(abortedError(o.signal!))
  o.signal?.addEventListener('abort', stop)
  const failedDrops: FailedDrop[] = []
  // resolved once, on first use: every session connects the same way (and skips an SSL attempt refused before)
  let resolvedTarget: ResolvedConnection | null = null
  // Only the first session gives up on the caller's signal: the sessions that undo a failed restore must still connect.
  const connectOne = (signal?: AbortSignal) =>
    connect((resolvedTarget ??= resolveConnection(created ? withDatabaseName(target, created.name) : target, env)), { applicationName: 'pgkeep', signal })
  try {
    client = await connectOne(o.signal)
    const info = await client.query<{ num: string; version: string; db: string }>(
      "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version, current_database() AS db",
    )
    const { num, version, db } = info.rows[0]!
    const targetMajor = Math.floor(Number(num) / 10000)
    // Marked while this session is in it: a rerun after a kill knows the database as its own.
    if (created) await markCreated(client, created.name)
    if (!created && !o.clean && !o.allowNonEmpty && !o.dataOnly) await refuseNonEmpty(client, db)

    if (plan && (o.tables?.length ?? 0) > 0) {
      // Restoring some tables brings the types, functions and schemas they need, where the target lacks them.
      const roots = new Set(plan.entries.filter((e) => filter(e.header)).map((e) => e.line))
      filter = entryFilter(o, plan, await missingDependencies(client, plan, roots))
    }
    if (o.jobs > 1) {
      // What a failure drops again, when the database is not one this restore created.
      if (!created) inventory = await takeInventory(client)
      workers = await RestoreWorkers.open(o.jobs, () => connectOne(), targetMajor)
      if (o.signal?.aborted) stop()
    }
    if (o.singleTransaction) {
      await client.query('BEGIN')
      inTransaction = true
    }
    let dropped = 0
    if (o.clean && plan) {
      progress({ phase: 'cleaning', entries: 0 })
      dropped = await runDrops(client, cleanStatements(plan.entries.filter((e) => filter(e.header))), inTransaction, failedDrops)
    }
    const split = splitScript(await openScript(source, counter), { maxStatementBytes: o.maxStatementBytes })
    const items = ranged ? withMembers(split, ranged) : split
    let entries = 0
    // The schemas the script has entries in (or creates): a `schemas` name among none of them is PATTERN_NO_MATCH
    const scriptSchemas = new Set<string>()
    const selected = filter
    const applyOptions = {
      filter: (header: EntryHeader | null) => {
        if (header?.schema) scriptSchemas.add(header.schema)
        if (header?.type === 'SCHEMA') scriptSchemas.add(header.name)
        return selected(header)
      },
      noOwner: o.noOwner,
      targetMajor,
      policy: o.allowAnyStatement ? ANY_STATEMENT : strictStatementPolicy(),
      allowAnyStatement: o.allowAnyStatement,
      maxStatementBytes: o.maxStatementBytes,
      ...(o.signal ? { signal: o.signal } : {}),
      onEntry: (entry: EntryHeader) => progress({ phase: 'applying', entry: `${entry.type} ${entry.schema ? `${entry.schema}.` : ''}${entry.name}`, entries: ++entries }),
    }
    const applied: ApplyResult = workers
      ? await applyParallel(client, items, { ...applyOptions, workers })
      : await applyScript(client, items, { ...applyOptions, inTransaction })
    // before the commit: like a `tables` name, a schema the script does not hold fails the restore, where
    // it restored nothing (or only the other schemas) and reported success
    const unknownSchemas = (o.schemas ?? []).filter((name) => !scriptSchemas.has(name))
    if (unknownSchemas.length > 0) {
      throw new PgkeepError('PATTERN_NO_MATCH', `the script has no schema named ${unknownSchemas.join(', ')}`, {
        hint: `schemas are exact, case-sensitive names (pg_restore -n), not patterns; listScript() shows the script's entries`,
      })
    }
    // Complete: the mark goes with the commit (at once, without a transaction). With a hook, it stays
    // until the hook is done: a database a killed replay left is marked, and not mistaken for a finished one.
    if (created && !after) await unmarkCreated(client, created.name)
    if (inTransaction) {
      await client.query('COMMIT')
      inTransaction = false
    }
    let replay: ReplayReport | undefined
    if (after) {
      replay = await after(client, (transactions) => progress({ phase: 'replaying', entries: applied.entries, transactions }))
      if (created) await unmarkCreated(client, created.name)
    }
    progress({ phase: 'done', entries: applied.entries })
    return {
      database: db, serverVersion: version, entries: applied.entries, statements: applied.statements, tables: applied.tables,
      dropped, skipped: applied.skipped, bytesRead: counter.bytes, ...(replay ? { replay } : {}), durationMs: Date.now() - started,
    }
  } catch (error) {
    if (client && inTransaction) await client.query('ROLLBACK').catch(() => {})
    await workers?.close()
    let failure = explainCleanFailure(error, failedDrops)
    if (inventory) failure = await undoCreated(client, connectOne, inventory, failure)
    await client?.end().catch(() => {})
    client = null
    if (created) {
      const dropped = await dropDatabase(created.maintenance, created.name, env).then(() => true, () => false)
      if (dropped) failure = afterCreatedDropped(failure)
    }
    throw failure
  } finally {
    o.signal?.removeEventListener('abort', stop)
    await workers?.close()
    await client?.end().catch(() => {})
  }
}

/**
 * A failed parallel restore into an existing database: drops what it created (in the leader's session,
 * or a new one if that one is gone) and says in the error what it could not drop.
 */
async function undoCreated(client: pg.Client | null, connectOne: () => Promise<pg.Client>, inventory: Inventory, failure: unknown): Promise<unknown> {
  let session = client
  let own: pg.Client | null = null
  try {
    try {
      await session!.query('SELECT 1')
    } catch {
      own = await connectOne()
      session = own
    }
    const undo = await dropCreated(session!, inventory)
    if (undo.left.length === 0 || !(failure instanceof PgkeepError)) return failure
    return new PgkeepError(failure.code, `${failure.message}; ${undo.left.length} object${undo.left.length === 1 ? '' : 's'} the restore created could not be dropped again: ${undo.left.slice(0, 5).join(', ')}${undo.left.length > 5 ? ', …' : ''}`, {
      cause: failure.cause,
      ...(failure.hint !== undefined ? { hint: failure.hint } : {}),
    })
  } catch (error) {
    if (!(failure instanceof PgkeepError)) return failure
    return new PgkeepError(failure.code, `${failure.message}; dropping what the restore created failed as well: ${(error as Error).message}`, { cause: failure.cause })
  } finally {
    await own?.end().catch(() => {})
  }
}

/**
 * Runs the DROPs in passes: one that fails because something still depends on it is tried again after
 * the others (the order of a script is not always the order its objects can go). One that never
 * succeeds (an inherited constraint, a partition's index: they go with their table) is left alone, and
 * reported in `failed` with its last error (for the message, should the restore fail on it).
 */
async function runDrops(client: pg.Client, drops: string[], inTransaction: boolean, failed: FailedDrop[]): Promise<number> {
  let pending = drops
  const errors = new Map<string, unknown>()
  for (let pass = 0; pending.length > 0 && pass < 10; pass++) {
    const again: string[] = []
    for (const drop of pending) {
      if (inTransaction) await client.query('SAVEPOINT pgkeep_clean')
      try {
        await client.query(drop)
        if (inTransaction) await client.query('RELEASE SAVEPOINT pgkeep_clean')
      } catch (error) {
        if (inTransaction) await client.query('ROLLBACK TO SAVEPOINT pgkeep_clean')
        errors.set(drop, error)
        again.push(drop)
      }
    }
    if (again.length === pending.length) break
    pending = again
  }
  for (const drop of pending) failed.push({ drop, error: errors.get(drop) })
  return drops.length - pending.length
}
