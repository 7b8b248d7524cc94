// The backup manager the adapters and most applications use: create, list, get, download, presign,
// restore, verify and remove backups of one database in one storage, with the history kept as manifests
// in that storage (and, optionally, mirrored into a table of the database). Every operation is recorded
// in the audit trail and announced as an event. Each feature lives in its own module under manager/.
import { Readable } from 'node:stream'
import { manifestKeyOf, pinKeyOf, verifyKeyOf } from './backup/backup-name'
import { copiesKeyOf, forgetCopies } from './manager/copies-status'
import { locateBackup } from './manager/replica-fallback'
import { replicateAll, type ReplicateOptions, type ReplicateResult } from './manager/replicate'
import { resolveVerifyJobs, verifyStoredBackup, type VerifyCallOptions } from './manager/verify-copy'
import type { BackupRecord } from './backup/backup-record'
import { memberScript, readableByMembers } from './backup/member-script'
import { restoreSources } from './crypto/encrypted-source'
import { decryptionKeys } from './crypto/encryption-options'
import type { VerifyReport } from './backup/verify-backup'
import { checkedMembers, checkedWhole, readThrough } from './backup/checked-source'
import { chosenMembers } from './backup/backup-source'
import { distrustOf, trustBackup } from './manager/trust'
import { PgkeepError } from './errors'
import { parseOptions } from './parse-options'
import { deleteRecord, historyTableSql, replaceRecords } from './history/history-table'
import { actorOf, type Actor, type AuditAction, type AuditEvent } from './manager/audit-log'
import { resolveAuditLogOptions } from './manager/audit-log-options'
import { createManagerContext, type ManagerContext } from './manager/context'
import { withAvailableLock } from './manager/locks'
import { openDownload, type BackupDownload, type DownloadOptions } from './manager/download'
import { presignDownload, type DownloadUrl } from './manager/download-url'
import { runningBackups, startBackup, type BackupHandle, type RunningBackup } from './manager/start-backup'
import { cleanupBackups, type CleanupResult } from './manager/cleanup'
import { dropArchiveSlot, startArchive, type ArchiveHandle, type DropArchiveResult } from './manager/archive'
import type { ArchiveOptions } from './manager/archive-options'
import { compareStoredBackups } from './manager/compare'
import type { BackupDiff } from './compare/backup-diff'
import { applyLifecycle, type LifecycleOptions, type LifecycleRuleResult } from './manager/lifecycle'
import { pinBackup, unpinBackup } from './manager/pins'
import { removeChain } from './manager/remove-chain'
import { attachAlerts, checkAlerts, type AlertEvent } from './manager/alerts'
import { createMetrics, type BackupMetrics } from './manager/metrics'
import { attachWebhooks } from './manager/webhooks'
import { attachEmailNotifications } from './notify/email-notifications'
import { startSchedule, type ScheduleHandle } from './schedule/schedule'
import type { ScheduleOptions } from './schedule/schedule-options'
import type { CleanupOptions } from './retention/retention-options'
import type { ManagerEventName, ManagerEvents } from './manager/events'
import type { BackupManifest } from './manifest/manifest'
import { resolveManagerOptions, type BackupManagerOptions, type CreateBackupOptions } from './manager-options'
import { listScript, restore, type RestoreSummary } from './restore/restore'
import type { ScriptEntry } from './restore/plan-script'
import { LatestOptionsSchema, resolveRestoreOptions, type RestoreOptions } from './restore/restore-options'
import { replayAfterRestore } from './manager/replay-after-restore'
import { latestBackup } from './manager/latest-backup'
import type { StorageDriver } from './storage/driver'

export type { Actor } from './manager/audit-log'
export type { BackupDownload, DownloadOptions } from './manager/download'
export type { DownloadUrl } from './manager/download-url'
export type { BackupHandle, RunningBackup } from './manager/start-backup'
export type { ArchiveHandle, ArchiveStatus, ArchiveSummary, DropArchiveResult } from './manager/archive'
export type { ArchiveOptions } from './manager/archive-options'

export interface RestoreConfirm {
  /**
   * The backup's filename as the person restoring typed it: another one refuses the restore with
   * OPTIONS_INVALID before anything is read or applied, audited as refused like every other refusal.
   */
  confirm?: string
}

