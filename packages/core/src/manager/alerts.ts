// Alerts on the state of the backups, raised as `alert` events: a backup above a size threshold, storage
// above a fraction of its quota, no successful backup for N hours. checkAlerts() looks at the history and
// the storage and raises what holds; it also runs after each backup and cleanup. With a change archive,
// 'archive-lag' when its slot keeps too much WAL or is too long behind (archive-lag.ts): checked with the
// default thresholds even without the alerts option, since a slot nobody reads fills the server's disk. (A failed scheduled
// backup is raised by the scheduler, a failed webhook by the webhooks, as kinds of their own.)
// Under a signing key, a backup the manager would not use (trust.ts) is no success: a newer one planted
// in the storage never hides 'no-recent-success'; and each check that finds any, in the storage or in a
// replica, raises 'backups-untrusted' (untrusted-backups.ts), except the check after a cleanup, which
// raised it itself.
import { DEFAULT_ARCHIVE_LAG_BYTES, DEFAULT_ARCHIVE_LAG_SECONDS, readArchiveLag } from './archive-lag'
import type { ManagerContext } from './context'
import type { ManagerEvents } from './events'
import { untrustedAlert, untrustedInReplicas, untrustedOf, type UntrustedBackup } from './untrusted-backups'

export type AlertEvent = ManagerEvents['alert']

/** Bytes of every object under the key prefix, and how many there are. */
export async function storageUsage(ctx: ManagerContext): Promise<{ bytes: number; objects: number }> {
  let bytes = 0
  let objects = 0
  for await (const object of ctx.storage.list(ctx.options.keyPrefix)) {
    bytes += object.size
    objects++
  }
  return { bytes, objects }
}

/**
 * When the newest backup in the history that the manager would use completed (under a signing key, a
 * backup it would not use is skipped: trust.ts), or null when there is none.
 */
export async function lastSuccessAt(ctx: ManagerContext): Promise<Date | null> {
  return (await newestTrusted(ctx)).lastSuccessAt
}

/** Checks quota, the time since the last success and the archive's lag; emits and returns the alerts that hold. */
export async function checkAlerts(ctx: ManagerContext, check: { untrusted?: boolean } = {}): Promise<AlertEvent[]> {
  const raised: AlertEvent[] = []
  const raise = (alert: AlertEvent) => {
    raised.push(alert)
    ctx.events.emit('alert', alert)
  }
  const o: Partial<NonNullable<ManagerContext['options']['alerts']>> = ctx.options.alerts ?? {}
  if (o.storageQuotaBytes !== undefined && o.storageQuotaFraction !== undefined) {
    const usage = await storageUsage(ctx)
    const threshold = o.storageQuotaBytes * o.storageQuotaFraction
    if (usage.bytes > threshold) {
      const percent = Math.round((usage.bytes / o.storageQuotaBytes) * 1000) / 10
      raise({
        kind: 'storage-quota', at: ctx.now(),
        message: `the backups take ${usage.bytes} bytes, ${percent}% of the ${o.storageQuotaBytes}-byte quota (alert above ${Math.round(o.storageQuotaFraction * 100)}%)`,
        detail: { bytes: usage.bytes, objects: usage.objects, quotaBytes: o.storageQuotaBytes, fraction: o.storageQuotaFraction },
      })
    }
  }
  // Under a signing key: one listing for both the last success and the backups the manager would not use.
  const untrustedWanted = ctx.options.signing !== undefined && check.untrusted !== false
  const history = o.noSuccessForHours !== undefined || untrustedWanted ? await newestTrusted(ctx) : null
  if (o.noSuccessForHours !== undefined) {
    const last = history!.lastSuccessAt
    const now = ctx.now()
    const hours = last ? (now.getTime() - last.getTime()) / 3_600_000 : Number.POSITIVE_INFINITY
    if (hours > o.noSuccessForHours) {
      const skipped = history!.newerUntrusted
      raise({
        kind: 'no-recent-success', at: now,
        message: (last
          ? `no successful backup for ${Math.floor(hours)} hours (the last completed ${last.toISOString()}; alert after ${o.noSuccessForHours} hours)`
          : `no successful backup at all (alert after ${o.noSuccessForHours} hours)`) +
          (skipped > 0 ? `; ${skipped === 1 ? `1 ${last ? 'newer ' : ''}backup does` : `${skipped} ${last ? 'newer ' : ''}backups do`} not check out under the signing key and ${skipped === 1 ? 'is' : 'are'} not counted` : ''),
        detail: { lastSuccessAt: last ? last.toISOString() : null, hours: Number.isFinite(hours) ? hours : null, thresholdHours: o.noSuccessForHours, ...(skipped > 0 ? { untrustedNotCounted: skipped } : {}) },
      })
    }
  }
  if (untrustedWanted) {
    // the replicas' too: a backup only a replica holds is read from there (replica-fallback.ts)
    const alert = untrustedAlert(ctx, [...history!.untrusted, ...(await untrustedInReplicas(ctx))], 'check')
    if (alert) raise(alert)
  }
  const lag = await archiveLagAlert(ctx)
  if (lag) raise(lag)
  return raised
}

