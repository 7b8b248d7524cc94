// start(): a backup as a handle. Its id is minted here, before any work, so that an HTTP route can
// answer with it at once and follow the backup's `backup:progress` events; `done` settles with the
// record, `cancel()` aborts it (ABORTED; the storage keeps nothing of it). Events and the audit trail
// surround the work; the backups in progress on this instance are listed by runningBackups().
import { randomUUID } from 'node:crypto'
import type { BackupRecord } from '../backup/backup-record'
import { createBackup, type BackupProgress } from '../backup/create-backup'
import type { EncryptionSettings } from '../crypto/encryption-options'
import { isPgkeepError, PgkeepError } from '../errors'
import { holdDumpHeapFlags } from '../memory/dump-heap-flags'
import { upsertRecord } from '../history/history-table'
import { resolveCreateOptions, type CreateBackupOptions } from '../manager-options'
import type { DumpOptions } from '../options'
import type { ManagerContext } from './context'
import type { BackupProgressEvent } from './events'
import type { BackupManifest } from '../manifest/manifest'
import { withLock } from './locks'
import { admitManualBackup } from './rate-limit'
import { replicateBackup } from './replicate'

export interface BackupHandle {
  /** The id the backup's record will have; known before the dump starts. */
  id: string
  /** The record once the backup is stored; rejects with the PgkeepError that stopped it (RATE_LIMITED, ABORTED, …). */
  done: Promise<BackupRecord>
  /** Stops the backup: `done` rejects with ABORTED and nothing of it stays in storage. No effect once it has settled. */
  cancel(reason?: string): void
}

/**
 * The base backup of a change archive (manager.archive()): dumped in the snapshot the slot exported, with
 * `changes` in its manifest. It is not counted against the rate limit of manual backups.
 */
export interface ArchiveBase {
  snapshot: string
  changes: NonNullable<BackupManifest['changes']>
}

/** A backup this manager instance is writing now. */
export interface RunningBackup {
  id: string
  type: 'manual' | 'scheduled'
  actor: string | null
  startedAt: Date
}

/**
 * Starts a backup. Invalid options throw OPTIONS_INVALID at once; every other refusal or failure,
 * RATE_LIMITED included, rejects `done` (the rate limit is read from the history, which takes a moment).
 * A rejection of `done` that nobody awaits is not reported as unhandled.
 */
export function startBackup(ctx: ManagerContext, input: CreateBackupOptions, base?: ArchiveBase): BackupHandle {
  const c = resolveCreateOptions(input)
  const id = randomUUID()
  const controller = new AbortController()
  const signal = c.signal ? AbortSignal.any([c.signal, controller.signal]) : controller.signal
  const done = runBackup(ctx, c, id, signal, base)
  done.catch(() => {})
  return { id, done, cancel: (reason) => controller.abort(reason ?? 'cancel() was called') }
}

/** The backups this instance is writing now (admitted, started, not yet settled), oldest first. */
export function runningBackups(ctx: ManagerContext): RunningBackup[] {
  return [...runningOf(ctx).values()].map((b) => ({ ...b }))
}

// --- internal ---

const running = new WeakMap<ManagerContext, Map<string, RunningBackup>>()

function runningOf(ctx: ManagerContext): Map<string, RunningBackup> {
  let map = running.get(ctx)
  if (!map) running.set(ctx, (map = new Map()))
  return map
}

type CreateInput = ReturnType<typeof resolveCreateOptions>