export interface BackupManager {
  readonly storage: StorageDriver
  /** Whether downloadUrl() can hand out presigned URLs (the storage supports it). */
  readonly canPresign: boolean
  /**
   * Whether a signing key is configured: download() checks a backup's bytes against its signed sha256
   * as they stream, which a presigned URL cannot do (its bytes come straight from the storage), so the
   * routes hand out their own checked download link instead.
   */
  readonly checksDownloads: boolean
  /**
   * Why the manager would refuse to use the backup of this record (restore, verify, download, compare)
   * under its signing key: tampered with, signed with a key not configured, or unsigned while
   * `signing.require` is on; null when it would use it (always, without a signing key). The routes'
   * `trusted`, cleanup's `untrusted`.
   */
  distrust(record: Pick<BackupRecord, 'signature'>): string | null
  /**
   * Starts a backup and answers at once with its id (minted before any work), `done` (the record) and
   * `cancel()`. Invalid options throw OPTIONS_INVALID here; RATE_LIMITED and every failure reject `done`.
   * `backup:start`, `backup:progress` and the onProgress reports carry the id.
   */
  start(options?: CreateBackupOptions): BackupHandle
  /** start(options).done: a backup, resolved with its record once stored. */
  create(options?: CreateBackupOptions): Promise<BackupRecord>
  /** This instance's backups in progress (started and not yet stored or failed), oldest first. */
  running(): RunningBackup[]
  /** Completed backups, newest first. */
  list(options?: { limit?: number; before?: Date }): Promise<BackupRecord[]>
  get(id: string): Promise<BackupRecord>
  /**
   * The newest backup a restore would use, or null when there is none: newest first, passing over partial
   * backups (a selection, schema only or data only) and, under a signing key, those it does not trust
   * (distrust()). What `pgkeep restore latest`, `pgkeep verify latest` and `pgkeep download latest` take.
   * With `until` (restore()'s: a Date, `{ lsn }` or `{ xid }`): only base backups of the change archive
   * count, the newest whose window starts at or before that point (any, for an xid); restore() then says
   * whether the window reaches it.
   */
  latest(options?: { until?: Date | { lsn: string } | { xid: number } }): Promise<BackupRecord | null>
  /** The manifest: tables with rows, checksums and member offsets, options, totals. */
  manifest(id: string): Promise<BackupManifest>
  /**
   * The stored `.sql.gz` (an encrypted backup's `.sql.gz.age` as stored: `age -d` decrypts it) as a
   * stream, with the record, filename, full size and content type; with `range`, only those bytes
   * (OPTIONS_INVALID when it starts past the end). Audited when the stream ends, fails or is closed early.
   */
  openDownload(id: string, options?: DownloadOptions): Promise<BackupDownload>
  /** openDownload(id, options) without the details: the stream alone. */
  download(id: string, options?: Actor): Promise<Readable>
  /**
   * The entries of a stored backup's script (listScript() of it), read as restore() reads it: from a
   * replica when the primary's copy is unreachable, its signature checked, and an encrypted one decrypted
   * with `decryption` (DECRYPTION_FAILED when no key given opens it). Touches no database; audited as a download.
   */
  listEntries(id: string, options?: Actor): Promise<ScriptEntry[]>
  /**
   * A presigned URL (default one hour). STORAGE_UNSUPPORTED when the storage cannot presign. With replicas
   * that presign, a URL of the first replica holding the backup when the primary's copy is unreachable or
   * missing, as download() reads it (`copy` names it).
   */
  downloadUrl(id: string, options?: { expiresIn?: number } & Actor): Promise<DownloadUrl>
  /** Removes the backup: manifest first (so it stops being listed), then the dump. */
  remove(id: string, options?: Actor): Promise<void>
  /** The SQL that creates the history table (for the app's own migrations). */
  historyTableSql(): string | null
  /** Rewrites the history table from the manifests in storage. */
  rebuildHistory(): Promise<number>
  /**
   * Restores a backup into `target` (default: the manager's database; it refuses a non-empty one
   * unless `clean` or `allowNonEmpty`). With `tables`, only the definitions and those tables' members
   * are read from storage (ranged reads); `bytesRead` says how much. A base backup of the change archive
   * (its manifest has `changes`) is restored, then its chain's archived transactions are replayed: all of
   * them, or with `until` (a Date, `{ lsn }` or `{ xid }`) those committed up to that point; `replay: false`
   * restores the base alone. `replay` in the result says what was replayed.
   */
  restore(id: string, options?: Omit<RestoreOptions, 'env'> & Actor & RestoreConfirm): Promise<RestoreSummary>
  /**
   * Restores the backup into a scratch database on the manager's server (created, then dropped) and
   * compares each table's rows and content hash, and each sequence, with the manifest. The result is
   * kept beside the backup and in the history table, and shows as `verified` in records. With `jobs`
   * above 1 the scratch restore is a parallel one (as restore's `jobs`; a plain backup read by members).
   */
  verify(id: string, options?: VerifyCallOptions & Actor): Promise<VerifyReport>
  /**
   * What changed from backup `a` to backup `b`: schema entries added, removed or changed (from each
   * dump's definitions), tables whose rows or content changed and sequence values (from the manifests;
   * no row data is read), sizes, server versions and options.
   */
  compare(a: string, b: string): Promise<BackupDiff>
  /** The audit trail, newest first. OPTIONS_INVALID for a limit that is not a whole number from 1, an unknown action or an invalid date. */
  auditLog(options?: { limit?: number; since?: Date; action?: AuditAction; target?: string }): Promise<AuditEvent[]>
  /**
   * Applies the retention policy (option `retention`; `daysToKeep` overrides its maxAgeDays for this
   * call) and deletes what it does not keep. Never while a backup is being written: then `busy: true`.
   */
  cleanup(options?: CleanupOptions): Promise<CleanupResult>
  /**
   * Writes the bucket lifecycle rule for the backups' prefix (S3 stores that have lifecycle rules; else
   * STORAGE_UNSUPPORTED): abort unfinished multipart uploads after a day and, with `expireAfterDays`, a
   * backstop expiration later than the retention policy's age limit. Retention never depends on it.
   */
  lifecycle(options?: LifecycleOptions): Promise<LifecycleRuleResult>
  /** Keeps a backup through every cleanup (remove() still removes it). */
  pin(id: string, options?: Actor): Promise<BackupRecord>
  unpin(id: string, options?: Actor): Promise<BackupRecord>
  /**
   * Backs up and cleans up on a cron schedule (default: backup daily at 02:00, cleanup Sundays at 03:00),
   * each occurrence once across the instances sharing the database and storage. stop() the handle to end it.
   */
  schedule(options?: ScheduleOptions): ScheduleHandle
  /** Counters since the manager was created (backups by type and outcome, durations, sizes, deletions, …) and what history and storage hold now. */
  metrics(): Promise<BackupMetrics>
  /** metrics() in the Prometheus text exposition format. */
  metricsText(): Promise<string>
  /** Checks the `alerts` thresholds (storage quota, hours without a successful backup) now; emits and returns the alerts that hold. */
  checkAlerts(): Promise<AlertEvent[]>
  /**
   * Makes every missing copy in the replicas (option `replicas`): copies that failed, were never made (a
   * replica added later: older backups are back-filled) or, with `check`, do not hash to the manifest's
   * sha256 (removed and made again). Copies in place are left alone. Each schedule run does it too.
   */
  replicate(options?: ReplicateOptions & Actor): Promise<ReplicateResult>
  /**
   * Starts the change archiver for point-in-time recovery (option `archive`, which `options` overrides):
   * checks the prerequisites, resumes the newest chain whose slot exists or begins one (a slot with an
   * exported snapshot and a backup dumped in it), then stores the slot's transactions as segments beside
   * that backup until stop(). Once per storage folder across instances (CONFLICT otherwise). Invalid options
   * throw OPTIONS_INVALID at once; every other failure rejects `done`. See README "Point-in-time recovery".
   */
  archive(options?: ArchiveOptions): ArchiveHandle
  /**
   * Drops the archive's replication slot without an archiver running (CONFLICT while one runs): the server
   * stops keeping WAL for it; stored chains stay restorable up to their end, and the next archive() begins a new chain.
   */
  dropArchiveSlot(options?: Pick<ArchiveOptions, 'slot' | 'actor'>): Promise<DropArchiveResult>
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends ManagerEventName>(event: E, listener: (payload: ManagerEvents[E]) => void | Promise<void>): () => void
}