/** 'archive-lag' when the archive's slot is past a threshold now, else null. */
export async function archiveLagAlert(ctx: ManagerContext): Promise<AlertEvent | null> {
  const lag = await readArchiveLag(ctx)
  if (!lag || !lag.exists) return null
  const bytes = ctx.options.alerts?.archiveLagBytes ?? DEFAULT_ARCHIVE_LAG_BYTES
  const seconds = ctx.options.alerts?.archiveLagSeconds ?? DEFAULT_ARCHIVE_LAG_SECONDS
  if (lag.lagBytes <= bytes && lag.lagSeconds <= seconds) return null
  const reader = lag.active ? 'the archiver reads it but is behind' : 'no archiver is reading it'
  return {
    kind: 'archive-lag', at: ctx.now(),
    message: `the change archive's slot ${lag.slot} is ${lag.lagBytes} bytes and ${Math.round(lag.lagSeconds)} seconds behind (alert above ${bytes} bytes or ${seconds} seconds): ${reader}; the server keeps its WAL until it catches up`,
    detail: { slot: lag.slot, active: lag.active, lagBytes: lag.lagBytes, lagSeconds: lag.lagSeconds, thresholdBytes: bytes, thresholdSeconds: seconds, walStatus: lag.walStatus, safeWalBytes: lag.safeWalBytes, lastArchivedAt: lag.lastArchivedAt?.toISOString() ?? null },
  }
}

/** Raises 'backup-size-above' on each large backup, and runs checkAlerts() after each backup and cleanup. */
export function attachAlerts(ctx: ManagerContext): void {
  const o = ctx.options.alerts
  if (!o) return
  // After a cleanup, which raised 'backups-untrusted' itself for what it found: not twice for one run.
  const check = (after?: 'cleanup') => checkAlerts(ctx, after ? { untrusted: false } : {}).then(() => undefined, (error: unknown) => {
    ctx.events.emit('alert', { kind: 'alert-check-failed', message: `the alert check failed: ${error instanceof Error ? error.message : String(error)}`, at: ctx.now() })
  })
  ctx.events.on('backup:success', ({ record }) => {
    if (o.sizeAboveBytes !== undefined && record.size > o.sizeAboveBytes) {
      ctx.events.emit('alert', {
        kind: 'backup-size-above', at: ctx.now(),
        message: `backup ${record.filename} is ${record.size} bytes, above the ${o.sizeAboveBytes}-byte threshold`,
        detail: { id: record.id, size: record.size, thresholdBytes: o.sizeAboveBytes },
      })
    }
    return check()
  })
  ctx.events.on('backup:failure', () => check())
  ctx.events.on('cleanup', (e) => (e.dryRun ? undefined : check('cleanup')))
}

// --- internal ---

/**
 * The newest backup the manager would use: when it completed (null when there is none) and how many newer
 * ones it would not use (all of those, when there is none); and every listed backup it would not use,
 * newest first. Without a signing key every backup is used, and only the newest is read.
 */
async function newestTrusted(ctx: ManagerContext): Promise<{ lastSuccessAt: Date | null; newerUntrusted: number; untrusted: UntrustedBackup[] }> {
  const manifests = await ctx.index.list(ctx.options.signing ? {} : { limit: 1 })
  const untrusted: UntrustedBackup[] = []
  let lastSuccess: Date | null = null
  let newerUntrusted = 0
  for (const manifest of manifests) {
    const distrust = untrustedOf(ctx, manifest)
    if (distrust) untrusted.push(distrust)
    if (lastSuccess !== null) continue
    if (distrust) newerUntrusted++
    else lastSuccess = new Date(manifest.completedAt)
  }
  return { lastSuccessAt: lastSuccess, newerUntrusted, untrusted }
}
