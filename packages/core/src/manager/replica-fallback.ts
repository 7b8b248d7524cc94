// Which copy of a backup restore(), verify(), download() and downloadUrl() use: the primary's, unless the
// primary is unreachable, has no such backup, or its object is missing or not the size its manifest says;
// then the first replica (in the option's order) whose manifest and object are in place. The choice is
// announced as a `backup:fallback` event and each result names the copy it used (`copy`: 'primary' or the
// replica).
import { isPgkeepError, PgkeepError } from '../errors'
import { BackupIndex } from '../history/backup-index'
import type { BackupManifest } from '../manifest/manifest'
import type { StorageDriver } from '../storage/driver'
import type { ManagerContext } from './context'
import type { Replica } from './replicas-options'

export type FallbackOperation = 'restore' | 'verify' | 'download'

export interface LocatedBackup {
  manifest: BackupManifest
  storage: StorageDriver
  /** 'primary', or the name of the replica whose copy is read. */
  copy: string
  /** Why the primary's copy is not read (a replica's is). */
  primaryProblem?: { code: string; message: string }
}

/**
 * The copy to read: the primary's when it is in place, else a replica's (OPTIONS_INVALID for a bad id is
 * never a reason to fall back). `usable` leaves out the replicas that cannot serve the operation (a folder
 * for a presigned URL); with none left, the primary's copy is taken without a look.
 */
export async function locateBackup(ctx: ManagerContext, id: string, operation: FallbackOperation, usable: (replica: Replica) => boolean = () => true): Promise<LocatedBackup> {
  if (!ctx.replicas.some(usable)) return { manifest: await ctx.find(id), storage: ctx.storage, copy: 'primary' }
  let problem: unknown
  try {
    const manifest = await ctx.find(id)
    const stored = await ctx.storage.stat(manifest.storagePath)
    if (stored && stored.size === manifest.size) return { manifest, storage: ctx.storage, copy: 'primary' }
    problem = stored
      ? new PgkeepError('BACKUP_CORRUPT', `the primary's ${manifest.storagePath} has ${stored.size} bytes, its manifest says ${manifest.size}`)
      : new PgkeepError('STORAGE_NOT_FOUND', `the primary's ${manifest.storagePath} is missing`)
  } catch (error) {
    if (!fallsBack(error)) throw error
    problem = error
  }
  const found = await locateInReplicas(ctx, id, operation, problemOf(problem), usable)
  if (found) return found
  throw problem
}

/** The first replica holding the backup in place, announced as a fallback; null when none does. */
export async function locateInReplicas(ctx: ManagerContext, id: string, operation: FallbackOperation, primaryProblem: { code: string; message: string }, usable: (replica: Replica) => boolean = () => true): Promise<LocatedBackup | null> {
  for (const replica of ctx.replicas.filter(usable)) {
    try {
      const manifest = await replicaIndex(ctx, replica).find(id.toLowerCase())
      const stored = await replica.storage.stat(manifest.storagePath)
      if (!stored || stored.size !== manifest.size) continue
      ctx.events.emit('backup:fallback', { id: manifest.id, operation, copy: replica.name, reason: `${primaryProblem.code}: ${primaryProblem.message}`, at: ctx.now() })
      return { manifest, storage: replica.storage, copy: replica.name, primaryProblem }
    } catch {
      // this replica is unreachable or lacks the backup: try the next
    }
  }
  return null
}

/** The history index of a replica's storage (manifests under the manager's key prefix), one per replica. */
export function replicaIndex(ctx: ManagerContext, replica: Replica): BackupIndex {
  let byName = indexes.get(ctx)
  if (!byName) indexes.set(ctx, (byName = new Map()))
  let index = byName.get(replica.name)
  if (!index) byName.set(replica.name, (index = new BackupIndex(replica.storage, ctx.options.keyPrefix)))
  return index
}

export function problemOf(error: unknown): { code: string; message: string } {
  return { code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}

// --- internal ---

const indexes = new WeakMap<ManagerContext, Map<string, BackupIndex>>()

const FALLBACK_CODES = new Set(['STORAGE_UNREACHABLE', 'STORAGE_NOT_FOUND', 'STORAGE_FAILED', 'STORAGE_ACCESS_DENIED', 'BACKUP_NOT_FOUND', 'BACKUP_CORRUPT'])

function fallsBack(error: unknown): boolean {
  return isPgkeepError(error) && FALLBACK_CODES.has(error.code)
}