export function createBackupManager(options: BackupManagerOptions): BackupManager {
  const ctx = createManagerContext(resolveManagerOptions(options))
  const { storage, index, events } = ctx
  // Subscribed before anything can emit: metrics count from the first event; webhooks, e-mails and alerts follow every backup.
  const metrics = createMetrics(ctx)
  attachWebhooks(ctx)
  attachEmailNotifications(ctx)
  attachAlerts(ctx)

  return {
    storage,
    canPresign: typeof storage.presign === 'function',
    checksDownloads: ctx.options.signing !== undefined,
    distrust: (record) => distrustOf(ctx.options.signing, record.signature),
    start: (input = {}) => startBackup(ctx, input),
    create: async (input = {}) => startBackup(ctx, input).done,
    running: () => runningBackups(ctx),

    async list(listOptions = {}) {
      if (listOptions.limit !== undefined && !(Number.isInteger(listOptions.limit) && listOptions.limit > 0)) {
        throw new PgkeepError('OPTIONS_INVALID', `list limit must be a positive whole number, not ${listOptions.limit}`)
      }
      if (listOptions.before !== undefined && !(listOptions.before instanceof Date && !Number.isNaN(listOptions.before.getTime()))) {
        throw new PgkeepError('OPTIONS_INVALID', 'list before must be a valid Date')
      }
      return Promise.all((await index.list(listOptions)).map(ctx.record))
    },

    async get(id) {
      return ctx.record(await ctx.find(id))
    },

    async latest(o = {}) {
      const { until } = parseOptions(LatestOptionsSchema, o, 'latest')
      const manifest = await latestBackup(ctx, until)
      return manifest ? ctx.record(manifest) : null
    },

    manifest: ctx.find,

    openDownload: (id, o) => openDownload(ctx, id, o),
    download: async (id, o) => (await openDownload(ctx, id, { ...(o ? { actor: o.actor } : {}) })).stream,

    listEntries: (id, o) =>
      ctx.audited('download', actorOf(o), id, async () => {
        const { manifest, storage: from } = await locateBackup(ctx, id, 'download')
        const trusted = trustBackup(ctx, manifest, 'download')
        const { source } = await restoreSources(from, manifest, [], { bytes: 0 }, decryptionKeys(ctx.options))
        return listScript(trusted ? checkedWhole(source, manifest) : source)
      }, (entries) => ({ entries: entries.length })),

    downloadUrl: (id, o = {}) =>
      ctx.audited('presign', actorOf(o), id, () => presignDownload(ctx, id, o.expiresIn), (r) => ({ expiresAt: r.expiresAt.toISOString() })),

    remove: (id, o) =>
      ctx.audited('remove', actorOf(o), id, async () => {
        const manifest = await ctx.find(id)
        await removeBackup(ctx, manifest)
        events.emit('backup:removed', { id: manifest.id, actor: actorOf(o), at: ctx.now() })
      }),

    historyTableSql: () => (ctx.historyTable ? historyTableSql(ctx.historyTable) : null),

    async rebuildHistory() {
      const records = await Promise.all((await index.list()).map(ctx.record))
      await ctx.withHistory((client, table) => replaceRecords(client, table, records))
      return records.length
    },

    restore: (id, o = {}) =>
      ctx.audited('restore', actorOf(o), id, async () => {
        const { actor: _actor, confirm, ...options } = o
        const resolved = resolveRestoreOptions({ ...options, env: ctx.env })
        const { until: _until, replay: _replay, ...restoreOptions } = options
        // The primary's copy, or a replica's when the primary's is unreachable or missing.
        const { manifest, storage: from, copy } = await locateBackup(ctx, id, 'restore')
        if (confirm !== undefined && confirm !== manifest.filename) throw new PgkeepError('OPTIONS_INVALID', 'confirm must be the filename of the backup being restored')
        const trusted = trustBackup(ctx, manifest, 'restore')
        // A base backup of the change archive: the window and the segments are checked before anything is applied.
        const after = await replayAfterRestore(ctx, manifest, resolved)
        const counter = { bytes: 0 }
        const tables = restoreOptions.tables ?? []
        // An encrypted backup is read whole and decrypted (its member offsets are in the decrypted stream); a wrong key fails here.
        let { source, plan } = await restoreSources(from, manifest, tables, counter, decryptionKeys(ctx.options))
        if (trusted) {
          // A signed backup's bytes are checked against the signed checksums before anything is applied,
          // and again as they are applied (a change in between fails the restore, which is then rolled back).
          const whole = tables.length === 0
          const checkedSource = whole ? checkedWhole(source, manifest) : checkedMembers(source, manifest, chosenMembers(manifest, tables))
          plan = whole ? checkedSource : checkedMembers(plan, manifest, chosenMembers(manifest, tables, false))
          source = checkedSource
          await readThrough(source)
        }
        // With jobs, a plain backup is read by members: each worker reads (ranged) and inflates its own tables.
        const byMembers = resolved.jobs > 1 && readableByMembers(manifest) ? memberScript(from, manifest, counter, { checked: trusted, tables }) : null
        const apply = () => byMembers
          ? restore(byMembers.leader, { target: ctx.connection, ...restoreOptions, env: ctx.env }, plan, after, byMembers.members)
          : restore(source, { target: ctx.connection, ...restoreOptions, env: ctx.env }, plan, after)
        const summary = restoreOptions.target === undefined && restoreOptions.createDatabase === undefined ? await intoOwnDatabase(ctx, apply) : await apply()
        return { ...summary, ...(manifest.changes && !after ? { replay: null } : {}), bytesRead: counter.bytes, ...(ctx.replicas.length > 0 ? { copy } : {}) }
      }, (s) => ({ database: s.database, tables: s.tables.length, bytesRead: s.bytesRead, ...(s.replay ? { replayed: s.replay.transactions, until: s.replay.lastCommitAt } : {}) })),

    verify: (id, o) =>
      ctx.audited('verify', actorOf(o), id, () => verifyStoredBackup(ctx, id, resolveVerifyJobs(o)), (r) => ({ ok: r.ok, ...(r.error ? { error: r.error.code } : {}), ...(r.copy ? { copy: r.copy } : {}) })),

    replicate: (o = {}) =>
      ctx.audited('replicate', actorOf(o), null, () => replicateAll(ctx, { ...(o.check !== undefined ? { check: o.check } : {}) }), (r) => ({
        backups: r.backups, copied: r.copied.length, failed: r.failed.length, inPlace: r.inPlace, ...(r.skipped ? { skipped: r.skipped.length } : {}), ...(r.damaged.length > 0 ? { damaged: r.damaged } : {}),
      })),

    compare: (a, b) => compareStoredBackups(ctx, a, b),
    auditLog: async (o) => ctx.audit.read(resolveAuditLogOptions(o)),
    cleanup: (o) => cleanupBackups(ctx, o, removeBackup),
    lifecycle: (o) => applyLifecycle(ctx, o),
    pin: (id, o) => pinBackup(ctx, id, actorOf(o)),
    unpin: (id, o) => unpinBackup(ctx, id, actorOf(o)),
    on: (event, listener) => events.on(event, listener),
    archive: (o) => startArchive(ctx, o),
    dropArchiveSlot: (o) => dropArchiveSlot(ctx, o),
    schedule: (o) => startSchedule(ctx, o, {
      backup: async (scheduledFor, signal) => {
        const record = await startBackup(ctx, { type: 'scheduled', scheduledFor, signal }).done
        // Each run also retries the copies that failed before (and back-fills a new replica); never the run's failure.
        if (ctx.replicas.length > 0) await replicateAll(ctx).catch((error: unknown) => events.emit('alert', { kind: 'replicate-failed', message: `replicating after the scheduled backup failed: ${error instanceof Error ? error.message : String(error)}`, at: ctx.now() }))
        return record
      },
      cleanup: () => cleanupBackups(ctx, undefined, removeBackup),
    }),
    metrics: () => metrics.snapshot(),
    metricsText: () => metrics.text(),
    checkAlerts: () => checkAlerts(ctx),
  }
}

