// The newest backup a restore would use, for "restore the latest backup" without looking up its id
// (`pgkeep restore latest`, `pgkeep verify latest` from cron). Newer backups it would not use are passed
// over: a partial one (a selection, schema only or data only: restoring it in an emergency would bring
// back part of the database), and under a signing key one it does not trust (trust.ts), so that a
// manifest planted in the storage never becomes "the latest". With a point to restore to (`until`), only
// base backups of the change archive count, and the newest whose window starts at or before that point.
import { isPartialDump } from '../backup/backup-record'
import { parseLsn } from '../logical/lsn'
import type { BackupManifest } from '../manifest/manifest'
import { recoverableWindow } from '../restore/recoverable-window'
import type { UntilTarget } from '../restore/point-in-time'
import type { ManagerContext } from './context'
import { untrustedOf } from './untrusted-backups'

/**
 * The manifest of the newest full backup the manager trusts, or null when the storage holds none. With
 * `until`: the newest such base backup of the change archive whose window starts at or before it (a
 * time, or a WAL position: its consistent point; for a transaction id, the newest base backup).
 */
export async function latestBackup(ctx: ManagerContext, until?: UntilTarget): Promise<BackupManifest | null> {
  for (const manifest of await ctx.index.list()) {
    if (isPartialDump(manifest.options)) continue
    if (untrustedOf(ctx, manifest) !== null) continue
    if (until === undefined) return manifest
    if (!manifest.changes) continue
    if (await reaches(ctx, manifest, until)) return manifest
  }
  return null
}

// --- internal ---

/** Whether the base backup's window starts at or before `until` (whether it ends after it, restore says). */
async function reaches(ctx: ManagerContext, manifest: BackupManifest, until: UntilTarget): Promise<boolean> {
  if (until instanceof Date) {
    // the window starts at the dump's start, or at the first archived commit when that came earlier
    if (new Date(manifest.createdAt).getTime() <= until.getTime()) return true
    return (await recoverableWindow(ctx.storage, manifest)).from.getTime() <= until.getTime()
  }
  if ('lsn' in until) return parseLsn(manifest.changes!.startLsn) <= parseLsn(until.lsn)
  return true
}
