// Retention in the replicas, as part of cleanup(): each replica's own backups (its manifests) are
// decided by its own policy (`replicas: [{ storage, retention }]`) or else the manager's, and a replica
// never deletes a backup the primary keeps, so it keeps at least as long as the primary (the newest and
// the newest verified backup included). Pins and verifications are the primary's. Removal is manifest
// first, then the dump, as in the primary. Under a signing key, every copy is judged by the replica's own
// manifest and signature, never by the primary's record of the same id (restore, verify and download read
// that manifest when they fall back to the replica): a copy changed in the replica only is one the manager
// would not use, so it never stands in there for the copies it would, and a real copy whose primary
// manifest was changed counts as trusted. The replica's untrusted copies are listed for the
// `backups-untrusted` alert.
import { manifestKeyOf, pinKeyOf, verifyKeyOf } from '../backup/backup-name'
import { recordOf, type BackupRecord } from '../backup/backup-record'
import { isPgkeepError } from '../errors'
import { decideRetention } from '../retention/decide'
import type { RetentionPolicy } from '../retention/policy'
import type { ManagerContext } from './context'
import { replicaIndex } from './replica-fallback'
import { distrustOf } from './trust'
import { untrustedOf, type UntrustedBackup } from './untrusted-backups'

/** What cleanup() did in one replica. */
export interface ReplicaCleanupResult {
  /** The replica's name. */
  storage: string
  /** Ids of the backups deleted there (with dryRun, those that would be), newest first. */
  deleted: string[]
  /** How many backups it keeps. */
  kept: number
  /** Removals that failed (`id` the backup, or the replica's name when it could not be listed). */
  failed: { id: string; code: string; message: string }[]
  /** Under a signing key, its backups the manager would not use, by its own manifests, newest first (only when there are any). */
  untrusted?: UntrustedBackup[]
}

/** Applies retention to every replica; `primary` holds the primary's records and what it keeps. */
export async function cleanupReplicas(
  ctx: ManagerContext,
  policy: RetentionPolicy,
  primary: { records: BackupRecord[]; kept: ReadonlySet<string> },
  dryRun: boolean,
): Promise<ReplicaCleanupResult[]> {
  const byId = new Map(primary.records.map((r) => [r.id, r]))
  const results: ReplicaCleanupResult[] = []
  for (const replica of ctx.replicas) {
    const result: ReplicaCleanupResult = { storage: replica.name, deleted: [], kept: 0, failed: [] }
    results.push(result)
    const index = replicaIndex(ctx, replica)
    let manifests
    try {
      manifests = await index.list()
    } catch (error) {
      result.failed.push({ id: replica.name, ...problem(error) })
      continue
    }
    // a fallback reads the replica's own manifest: one planted or changed there is named by the alert
    const untrusted = manifests.flatMap((m) => untrustedOf(ctx, m, replica.name) ?? [])
    if (untrusted.length > 0) result.untrusted = untrusted
    // as in the primary, a backup the manager would not use never stands in for one it would; each copy
    // is judged by the replica's own manifest (a copy changed there only is what a fallback would read),
    // with the primary's pin and verification of the backup
    const candidates = manifests.map((m) => {
      const primaryRecord = byId.get(m.id)
      const record = recordOf(m, primaryRecord?.verified ?? null, primaryRecord?.pinned ?? false, [], ctx.options.signing?.verifiers)
      return distrustOf(ctx.options.signing, record.signature) === null ? record : { ...record, trusted: false }
    })
    const decision = decideRetention(candidates, replica.retention ?? policy, ctx.now())
    const remove = new Set(decision.remove.filter((id) => !primary.kept.has(id)))
    result.kept = manifests.length - remove.size
    for (const manifest of [...manifests].reverse()) {
      if (!remove.has(manifest.id)) continue
      try {
        if (!dryRun) {
          await replica.storage.remove(manifestKeyOf(manifest.storagePath))
          await replica.storage.remove(verifyKeyOf(manifest.storagePath))
          await replica.storage.remove(pinKeyOf(manifest.storagePath))
          index.forget(manifest)
          await replica.storage.remove(manifest.storagePath)
        }
        result.deleted.unshift(manifest.id)
      } catch (error) {
        result.failed.push({ id: manifest.id, ...problem(error) })
      }
    }
    if (result.failed.length > 0) {
      ctx.events.emit('alert', {
        kind: 'replica-cleanup-failed', at: ctx.now(),
        message: `cleanup of ${replica.name} failed ${result.failed.length} time(s): ${result.failed[0]!.message}`,
        detail: { storage: replica.name, failed: result.failed },
      })
    }
  }
  return results
}

// --- internal ---

function problem(error: unknown): { code: string; message: string } {
  return { code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}
