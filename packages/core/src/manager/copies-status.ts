// Where each copy of a backup is and whether it checked out. The primary's manifest never changes once
// written, so the status lives in a small object beside it, `….copies.json`, rewritten after every copy
// attempt (the backup itself, replicate(), a schedule run) and removed with the backup. A replica that is
// configured but has no entry there yet is `pending`: its copy was never attempted or is under way.
import { Readable } from 'node:stream'
import { isPgkeepError } from '../errors'
import { readText } from '../history/read-text'
import type { BackupManifest } from '../manifest/manifest'
import type { ManagerContext } from './context'

export const COPIES_FORMAT = 'pgkeep-copies'

export type CopyStatus = 'ok' | 'failed' | 'pending'

/** One copy of a backup in a replica, as records show it. */
export interface BackupCopy {
  /** The replica's name (option `replicas`: `name`, default `replica-1`, `replica-2`, …). */
  storage: string
  status: CopyStatus
  /** When the copy was last stored and checked (ok) or last failed; null while pending. */
  at: Date | null
  /** Why the last attempt failed (status failed). */
  error?: { code: string; message: string }
}

/** Where the copy status of a backup is kept. */
export function copiesKeyOf(storagePath: string): string {
  return `${storagePath.replace(/\.sql\.gz(\.age)?$/, '')}.copies.json`
}

/** The copies of a backup in every configured replica, in the order of the option; [] without replicas. */
export async function copiesOf(ctx: ManagerContext, manifest: BackupManifest): Promise<BackupCopy[]> {
  if (ctx.replicas.length === 0) return []
  const known = await readCopies(ctx, manifest)
  return ctx.replicas.map((r) => known.get(r.name) ?? { storage: r.name, status: 'pending', at: null })
}

/** The stored statuses by replica name (read once, then kept; `fresh` reads storage again). */
export async function readCopies(ctx: ManagerContext, manifest: BackupManifest, fresh = false): Promise<Map<string, BackupCopy>> {
  const key = copiesKeyOf(manifest.storagePath)
  const cache = cacheOf(ctx)
  const cached = cache.get(key)
  if (cached && !fresh) return cached
  const found = new Map<string, BackupCopy>()
  try {
    const stored = JSON.parse(await readText(ctx.storage, key, 1024 * 1024)) as { format?: string; copies?: unknown }
    if (stored.format === COPIES_FORMAT && Array.isArray(stored.copies)) {
      for (const c of stored.copies as { storage: string; status: CopyStatus; at: string | null; error?: { code: string; message: string } }[]) {
        found.set(c.storage, { storage: c.storage, status: c.status, at: c.at === null ? null : new Date(c.at), ...(c.error ? { error: c.error } : {}) })
      }
    }
  } catch (error) {
    // None yet; a damaged status object counts as none (every copy is then attempted again).
    if (!(isPgkeepError(error, 'STORAGE_NOT_FOUND') || error instanceof SyntaxError || isPgkeepError(error, 'BACKUP_CORRUPT'))) throw error
  }
  cache.set(key, found)
  return found
}

/** Records the outcome of copy attempts (the other replicas' entries stay) in the primary storage. */
export async function writeCopies(ctx: ManagerContext, manifest: BackupManifest, outcomes: BackupCopy[]): Promise<void> {
  const merged = new Map(await readCopies(ctx, manifest, true))
  for (const outcome of outcomes) merged.set(outcome.storage, outcome)
  const body = {
    format: COPIES_FORMAT,
    id: manifest.id,
    copies: [...merged.values()].map((c) => ({ storage: c.storage, status: c.status, at: c.at?.toISOString() ?? null, ...(c.error ? { error: c.error } : {}) })),
  }
  await ctx.storage.put(copiesKeyOf(manifest.storagePath), Readable.from([Buffer.from(`${JSON.stringify(body, null, 2)}\n`)]), { contentType: 'application/json' })
  cacheOf(ctx).set(copiesKeyOf(manifest.storagePath), merged)
}

/** Forgets a removed backup's statuses. */
export function forgetCopies(ctx: ManagerContext, manifest: BackupManifest): void {
  cacheOf(ctx).delete(copiesKeyOf(manifest.storagePath))
}

// --- internal ---

const caches = new WeakMap<ManagerContext, Map<string, Map<string, BackupCopy>>>()

function cacheOf(ctx: ManagerContext): Map<string, Map<string, BackupCopy>> {
  let cache = caches.get(ctx)
  if (!cache) caches.set(ctx, (cache = new Map()))
  return cache
}
