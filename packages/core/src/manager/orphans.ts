// Objects a backup left behind without its manifest: a process killed between writing the dump and its
// manifest, or a removal that failed after the manifest went (remove() deletes the manifest first, so a
// backup never lists without its dump). Nothing lists them and no policy sees them, so cleanup() sweeps
// them: under the backup lock, and only when older than the orphan age (an hour unless cleanup() is told
// otherwise), for writers the lock does not cover (a manager without a database, in another process).
// The change archive's segment folders (`<backup name>.changes/`) count too: every object in a folder
// whose base's manifest is gone, and a segment's data whose manifest never came (an archiver killed
// between the two).
import type { ManagerContext } from './context'

/** How old a manifest-less object must be before cleanup() takes it for an orphan, unless cleanup() is given `orphanAgeMinutes`. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000

/** The keys of a backup's own objects other than its manifest, under `<keyPrefix><year>/`: its dump, verify report and pin. */
const BACKUP_OBJECT = /^\d{4}\/[^/]+\.(?:sql\.gz(?:\.age)?|verify\.json|pin\.json)$/

/** The manifest a backup's object belongs to: the dump's, the verify report's and the pin's are the same. */
function ownerManifestKey(key: string): string {
  return `${key.replace(/\.(?:sql\.gz(?:\.age)?|verify\.json|pin\.json)$/, '')}.manifest.json`
}

/** An object in a chain's segment folder: group 1 is the base's name under `<year>/`. */
const CHAIN_OBJECT = /^(\d{4}\/[^/]+)\.changes\/[^/]+$/

/** The orphaned objects under the manager's key prefix, older than `graceMs`, oldest first. */
export async function findOrphans(ctx: ManagerContext, graceMs = ORPHAN_GRACE_MS): Promise<string[]> {
  const prefix = ctx.options.keyPrefix
  const keys = new Set<string>()
  const candidates: { key: string; at: number; owner: string }[] = []
  for await (const object of ctx.storage.list(prefix)) {
    keys.add(object.key)
    const rest = object.key.slice(prefix.length)
    if (BACKUP_OBJECT.test(rest)) candidates.push({ key: object.key, at: object.modifiedAt.getTime(), owner: ownerManifestKey(object.key) })
    const chain = CHAIN_OBJECT.exec(rest)
    if (chain) {
      const base = `${prefix}${chain[1]}.manifest.json`
      candidates.push({ key: object.key, at: object.modifiedAt.getTime(), owner: base })
      // a segment's data needs its own manifest too
      if (object.key.endsWith('.changes.gz')) candidates.push({ key: object.key, at: object.modifiedAt.getTime(), owner: object.key.replace(/\.changes\.gz$/, '.segment.json') })
    }
  }
  const before = ctx.now().getTime() - graceMs
  const orphans = new Map<string, number>()
  for (const c of candidates) if (c.at < before && !keys.has(c.owner)) orphans.set(c.key, c.at)
  return [...orphans]
    .map(([key, at]) => ({ key, at }))
    .sort((a, b) => a.at - b.at)
    .map((c) => c.key)
}
