// Metrics of a backup manager: what happened since it was created (counted from its events: backups by
// type and outcome, durations, sizes, deletions, refusals, schedule runs, alerts) and what the history and
// the storage hold now (backups by type, their bytes, the last success, every byte under the key prefix).
// metrics() returns them as JSON, metricsText() in the Prometheus text exposition format (version 0.0.4).
// A storage that is missing (a misspelt bucket, an unmounted folder) or cannot be read is no empty one:
// storageUp is false and the figures of what it holds are absent, as postgres_exporter answers pg_up 0.
import { isPgkeepError, type ErrorCode } from '../errors'
import type { ManagerContext } from './context'
import type { ScheduleOutcome } from './events'
import { refusedManualBackups } from './rate-limit'
import { storageUsage } from './alerts'
import { readArchiveLag, type ArchiveLag } from './archive-lag'
import { untrustedOf } from './untrusted-backups'

type BackupType = 'manual' | 'scheduled'
type ScheduledJob = 'backup' | 'cleanup'

export interface BackupMetrics {
  /** When this manager started counting (the counters below are since then). */
  since: Date
  /** Backups that finished since `since`, by type and outcome. */
  backups: Record<BackupType, { success: number; failure: number }>
  /** Manual backups refused by the rate limit since `since`. */
  rateLimited: number
  /** Durations of the successful backups since `since`. */
  durations: { count: number; sumMs: number; maxMs: number; lastMs: number | null }
  /** Stored sizes of the successful backups since `since`. */
  sizes: { count: number; sumBytes: number; maxBytes: number; lastBytes: number | null }
  /** Backups deleted since `since`: by cleanup, and by remove(). */
  deletions: { cleanup: number; remove: number }
  /** Debris cleanup removed since `since`: objects left without their manifest, and unfinished writes of killed processes (`.partial` files). */
  swept: { orphans: number; incomplete: number }
  /** Schedule occurrences seen by this instance since `since`, by job and outcome. */
  schedule: Record<ScheduledJob, Record<ScheduleOutcome, number>>
  /** Copies into the replicas since `since`, by replica name and outcome (ok, failed); fallbacks: reads served by a replica. */
  copies: Record<string, { ok: number; failed: number; fallbacks: number }>
  /** Alerts raised since `since`, by kind. */
  alerts: Record<string, number>
  /**
   * Whether the storage answered this snapshot: false when its bucket or folder does not exist
   * (STORAGE_NOT_FOUND; the first backup makes it) or it could not be read (unreachable, access denied).
   * `history`, `invalidManifests` and `storage` are then null, never zeros.
   */
  storageUp: boolean
  /** Why the storage did not answer (its error's code and message, with the driver's hint); only when `storageUp` is false. */
  storageError?: { code: ErrorCode; message: string }
  /** What the history (the manifests in storage) holds now; null when the storage did not answer. */
  history: {
    backups: number
    byType: Record<BackupType, number>
    /** Stored bytes of the backups' dumps. */
    bytes: number
    /** When the newest backup the manager would use completed (under a signing key, one whose signature does not check out is not counted). */
    lastSuccessAt: Date | null
    last: { id: string; type: BackupType; createdAt: Date; completedAt: Date; sizeBytes: number; durationMs: number } | null
  } | null
  /** Objects under a manifest name that are not valid pgkeep manifests (foreign, damaged, a future format) now: every listing skips them (and raises a `manifest-invalid` alert once per key); null when the storage did not answer. */
  invalidManifests: number | null
  /** Everything under the key prefix: dumps, manifests, verification results, pins, audit, schedule claims; null when the storage did not answer. */
  storage: { bytes: number; objects: number } | null
  /** With a change archive: its slot's lag now (archive-lag.ts); `error` when the server could not be asked. */
  archive?: ArchiveLag | { slot: null; error: string }
}

export interface MetricsCollector {
  snapshot(): Promise<BackupMetrics>
  text(): Promise<string>
}

const SCHEDULE_OUTCOMES: ScheduleOutcome[] = ['ran', 'failed', 'skipped-running', 'skipped-done', 'busy']

