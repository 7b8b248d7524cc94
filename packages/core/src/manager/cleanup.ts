// cleanup(): applies the retention policy. The pure rules of retention/ decide; then every backup not
// kept is removed, oldest first, as remove() does it (its chain of the change archive, manifest, verify
// and pin objects, dump, history row). It holds the backup lock exclusively, so it never runs while a backup is being written: when a
// backup holds the lock (here or in another instance), it deletes nothing and answers `busy: true`.
// With a signing key, a backup the manager would not use (tampered, an unknown key, unsigned while
// required: trust.ts) is never the newest or newest verified backup that the guarantees keep, nor takes
// a trusted one's place in keepLast or gfs (retention/decide.ts); `untrusted` says which and why, and a
// run (a dry run too) that found any, in the primary or a replica, raises one `backups-untrusted` alert
// naming them (untrusted-backups.ts).
// A `.verify.json` is not signed: the verdict it holds is taken as it is (README, Signed backups).
import type { BackupRecord, SignatureState } from '../backup/backup-record'
import { isPgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'
import { chainWindow } from '../logical/chain'
import { decideRetention } from '../retention/decide'
import type { RetentionPolicy, RetentionReason } from '../retention/policy'
import { resolveCleanupOptions, type CleanupOptions } from '../retention/retention-options'
import { actorOf } from './audit-log'
import type { ManagerContext } from './context'
import { withAvailableLock } from './locks'
import { findOrphans, ORPHAN_GRACE_MS } from './orphans'
import { findPartialObjects } from './partial-objects'
import { isPinnedNow } from './pins'
import { cleanupReplicas, type ReplicaCleanupResult } from './replica-cleanup'
import { sweepForCleanup } from './scratch-sweep'
import { distrustOf } from './trust'
import { untrustedAlert } from './untrusted-backups'
import type { ScratchSweep } from '../backup/sweep-scratch'

export interface CleanupResult {
  /** The backups deleted (with dryRun, those that would be), newest first. */
  deleted: BackupRecord[]
  /** The backups kept, newest first, each with every reason it is kept for. */
  kept: { id: string; reasons: RetentionReason[] }[]
  dryRun: boolean
  /** A backup was being written (by this or another instance): nothing was looked at or deleted. */
  busy: boolean
  /** Removals that failed, oldest first (`id`: the backup, or the key of an orphan). Such a backup may be half removed (the manifest goes first; a later cleanup sweeps the rest as orphans). */
  failed: { id: string; code: string; message: string }[]
  /** The policy applied: the manager's, with `daysToKeep` as maxAgeDays when given. */
  policy: RetentionPolicy
  /** Storage keys of objects left without their manifest (an interrupted backup or removal), older than the orphan age (an hour): removed (with dryRun, found). */
  orphans: string[]
  /** Unfinished writes of a killed process (fsStorage's `<key>.<16 hex>.partial` files), older than the orphan age: removed (with dryRun, found). */
  incomplete: string[]
  /** With replicas: what cleanup did in each (see the `replicas` option). */
  replicas?: ReplicaCleanupResult[]
  /** Scratch databases and roles of verifies killed mid-run, older than scratchStaleSeconds: dropped (with dryRun, found), or left and why. */
  scratch: ScratchSweep
  /**
   * With a signing key, the backups listed that the manager would not use (restore, verify and download
   * refuse them), newest first, and why: they never count as the newest (verified) backup, and are kept
   * or deleted by the policy alone (RetentionCandidate.trusted). Absent when there is none.
   */
  untrusted?: { id: string; signature: SignatureState; reason: string }[]
}

type RemoveBackup = (ctx: ManagerContext, manifest: BackupManifest) => Promise<void>

export function cleanupBackups(ctx: ManagerContext, input: CleanupOptions | undefined, removeBackup: RemoveBackup): Promise<CleanupResult> {
  return ctx.audited('cleanup', actorOf(input), null, async () => {
    const o = resolveCleanupOptions(input)
    const policy: RetentionPolicy = { ...ctx.options.retention, ...(o.daysToKeep !== undefined ? { maxAgeDays: o.daysToKeep } : {}) }
    const graceMs = o.orphanAgeMinutes !== undefined ? o.orphanAgeMinutes * 60_000 : ORPHAN_GRACE_MS
    const run = () => applyPolicy(ctx, policy, o.dryRun, removeBackup, graceMs)
    // A dry run deletes nothing, so it needs no lock (a backup being written is simply not listed yet).
    if (o.dryRun) return run()
    // Without a database there is no lock shared with other processes: the in-process guard is all there is.
    const locked = await withAvailableLock(ctx, 'backup', 'exclusive', run)
    if (!locked.acquired) return { deleted: [], kept: [], dryRun: false, busy: true, failed: [], policy, orphans: [], incomplete: [], scratch: { databases: [], roles: [], left: [] } }
    return locked.value
  }, (r) => ({
    dryRun: r.dryRun, busy: r.busy, deleted: r.deleted.map((d) => d.id), kept: r.kept.length, policy: r.policy,
    ...(r.failed.length > 0 ? { failed: r.failed } : {}), ...(r.orphans.length > 0 ? { orphans: r.orphans } : {}),
    ...(r.incomplete.length > 0 ? { incomplete: r.incomplete } : {}),
    ...(r.replicas ? { replicas: r.replicas.map((x) => ({ storage: x.storage, deleted: x.deleted, failed: x.failed.length, ...(x.untrusted ? { untrusted: x.untrusted.map((u) => u.id) } : {}) })) } : {}),
    ...(r.scratch.databases.length + r.scratch.roles.length > 0 ? { scratch: { databases: r.scratch.databases, roles: r.scratch.roles } } : {}),
    ...(r.untrusted ? { untrusted: r.untrusted.map((u) => u.id) } : {}),
  }))
}

// --- internal ---

async function applyPolicy(ctx: ManagerContext, policy: RetentionPolicy, dryRun: boolean, removeBackup: RemoveBackup, graceMs: number): Promise<CleanupResult> {
  const manifests = await ctx.index.list()
  const records = await Promise.all(manifests.map(ctx.record))
  const byId = new Map(records.map((record, i) => [record.id, { record, manifest: manifests[i]! }]))
  // a chain's base carries how far its chain reaches: the policy keeps the chains a kept time needs
  // and a backup the manager would not use never stands in for one it would
  const untrusted: NonNullable<CleanupResult['untrusted']> = []
  const candidates = await Promise.all(records.map(async (record, i) => {
    const manifest = manifests[i]!
    const distrust = distrustOf(ctx.options.signing, record.signature)
    if (distrust !== null) untrusted.push({ id: record.id, signature: record.signature!, reason: distrust })
    const trusted = distrust === null ? record : { ...record, trusted: false }
    return manifest.changes ? { ...trusted, chain: { until: (await chainWindow(ctx.storage, manifest.storagePath)).until } } : trusted
  }))
  const decision = decideRetention(candidates, policy, ctx.now())

  const kept = [...decision.keep]
  const deleted: BackupRecord[] = []
  const failed: CleanupResult['failed'] = []
  for (const id of [...decision.remove].reverse()) {
    const { record, manifest } = byId.get(id)!
    if (dryRun) {
      deleted.push(record)
      continue
    }
    try {
      // Pinned since the listing (by another instance): the pin wins.
      if (await isPinnedNow(ctx, manifest.storagePath)) {
        kept.push({ id, reasons: ['pinned'] })
        continue
      }
      await removeBackup(ctx, manifest)
      deleted.push(record)
    } catch (error) {
      failed.push({ id, code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) })
    }
  }

  // After the removals: what a removal failing just now left behind is younger than the grace period.
  const orphans = await findOrphans(ctx, graceMs)
  if (!dryRun) {
    for (const key of [...orphans]) {
      try {
        await ctx.storage.remove(key)
      } catch (error) {
        orphans.splice(orphans.indexOf(key), 1)
        failed.push({ id: key, code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) })
      }
    }
  }
  const incomplete: string[] = []
  for (const write of await findPartialObjects(ctx, graceMs)) {
    try {
      if (!dryRun) await ctx.storage.removeIncomplete!(write)
      incomplete.push(write.name)
    } catch (error) {
      failed.push({ id: write.name, code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) })
    }
  }

  const scratch = await sweepForCleanup(ctx, dryRun)

  const newestFirst = (a: string, b: string) => byId.get(b)!.record.createdAt.getTime() - byId.get(a)!.record.createdAt.getTime()
  kept.sort((a, b) => newestFirst(a.id, b.id))
  deleted.reverse()
  // Then every replica, which keeps at least what the primary keeps.
  const replicas = ctx.replicas.length > 0 ? await cleanupReplicas(ctx, policy, { records, kept: new Set(kept.map((k) => k.id)) }, dryRun) : null
  untrusted.sort((a, b) => newestFirst(a.id, b.id))
  // Once per run, before the `cleanup` event (the alert check that follows it does not raise it again).
  // the replicas' too: a backup only a replica holds is read from there (replica-fallback.ts)
  const distrusted = untrustedAlert(ctx, [...untrusted, ...(replicas ?? []).flatMap((r) => r.untrusted ?? [])], 'cleanup', dryRun)
  if (distrusted) ctx.events.emit('alert', distrusted)
  const at = ctx.now()
  ctx.events.emit('cleanup', { deleted, kept: kept.length, dryRun, at, orphans, incomplete })
  if (failed.length > 0) {
    ctx.events.emit('alert', { kind: 'cleanup-failed', message: `cleanup could not remove ${failed.length} backup(s): ${failed[0]!.message}`, at, detail: { failed } })
  }
  return { deleted, kept, dryRun, busy: false, failed, policy, orphans, incomplete, scratch, ...(replicas ? { replicas } : {}), ...(untrusted.length > 0 ? { untrusted } : {}) }
}
