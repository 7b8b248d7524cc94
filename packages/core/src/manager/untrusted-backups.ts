// The `backups-untrusted` alert: under a signing key, backups in the storage that the manager would not
// use (trust.ts: tampered with, signed with an unknown key, signed without member checksums, or unsigned
// while signing is required). Someone who can write the storage planted or changed them, or a key is
// missing from the configuration.
// cleanup() raises it once per run that found any, checkAlerts() once per check (not again in the check
// that follows a cleanup). The alert names how many, and the first UNTRUSTED_LISTED ids with their
// signature state, then "and N more", so that no number of planted backups makes it large.
import { signatureStateOf, type SignatureState } from '../backup/backup-record'
import type { BackupManifest } from '../manifest/manifest'
import type { ManagerContext } from './context'
import type { ManagerEvents } from './events'
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
}

/** Why the manager would not use this manifest's backup (distrustOf()), or null when it would or there is no signing key. */
export function untrustedOf(ctx: ManagerContext, manifest: BackupManifest): UntrustedBackup | null {
  const signing = ctx.options.signing
  if (!signing) return null
  // the state records carry (no-member-checksums included), so that this agrees with restore and cleanup
  const signature = signatureStateOf(manifest, signing.verifiers)
  const reason = distrustOf(signing, signature)
  return reason === null ? null : { id: manifest.id, signature, reason }
}

/**
 * The `backups-untrusted` alert for what `by` found (newest first), or null when it found none.
 * `detail`: `count`, `backups` (the listed ones: id and signature), `more` (how many are not listed), `by`, and `dryRun` for cleanup.
 */
export function untrustedAlert(ctx: ManagerContext, found: readonly UntrustedBackup[], by: 'cleanup' | 'check', dryRun = false): ManagerEvents['alert'] | null {
  if (found.length === 0) return null
  const listed = found.slice(0, UNTRUSTED_LISTED)
  const more = found.length - listed.length
  const names = listed.map((u) => `${u.id} (${u.signature})`).join(', ') + (more > 0 ? ` and ${more} more` : '')
  const what = found.length === 1 ? '1 backup' : `${found.length} backups`
  const who = by === 'cleanup' ? `cleanup${dryRun ? ' (dry run)' : ''} found` : 'the storage holds'
  return {
    kind: BACKUPS_UNTRUSTED, at: ctx.now(),
    message: `${who} ${what} whose signature does not check out under the signing key: ${names}. ` +
      'The manager will not restore, verify or download them, nor count them as the newest backup; someone who can write the storage may have planted or changed them (or a previous key is missing from signing.previousKeys)',
    detail: { count: found.length, backups: listed.map((u) => ({ id: u.id, signature: u.signature })), more, by, ...(by === 'cleanup' ? { dryRun } : {}) },
  }
}