/** Starts counting the manager's events now. */
export function createMetrics(ctx: ManagerContext): MetricsCollector {
  const since = ctx.now()
  const backups: BackupMetrics['backups'] = { manual: { success: 0, failure: 0 }, scheduled: { success: 0, failure: 0 } }
  const durations: BackupMetrics['durations'] = { count: 0, sumMs: 0, maxMs: 0, lastMs: null }
  const sizes: BackupMetrics['sizes'] = { count: 0, sumBytes: 0, maxBytes: 0, lastBytes: null }
  const deletions: BackupMetrics['deletions'] = { cleanup: 0, remove: 0 }
  const swept: BackupMetrics['swept'] = { orphans: 0, incomplete: 0 }
  const outcomes = () => Object.fromEntries(SCHEDULE_OUTCOMES.map((o) => [o, 0])) as Record<ScheduleOutcome, number>
  const schedule: BackupMetrics['schedule'] = { backup: outcomes(), cleanup: outcomes() }
  const alerts: Record<string, number> = {}
  const copies: BackupMetrics['copies'] = Object.fromEntries(ctx.replicas.map((r) => [r.name, { ok: 0, failed: 0, fallbacks: 0 }]))
  const copyCounter = (name: string) => (copies[name] ??= { ok: 0, failed: 0, fallbacks: 0 })

  ctx.events.on('backup:success', ({ record }) => {
    backups[record.type].success++
    durations.count++
    durations.sumMs += record.metadata.duration
    durations.maxMs = Math.max(durations.maxMs, record.metadata.duration)
    durations.lastMs = record.metadata.duration
    sizes.count++
    sizes.sumBytes += record.size
    sizes.maxBytes = Math.max(sizes.maxBytes, record.size)
    sizes.lastBytes = record.size
  })
  ctx.events.on('backup:failure', ({ type }) => { backups[type].failure++ })
  ctx.events.on('cleanup', ({ deleted, dryRun, orphans, incomplete }) => {
    if (dryRun) return
    deletions.cleanup += deleted.length
    swept.orphans += orphans.length
    swept.incomplete += incomplete.length
  })
  ctx.events.on('backup:removed', () => { deletions.remove++ })
  ctx.events.on('schedule:run', ({ job, outcome }) => { schedule[job][outcome]++ })
  ctx.events.on('backup:copy', ({ storage, status }) => { copyCounter(storage)[status]++ })
  ctx.events.on('backup:fallback', ({ copy }) => { copyCounter(copy).fallbacks++ })
  ctx.events.on('alert', ({ kind }) => { alerts[kind] = (alerts[kind] ?? 0) + 1 })

  const snapshot = async (): Promise<BackupMetrics> => ({
    since,
    backups: structuredClone(backups),
    rateLimited: refusedManualBackups(ctx),
    durations: { ...durations },
    sizes: { ...sizes },
    deletions: { ...deletions },
    swept: { ...swept },
    schedule: structuredClone(schedule),
    copies: structuredClone(copies),
    alerts: { ...alerts },
    ...(await storedNow(ctx)),
    ...(await archiveMetrics(ctx)),
  })
  return { snapshot, text: async () => prometheusText(await snapshot()) }
}

type Stored = Pick<BackupMetrics, 'storageUp' | 'storageError' | 'history' | 'invalidManifests' | 'storage'>

/** The errors of a storage that is missing or cannot be read; any other error is a fault of pgkeep's and is thrown. */
const STORAGE_DOWN = new Set<ErrorCode>(['STORAGE_NOT_FOUND', 'STORAGE_UNREACHABLE', 'STORAGE_ACCESS_DENIED', 'STORAGE_INVALID', 'STORAGE_FAILED'])

/**
 * What the history and the storage hold now. A missing bucket or folder lists as an empty one, so an empty
 * key prefix asks the storage whether it is there (one HEAD of the bucket or stat of the folder, only then).
 */