/** Removes a backup's chain of the change archive (remove-chain.ts), then its manifest (it stops being a backup), then its other objects and history row. */
export async function removeBackup(ctx: ManagerContext, manifest: BackupManifest): Promise<void> {
  await removeChain(ctx.storage, manifest)
  await ctx.storage.remove(manifestKeyOf(manifest.storagePath))
  await ctx.storage.remove(verifyKeyOf(manifest.storagePath))
  await ctx.storage.remove(pinKeyOf(manifest.storagePath))
  await ctx.storage.remove(copiesKeyOf(manifest.storagePath))
  forgetCopies(ctx, manifest)
  ctx.index.forget(manifest)
  await ctx.storage.remove(manifest.storagePath)
  await ctx.withHistory((client, table) => deleteRecord(client, table, manifest.id))
}

/**
 * A restore into the manager's own database holds the backup lock exclusively, as cleanup does: a backup
 * started meanwhile waits for it and then dumps what was restored (it would otherwise read a catalog that
 * a clean restore is dropping under it), and a restore is refused with CONFLICT while a backup is written.
 */
async function intoOwnDatabase<T>(ctx: ManagerContext, apply: () => Promise<T>): Promise<T> {
  const locked = await withAvailableLock(ctx, 'backup', 'exclusive', apply)
  if (locked.acquired) return locked.value
  throw new PgkeepError('CONFLICT', 'a backup of this database is being written, or a cleanup or another restore runs: nothing was restored', {
    hint: 'restore once it has finished (the history shows a running backup as it completes)',
  })
}
