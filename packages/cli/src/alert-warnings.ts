// The manager's alerts, said by the one-shot commands (schedule and archive log them themselves): each
// alert raised during the run as one warning line on stderr, `pgkeep: warning: <message>` (with --json a
// JSON document, `{ "warning": { "kind", "message", "detail"? } }`, as a failure is `{ "error": … }`),
// never twice, and without changing the exit status. A cron job then sees what the manager found.
import type { AlertEvent, BackupManager } from '@pgkeep/core'

/**
 * Alerts that describe a state (the storage above its quota, no recent success, the archive's slot behind,
 * the backup above its size): the manager's own check after a backup or cleanup and the command's may both
 * raise one, with figures a moment apart, and it is said once.
 */
const STATE_KINDS = new Set(['storage-quota', 'no-recent-success', 'archive-lag', 'backup-size-above'])

const sayers = new WeakMap<BackupManager, (alert: Pick<AlertEvent, 'kind' | 'message' | 'detail'>) => void>()

/** Says each alert `backups` raises from now on, once. */
export function sayAlerts(backups: BackupManager, stderr: NodeJS.WritableStream, json: boolean): void {
  const said = new Set<string>()
  const say = (alert: Pick<AlertEvent, 'kind' | 'message' | 'detail'>) => {
    const key = STATE_KINDS.has(alert.kind) ? alert.kind : `${alert.kind}\n${alert.message}`
    if (said.has(key)) return
    said.add(key)
    stderr.write(json
      ? `${JSON.stringify({ warning: { kind: alert.kind, message: alert.message, ...(alert.detail ? { detail: alert.detail } : {}) } })}\n`
      : `pgkeep: warning: ${alert.message}\n`)
  }
  sayers.set(backups, say)
  backups.on('alert', say)
}

/**
 * Runs the manager's alert checks (storage quota, no recent success, the change archive's lag) at the end
 * of a backup or cleanup and waits for them, so that what they raise is said before the command ends: the
 * manager's own check after each backup and cleanup runs only with `alerts` thresholds and is not awaited,
 * while a lagging archive slot is worth saying without any. A check that fails is said (unless `sayCheckFailure` is
 * false: after a failed backup, whose error says more), never the command's failure.
 */
export async function checkAlertsAtEnd(backups: BackupManager, o: { sayCheckFailure?: boolean } = {}): Promise<void> {
  try {
    await backups.checkAlerts()
  } catch (error) {
    if (o.sayCheckFailure === false) return
    sayers.get(backups)?.({ kind: 'alert-check-failed', message: `the alert check failed: ${error instanceof Error ? error.message : String(error)}` })
  }
}
