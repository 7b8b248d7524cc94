// Copies of backups in the replicas. replicateBackup() copies one backup into replicas (right after the
// backup, for every replica): the dump first, checked by sha256 against the manifest as it streams, then
// the manifest, as in the primary; it never throws, a failed copy is a status, a `backup:copy` event and a
// `copy-failed` alert. replicateAll() (backups.replicate(), each scheduled run) goes over every backup of
// the primary: copies that are missing, failed, never attempted (a new replica) or, with `check`, do not
// hash to the manifest's sha256 are made again; copies in place are left alone. Under a signing key it
// passes over the backups the manager would not use (`skipped`).
import { manifestKeyOf } from '../backup/backup-name'
import { isPgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'
import { copyObject, hashObject } from '../storage/copy-object'
import type { ManagerContext } from './context'
import { readCopies, writeCopies, type BackupCopy } from './copies-status'
import type { Replica } from './replicas-options'
import { untrustedOf, type UntrustedBackup } from './untrusted-backups'

/** What one copy attempt did. */
export interface CopyOutcome {
  id: string
  storage: string
  status: 'ok' | 'failed'
  /** Bytes of the dump copied (status ok). */
  bytes?: number
  error?: { code: string; message: string }
}

export interface ReplicateOptions {
  /** Also read every copy in place and compare its sha256 with the manifest's (a full read of each). @default false */
  check?: boolean
}

export interface ReplicateResult {
  /** Backups of the primary looked at. */
  backups: number
  /** Copies made now (missing, failed before, never attempted, or damaged), oldest backup first. */
  copied: CopyOutcome[]
  /** Copies that failed now. */
  failed: CopyOutcome[]
  /** Copies found in place (and with `check`, hashed and equal to the manifest). */
  inPlace: number
  /** Copies that `check` found damaged (then removed and made again: see copied / failed). */
  damaged: { id: string; storage: string }[]
  /**
   * Under a signing key, the primary's backups the manager would not use (untrustedOf(): tampered with, an
   * unknown key, no member checksums, unsigned while required), newest first: neither copied nor checked,
   * so that a manifest planted or changed in the primary never reaches the replicas, nor replaces a
   * replica's real copy through `check`. Absent when there are none.
   */
  skipped?: UntrustedBackup[]
}

/** Copies a backup into `replicas` and records the outcomes beside it. Never throws. */
export async function replicateBackup(ctx: ManagerContext, manifest: BackupManifest, replicas: readonly Replica[] = ctx.replicas): Promise<CopyOutcome[]> {
  const outcomes: CopyOutcome[] = []
  for (const replica of replicas) outcomes.push(await copyInto(ctx, replica, manifest))
  await record(ctx, manifest, outcomes)
  return outcomes
}

/** Makes every missing or failed copy of every backup of the primary. */
export async function replicateAll(ctx: ManagerContext, o: ReplicateOptions = {}): Promise<ReplicateResult> {
  const result: ReplicateResult = { backups: 0, copied: [], failed: [], inPlace: 0, damaged: [] }
  if (ctx.replicas.length === 0) return result
  const all = await ctx.index.list()
  result.backups = all.length
  const skipped = all.flatMap((m) => untrustedOf(ctx, m) ?? [])
  if (skipped.length > 0) result.skipped = skipped
  const manifests = all.filter((m) => !skipped.some((u) => u.id === m.id)).reverse()
  const listings = new Map<string, Map<string, number> | { error: unknown }>()
  for (const replica of ctx.replicas) listings.set(replica.name, await listing(ctx, replica))
  for (const manifest of manifests) {
    const statuses = await readCopies(ctx, manifest, true)
    const outcomes: CopyOutcome[] = []
    for (const replica of ctx.replicas) {
      const listed = listings.get(replica.name)!
      if ('error' in listed) {
        const outcome = failedCopy(ctx, replica, manifest, listed.error)
        outcomes.push(outcome)
        result.failed.push(outcome)
        continue
      }
      const inPlace = listed.get(manifest.storagePath) === manifest.size && listed.has(manifestKeyOf(manifest.storagePath))
      if (inPlace && o.check && !(await intact(replica, manifest))) {
        result.damaged.push({ id: manifest.id, storage: replica.name })
        ctx.events.emit('alert', {
          kind: 'copy-damaged', at: ctx.now(),
          message: `the copy of ${manifest.filename} in ${replica.name} does not match its manifest; it is made again`,
          detail: { id: manifest.id, storage: replica.name },
        })
        await replica.storage.remove(manifestKeyOf(manifest.storagePath)).catch(() => {})
      } else if (inPlace) {
        result.inPlace++
        if (statuses.get(replica.name)?.status !== 'ok') outcomes.push({ id: manifest.id, storage: replica.name, status: 'ok', bytes: manifest.size })
        continue
      }
      const outcome = await copyInto(ctx, replica, manifest)
      outcomes.push(outcome)
      ;(outcome.status === 'ok' ? result.copied : result.failed).push(outcome)
    }
    if (outcomes.length > 0) await record(ctx, manifest, outcomes)
  }
  return result
}

// --- internal ---

async function copyInto(ctx: ManagerContext, replica: Replica, manifest: BackupManifest): Promise<CopyOutcome> {
  try {
    const stored = await copyObject(ctx.storage, replica.storage, manifest.storagePath, {
      expected: { size: manifest.size, sha256: manifest.sha256 },
      contentType: manifest.encryption ? 'application/octet-stream' : 'application/gzip',
    })
    // The manifest last: only now is the backup a backup in the replica.
    await copyObject(ctx.storage, replica.storage, manifestKeyOf(manifest.storagePath), { contentType: 'application/json' })
      .catch(async (error: unknown) => {
        await replica.storage.remove(manifest.storagePath).catch(() => {})
        throw error
      })
    const outcome: CopyOutcome = { id: manifest.id, storage: replica.name, status: 'ok', bytes: stored.size }
    ctx.events.emit('backup:copy', { id: manifest.id, storage: replica.name, status: 'ok', bytes: stored.size, at: ctx.now() })
    return outcome
  } catch (error) {
    return failedCopy(ctx, replica, manifest, error)
  }
}

function failedCopy(ctx: ManagerContext, replica: Replica, manifest: BackupManifest, error: unknown): CopyOutcome {
  const e = { code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
  const at = ctx.now()
  ctx.events.emit('backup:copy', { id: manifest.id, storage: replica.name, status: 'failed', error: e, at })
  ctx.events.emit('alert', {
    kind: 'copy-failed', at,
    message: `the copy of ${manifest.filename} into ${replica.name} failed (${e.code}): ${e.message}; replicate() or the next scheduled run tries again`,
    detail: { id: manifest.id, storage: replica.name, code: e.code },
  })
  return { id: manifest.id, storage: replica.name, status: 'failed', error: e }
}

/** Keeps the outcomes beside the backup; a primary that cannot take them raises an alert (the copies stand). */
async function record(ctx: ManagerContext, manifest: BackupManifest, outcomes: CopyOutcome[]): Promise<void> {
  const at = ctx.now()
  const copies: BackupCopy[] = outcomes.map((o) => ({ storage: o.storage, status: o.status, at, ...(o.error ? { error: o.error } : {}) }))
  await writeCopies(ctx, manifest, copies).catch((error: unknown) => {
    ctx.events.emit('alert', {
      kind: 'copy-status-failed', at,
      message: `the copy status of ${manifest.filename} could not be written: ${error instanceof Error ? error.message : String(error)}`,
      detail: { id: manifest.id },
    })
  })
}

/** Sizes of the replica's objects under the key prefix, by key (or why it could not be listed). */
async function listing(ctx: ManagerContext, replica: Replica): Promise<Map<string, number> | { error: unknown }> {
  const sizes = new Map<string, number>()
  try {
    for await (const object of replica.storage.list(ctx.options.keyPrefix)) sizes.set(object.key, object.size)
    return sizes
  } catch (error) {
    return { error }
  }
}

async function intact(replica: Replica, manifest: BackupManifest): Promise<boolean> {
  try {
    const found = await hashObject(replica.storage, manifest.storagePath)
    return found.size === manifest.size && found.sha256 === manifest.sha256
  } catch {
    return false
  }
}
