// downloadUrl(): a presigned URL of a stored backup. A URL is signed without asking the endpoint whether
// the object is there, so the primary's URL came back also while the primary was down: a dead link. With replicas that can presign, the
// primary's copy is looked at first (a stat, bounded by the storage's request timeout) and, where a read
// would fall back (unreachable, missing, not the manifest's size), the URL is the first such replica's
// holding the backup, as for download() (replica-fallback.ts).
import { PgkeepError } from '../errors'
import type { ManagerContext } from './context'
import { locateBackup } from './replica-fallback'
import { trustBackup } from './trust'

export interface DownloadUrl {
  url: string
  expiresAt: Date
  /** The copy the URL downloads: 'primary', or the replica's name when the primary's copy is unreachable or missing. */
  copy: string
}

/** Seconds a URL is valid for: S3's longest, 7 days. */
const MAX_EXPIRES_IN = 604_800

export async function presignDownload(ctx: ManagerContext, id: string, expiresIn = 3600): Promise<DownloadUrl> {
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) {
    throw new PgkeepError('OPTIONS_INVALID', `expiresIn must be whole seconds from 1 to ${MAX_EXPIRES_IN} (7 days), not ${expiresIn}`)
  }
  const { storage } = ctx
  if (!storage.presign) {
    await ctx.find(id) // an unknown id is BACKUP_NOT_FOUND first
    throw new PgkeepError('STORAGE_UNSUPPORTED', `${storage.kind} storage cannot hand out presigned URLs; stream the backup with download(id) instead`)
  }
  const { manifest, storage: from, copy } = await locateBackup(ctx, id, 'download', (replica) => typeof replica.storage.presign === 'function')
  // Under a signing key a URL is handed out only for a backup download() would serve: its manifest's
  // signature checked (BACKUP_UNTRUSTED: tampered with, an unknown key, unsigned while required). The
  // bytes a URL fetches go straight from the storage, past any check (the routes stream such backups).
  trustBackup(ctx, manifest, 'download')
  const url = await from.presign!(manifest.storagePath, expiresIn)
  return { url, expiresAt: new Date(ctx.now().getTime() + expiresIn * 1000), copy }
}
