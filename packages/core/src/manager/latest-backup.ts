// The newest backup a restore would use, for "restore the latest backup" without looking up its id
// (`pgkeep restore latest`, `pgkeep verify latest` from cron). Newer backups it would not use are passed
// over: a partial one (a selection, schema only or data only: restoring it in an emergency would bring
// back part of the database), and under a signing key one it does not trust (trust.ts), so that a
// manifest planted in the storage never becomes "the latest".
import { isPartialDump } from '../backup/backup-record'
import type { BackupManifest } from '../manifest/manifest'
import type { ManagerContext } from './context'
import { untrustedOf } from './untrusted-backups'

/** The manifest of the newest full backup the manager trusts, or null when the storage holds none. */
export async function latestBackup(ctx: ManagerContext): Promise<BackupManifest | null> {
  for (const manifest of await ctx.index.list()) {
    if (isPartialDump(manifest.options)) continue
    if (untrustedOf(ctx, manifest) !== null) continue
    return manifest
  }
  return null
}
