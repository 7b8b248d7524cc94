// The `backups-untrusted` alert: under a signing key, backups in the storage or in a replica that the
// manager would not use (trust.ts: tampered with, signed with an unknown key, signed without member
// checksums, or unsigned while signing is required). Someone who can write that storage planted or changed
// them, or a key is missing from the configuration. A replica's count too: restore, verify and download
// read a replica's copy when the primary lacks the backup (replica-fallback.ts). cleanup() raises it once
// per run that found any, checkAlerts() once per check (not again in the check that follows a cleanup),
// the archiver at its start for the chain bases newer than the chain it takes.
// The alert names how many, and the first UNTRUSTED_LISTED ids with their signature state and where they
// are, then "and N more", so that no number of planted backups makes it large.
import { signatureStateOf, type SignatureState } from '../backup/backup-record'
import type { BackupManifest } from '../manifest/manifest'
import type { ManagerContext } from './context'
import type { ManagerEvents } from './events'
import { replicaIndex } from './replica-fallback'
import { distrustOf } from './trust'

/** The alert's kind. */
export const BACKUPS_UNTRUSTED = 'backups-untrusted'

/** How many ids the alert names at most; the rest are counted. */
export const UNTRUSTED_LISTED = 10

/** A backup the manager would not use, and why (cleanup's `untrusted`). */
export interface UntrustedBackup {
  id: string
  signature: SignatureState
  reason: string
  /** The replica whose copy this is (its name); absent for the primary's. */
  storage?: string
}

/** Why the manager would not use this manifest's backup (distrustOf()), or null when it would or there is no signing key. */
export function untrustedOf(ctx: ManagerContext, manifest: BackupManifest, storage?: string): UntrustedBackup | null {
  const signing = ctx.options.signing
  if (!signing) return null
  // the state records carry (no-member-checksums included), so that this agrees with restore and cleanup
  const signature = signatureStateOf(manifest, signing.verifiers)
  const reason = distrustOf(signing, signature)
  return reason === null ? null : { id: manifest.id, signature, reason, ...(storage !== undefined ? { storage } : {}) }
}

/**
 * The backups of every replica the manager would not use, replica by replica (in the option's order),
 * each newest first. A replica that cannot be listed is passed over: its copies and cleanup report it.
 */
export async function untrustedInReplicas(ctx: ManagerContext): Promise<UntrustedBackup[]> {
  if (!ctx.options.signing) return []
  const found: UntrustedBackup[] = []
  for (const replica of ctx.replicas) {
    let manifests: BackupManifest[]
    try {
      manifests = await replicaIndex(ctx, replica).list()
    } catch {
      continue
    }
    for (const manifest of manifests) {
      const untrusted = untrustedOf(ctx, manifest, replica.name)
      if (untrusted) found.push(untrusted)
    }
  }
  return found
}

/**
 * The `backups-untrusted` alert for what `by` found (the primary's newest first, then each replica's), or
 * null when it found none. One backup found in several places (a planted one copied into the replicas) is
 * named once, with every place. `detail`: `count`, `backups` (the listed ones: id, signature and `copies`,
 * 'primary' and/or the replicas' names), `more` (how many are not listed), `by`, and `dryRun` for cleanup.
 * `archive`: the chain bases newer than the chain the archiver took, which it passed over (archive.ts).
 */
export function untrustedAlert(ctx: ManagerContext, found: readonly UntrustedBackup[], by: 'cleanup' | 'check' | 'archive', dryRun = false): ManagerEvents['alert'] | null {
  if (found.length === 0) return null
  const grouped = new Map<string, { id: string; signature: SignatureState; copies: string[] }>()
  for (const u of found) {
    const key = `${u.id} ${u.signature}`
    const group = grouped.get(key) ?? { id: u.id, signature: u.signature, copies: [] }
    grouped.set(key, group)
    const copy = u.storage ?? 'primary'
    if (!group.copies.includes(copy)) group.copies.push(copy)
  }
  const backups = [...grouped.values()]
  const listed = backups.slice(0, UNTRUSTED_LISTED)
  const more = backups.length - listed.length
  const names = listed.map((b) => `${b.id} (${b.signature}${whereOf(b.copies)})`).join(', ') + (more > 0 ? ` and ${more} more` : '')
  const noun = by === 'archive' ? 'newer chain base backup' : 'backup'
  const what = backups.length === 1 ? `1 ${noun}` : `${backups.length} ${noun}s`
  const inReplicas = found.some((u) => u.storage !== undefined)
  const who = by === 'cleanup' ? `cleanup${dryRun ? ' (dry run)' : ''} found`
    : by === 'archive' ? 'the archiver passed over'
      : inReplicas ? 'the storage and its replicas hold' : 'the storage holds'
  return {
    kind: BACKUPS_UNTRUSTED, at: ctx.now(),
    message: `${who} ${what} whose signature does not check out under the signing key: ${names}. ` +
      `The manager will not restore, verify or download them, nor count them as the newest backup${by === 'archive' ? ', nor resume their chains' : ''}; someone who can write the storage may have planted or changed them (or a previous key is missing from signing.previousKeys)`,
    detail: { count: backups.length, backups: listed, more, by, ...(by === 'cleanup' ? { dryRun } : {}) },
  }
}

// --- internal ---

/** Nothing for the primary alone (the usual case), else where the copies are. */
function whereOf(copies: readonly string[]): string {
  if (copies.length === 1 && copies[0] === 'primary') return ''
  const names = copies.map((c) => (c === 'primary' ? 'the primary' : `replica ${c}`))
  return `, in ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`}`
}