/** The dump options of the manager plus this call's selection; events and audit around the backup. */
function runBackup(ctx: ManagerContext, c: CreateInput, id: string, signal: AbortSignal, archiveBase?: ArchiveBase): Promise<BackupRecord> {
  const base = ctx.options.dump
  const dumpOptions: DumpOptions = {
    ...base,
    ...(ctx.connection !== undefined ? { connection: ctx.connection } : {}),
    ...(c.tables ? { tables: c.tables } : {}),
    ...(c.excludeTables ? { excludeTables: [...(base.excludeTables ?? []), ...c.excludeTables] } : {}),
    ...(c.schemas ? { schemas: c.schemas } : {}),
    ...(c.excludeSchemas ? { excludeSchemas: [...(base.excludeSchemas ?? []), ...c.excludeSchemas] } : {}),
    ...(c.excludeTableData ? { excludeTableData: [...(base.excludeTableData ?? []), ...c.excludeTableData] } : {}),
    ...(archiveBase ? { snapshot: archiveBase.snapshot } : {}),
  }
  const actor = c.actor
  // The dump's V8 settings (memory/dump-heap-flags.ts) from the backup's first step, not only while the dump
  // runs: the rate limit's and the lock's queries, the storage's and the dump's setup allocate before it, and
  // a young-generation collection there doubled the young generation in one plain-node backup of four
  // (+10–14 MB of heap that V8 keeps to the end). Holds nest: the dump's own is taken inside this one.
  const releaseHeapFlags = holdDumpHeapFlags(ctx.options.gcPacing)
  return ctx.audited('create', actor, (r: BackupRecord) => r.id, async () => {
    if (signal.aborted) throw cancelled(signal)
    // Manual backups only, before any work (a refusal is audited as such); nothing may fail between it and backup:start.
    if (c.type === 'manual' && !archiveBase) await admitManualBackup(ctx, actor, id)
    const startedAt = ctx.now()
    runningOf(ctx).set(id, { id, type: c.type, actor, startedAt })
    ctx.events.emit('backup:start', { id, type: c.type, actor, createdBy: actor, at: startedAt })
    const progress = progressEvents(ctx)
    try {
      // Held shared for the whole backup: cleanup (exclusive) never runs while a backup is being written.
      const locked = await withLock(ctx, 'backup', 'shared', () => createBackup({
        id,
        storage: ctx.storage,
        keyPrefix: ctx.options.keyPrefix,
        namePrefix: ctx.options.namePrefix,
        compressionLevel: ctx.options.compressionLevel,
        ...(ctx.options.encryption ? { encryption: ctx.options.encryption as EncryptionSettings } : {}),
        ...(ctx.options.signing ? { signing: ctx.options.signing } : {}),
        maxSizeBytes: ctx.options.maxSizeBytes ?? null,
        gcPacing: ctx.options.gcPacing,
        dumpOptions,
        type: c.type,
        createdBy: actor,
        ...(c.scheduledFor ? { scheduledFor: c.scheduledFor } : {}),
        env: ctx.env,
        now: ctx.now,
        onProgress: (p) => {
          c.onProgress?.(p)
          progress(p)
        },
        signal,
        ...(archiveBase ? { changes: archiveBase.changes } : {}),
      }), signal)
      if (!locked.acquired) throw new PgkeepError('INTERNAL', 'the backup lock was not granted')
      const manifest = locked.value
      ctx.index.remember(manifest)
      // Copies into the replicas, after the backup is complete in the primary; a failed copy is a status, never the backup's failure.
      if (ctx.replicas.length > 0) await replicateBackup(ctx, manifest)
      const record = await ctx.record(manifest)
      await ctx.withHistory((client, table) => upsertRecord(client, table, record))
      runningOf(ctx).delete(id)
      ctx.events.emit('backup:success', { record })
      return record
    } catch (caught) {
      // A cancel seen while the lock's session was still connecting is said as any cancelled backup is.
      const error = signal.aborted && isPgkeepError(caught, 'ABORTED') ? cancelled(signal) : caught
      runningOf(ctx).delete(id)
      ctx.events.emit('backup:failure', {
        id, type: c.type, actor, createdBy: actor, at: ctx.now(),
        code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error),
        ...(isPgkeepError(error) && error.hint ? { hint: error.hint } : {}),
      })
      throw error
    }
  }, (r) => ({ size: r.size, type: r.type })).finally(releaseHeapFlags)
}

function cancelled(signal: AbortSignal): PgkeepError {
  const reason: unknown = signal.reason
  return new PgkeepError('ABORTED', `the backup was cancelled${typeof reason === 'string' ? `: ${reason}` : ''}`, { cause: reason })
}

/**
 * Turns the backup's progress reports into `backup:progress` events: one whenever the phase, the table,
 * the tables done or the whole percentage changes (without an estimate: every MiB), not one per chunk.
 */
function progressEvents(ctx: ManagerContext): (p: BackupProgress) => void {
  let last: BackupProgressEvent | null = null
  return (p) => {
    const percent = p.phase === 'done' ? 100 : p.bytesTotal > 0 ? Math.min(99, Math.floor((p.bytesDone * 100) / p.bytesTotal)) : undefined
    const event: BackupProgressEvent = {
      id: p.id, phase: p.phase, ...(p.table !== undefined ? { table: p.table } : {}), tablesDone: p.tablesDone, tablesTotal: p.tablesTotal,
      bytes: p.bytesDone, ...(p.bytesTotal > 0 ? { totalBytes: p.bytesTotal } : {}), ...(percent !== undefined ? { percent } : {}),
      storedBytes: p.storedBytes, at: ctx.now(),
    }
    const changed = last === null || event.phase !== last.phase || event.table !== last.table || event.tablesDone !== last.tablesDone
      || event.tablesTotal !== last.tablesTotal || event.percent !== last.percent || (percent === undefined && event.bytes - last.bytes >= 1 << 20)
    if (!changed) return
    last = event
    ctx.events.emit('backup:progress', event)
  }
}