async function storedNow(ctx: ManagerContext): Promise<Stored> {
  try {
    const manifests = await ctx.index.list()
    const storage = await storageUsage(ctx)
    if (storage.objects === 0) await ctx.storage.assertExists?.()
    const byType: Record<BackupType, number> = { manual: 0, scheduled: 0 }
    let bytes = 0
    for (const m of manifests) {
      byType[m.type]++
      bytes += m.size
    }
    // the last success is the newest backup the manager would use: one planted beside them is none (untrusted-backups.ts)
    const newest = manifests.find((m) => !untrustedOf(ctx, m))
    return {
      storageUp: true,
      history: {
        backups: manifests.length,
        byType,
        bytes,
        lastSuccessAt: newest ? new Date(newest.completedAt) : null,
        last: newest
          ? { id: newest.id, type: newest.type, createdAt: new Date(newest.createdAt), completedAt: new Date(newest.completedAt), sizeBytes: newest.size, durationMs: newest.durationMs }
          : null,
      },
      invalidManifests: ctx.index.invalid().length,
      storage,
    }
  } catch (error) {
    // the metrics still answer when the storage does not, saying so instead of "no backups"
    if (!isPgkeepError(error) || !STORAGE_DOWN.has(error.code)) throw error
    const message = error.hint ? `${error.message}; ${error.hint}` : error.message
    return { storageUp: false, storageError: { code: error.code, message }, history: null, invalidManifests: null, storage: null }
  }
}

async function archiveMetrics(ctx: ManagerContext): Promise<Pick<BackupMetrics, 'archive'>> {
  try {
    const lag = await readArchiveLag(ctx)
    return lag ? { archive: lag } : {}
  } catch (error) {
    // the metrics still answer when the database does not
    return { archive: { slot: null, error: error instanceof Error ? error.message : String(error) } }
  }
}

