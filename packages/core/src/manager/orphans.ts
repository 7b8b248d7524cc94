// Objects a backup left behind without its manifest: a process killed between writing the dump and its
// manifest, or a removal that failed after the manifest went (remove() deletes the manifest first, so a
// backup never lists without its dump). Nothing lists them and no policy sees them, so cleanup() sweeps
// them: under the backup lock, and only when older than the orphan age (an hour unless cleanup() is told
// otherwise), for writers the lock does not cover (a manager without a database, in another process).
import { manifestKeyOf } from '../backup/backup-name'
import type { ManagerContext } from './context'

/** How old a manifest-less object must be before cleanup() takes it for an orphan, unless cleanup() is given `orphanAgeMinutes`. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000

/** The keys of a backup's own objects other than its manifest, under `<keyPrefix><year>/`. */
const BACKUP_OBJECT = /^\d{4}\/[^/]+\.(?:sql\.gz(?:\.age)?|verify\.json|pin\.json)$/

/** The orphaned objects under the manager's key prefix, older than `graceMs`, oldest first. */
export async function findOrphans(ctx: ManagerContext, graceMs = ORPHAN_GRACE_MS): Promise<string[]> {
  const prefix = ctx.options.keyPrefix
  const keys = new Set<string>()
  const candidates: { key: string; at: number }[] = []
  for await (const object of ctx.storage.list(prefix)) {
    keys.add(object.key)
    if (BACKUP_OBJECT.test(object.key.slice(prefix.length))) candidates.push({ key: object.key, at: object.modifiedAt.getTime() })
  }
  const before = ctx.now().getTime() - graceMs
  return candidates
    .filter((c) => c.at < before && !keys.has(manifestKeyOf(c.key)))
    .sort((a, b) => a.at - b.at)
    .map((c) => c.key)
}