/** The metrics in the Prometheus text exposition format: HELP and TYPE before each family's samples. */
export function prometheusText(m: BackupMetrics): string {
  const out: string[] = []
  const family = (name: string, type: 'counter' | 'gauge' | 'summary', help: string, samples: [suffix: string, labels: Record<string, string>, value: number][]) => {
    out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`)
    out.push(`# TYPE ${name} ${type}`)
    for (const [suffix, labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')
      out.push(`${name}${suffix}${l ? `{${l}}` : ''} ${formatNumber(value)}`)
    }
  }
  const types: BackupType[] = ['manual', 'scheduled']
  family('pgkeep_backups_total', 'counter', 'Backups finished since the manager started, by type and outcome.',
    types.flatMap((type) => (['success', 'failure'] as const).map((outcome): [string, Record<string, string>, number] => ['', { type, outcome }, m.backups[type][outcome]])))
  family('pgkeep_backup_duration_seconds', 'summary', 'Durations of the successful backups since the manager started.',
    [['_sum', {}, m.durations.sumMs / 1000], ['_count', {}, m.durations.count]])
  family('pgkeep_backup_size_bytes', 'summary', 'Stored sizes of the successful backups since the manager started.',
    [['_sum', {}, m.sizes.sumBytes], ['_count', {}, m.sizes.count]])
  family('pgkeep_rate_limited_total', 'counter', 'Manual backups refused by the rate limit since the manager started.', [['', {}, m.rateLimited]])
  family('pgkeep_deletions_total', 'counter', 'Backups deleted since the manager started, by cleanup or by remove().',
    [['', { reason: 'cleanup' }, m.deletions.cleanup], ['', { reason: 'remove' }, m.deletions.remove]])
  family('pgkeep_swept_objects_total', 'counter', 'Debris removed by cleanup since the manager started: objects without their manifest (orphan), unfinished writes of killed processes (incomplete).',
    [['', { kind: 'orphan' }, m.swept.orphans], ['', { kind: 'incomplete' }, m.swept.incomplete]])
  family('pgkeep_schedule_runs_total', 'counter', 'Schedule occurrences seen by this instance since the manager started, by job and outcome.',
    (['backup', 'cleanup'] as const).flatMap((job) => SCHEDULE_OUTCOMES.map((outcome): [string, Record<string, string>, number] => ['', { job, outcome }, m.schedule[job][outcome]])))
  family('pgkeep_copies_total', 'counter', 'Copies into the replicas since the manager started, by replica and outcome.',
    Object.keys(m.copies).sort().flatMap((storage) => (['ok', 'failed'] as const).map((outcome): [string, Record<string, string>, number] => ['', { storage, outcome }, m.copies[storage]![outcome]])))
  family('pgkeep_copy_fallbacks_total', 'counter', 'Restores, verifications and downloads that read a replica because the primary copy was unreachable, missing or damaged.',
    Object.keys(m.copies).sort().map((storage): [string, Record<string, string>, number] => ['', { storage }, m.copies[storage]!.fallbacks]))
  family('pgkeep_alerts_total', 'counter', 'Alerts raised since the manager started, by kind.',
    Object.entries(m.alerts).sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, n]) => ['', { kind }, n]))
  family('pgkeep_storage_up', 'gauge', 'Whether the storage answered this scrape (1) or not (0: its bucket or folder does not exist, or it could not be read); the figures of what it holds are absent while 0.',
    [['', {}, m.storageUp ? 1 : 0]])
  if (m.history) {
    const history = m.history
    family('pgkeep_backups', 'gauge', 'Backups in the history, by type.', types.map((type) => ['', { type }, history.byType[type]]))
    family('pgkeep_backups_bytes', 'gauge', 'Stored bytes of the backups in the history.', [['', {}, history.bytes]])
    family('pgkeep_last_success_timestamp_seconds', 'gauge', 'When the newest backup in the history that the manager would use completed, in seconds since the epoch.',
      history.lastSuccessAt ? [['', {}, history.lastSuccessAt.getTime() / 1000]] : [])
    family('pgkeep_last_backup_duration_seconds', 'gauge', 'How long the newest backup in the history took.',
      history.last ? [['', {}, history.last.durationMs / 1000]] : [])
    family('pgkeep_last_backup_size_bytes', 'gauge', 'Stored size of the newest backup in the history.',
      history.last ? [['', {}, history.last.sizeBytes]] : [])
  }
  if (m.invalidManifests !== null) {
    family('pgkeep_invalid_manifests', 'gauge', 'Objects under a manifest name that are not valid pgkeep manifests; every listing skips them.', [['', {}, m.invalidManifests]])
  }
  if (m.storage) {
    family('pgkeep_storage_bytes', 'gauge', 'Bytes of every object under the key prefix (dumps, manifests, audit, schedule claims).', [['', {}, m.storage.bytes]])
    family('pgkeep_storage_objects', 'gauge', 'Objects under the key prefix.', [['', {}, m.storage.objects]])
  }
  const lag = m.archive && m.archive.slot !== null ? m.archive as ArchiveLag : null
  if (lag) {
    const slot = { slot: lag.slot }
    family('pgkeep_archive_slot_exists', 'gauge', 'Whether the change archive\'s replication slot exists on the server (1) or not (0).', [['', slot, lag.exists ? 1 : 0]])
    family('pgkeep_archive_slot_active', 'gauge', 'Whether an archiver is streaming from the change archive\'s slot now (1) or not (0).', [['', slot, lag.active ? 1 : 0]])
    family('pgkeep_archive_slot_lag_bytes', 'gauge', 'WAL bytes the server keeps for the change archive\'s slot: between its confirmed position and the current one.', [['', slot, lag.lagBytes]])
    family('pgkeep_archive_slot_lag_seconds', 'gauge', 'Seconds since the newest archived commit while changes wait (0 when the slot is caught up).', [['', slot, lag.lagSeconds]])
    family('pgkeep_archive_last_commit_timestamp_seconds', 'gauge', 'Commit time of the newest archived transaction, in seconds since the epoch.',
      lag.lastArchivedAt ? [['', slot, lag.lastArchivedAt.getTime() / 1000]] : [])
    family('pgkeep_archive_slot_safe_wal_bytes', 'gauge', 'WAL that can still be written before the slot loses WAL it needs (max_slot_wal_keep_size); absent when unlimited.',
      lag.safeWalBytes !== null ? [['', slot, lag.safeWalBytes]] : [])
  }
  return `${out.join('\n')}\n`
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}
