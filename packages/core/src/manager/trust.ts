// Whether a stored backup may be used (restore, verify, download, compare) under the manager's
// `signing` option: its manifest's signature must check out under one of the configured keys and list
// every gzip member's checksum; an unsigned backup is refused when signing is required and otherwise
// allowed with a `backup-unsigned` alert. Without a signing key every backup is used as it is (pgkeep
// cannot tell who wrote it).
import { signatureStateOf, type SignatureState } from '../backup/backup-record'
import { PgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'
import type { SigningKeys } from '../manifest/signing-options'
import type { ManagerContext } from './context'

/**
 * BACKUP_UNTRUSTED when the backup must not be used: exactly when distrustOf() says so for the state its
 * record carries (signatureStateOf()), so that the routes' `trusted` and cleanup agree with it. Resolves
 * true when its signature checked out, so that its bytes must be checked against the signed checksums as
 * they are read (checked-source.ts).
 */
export function trustBackup(ctx: ManagerContext, manifest: BackupManifest, action: 'restore' | 'verify' | 'download' | 'compare'): boolean {
  const signing = ctx.options.signing
  if (!signing) return false
  const state = signatureStateOf(manifest, signing.verifiers)
  if (distrustOf(signing, state) !== null) throw refusal(manifest, state, signing, action)
  if (state === 'valid') return true
  ctx.events.emit('alert', {
    kind: 'backup-unsigned',
    message: `${nameOf(manifest)} is unsigned; using it for ${action} all the same (signing.require is off)`,
    at: ctx.now(),
    detail: { id: manifest.id, action },
  })
  return false
}

/**
 * Why the manager would not use a backup whose record says `signature` (BackupRecord.signature), or null
 * when it would: tampered with, signed with a key not configured, signed without member checksums, or
 * unsigned while signing.require is on (an unsigned backup is used, with an alert, while it is off).
 * Without a signing key every backup is used. trustBackup() refuses by this rule; the routes' `trusted`
 * (manager.distrust()) and cleanup, which counts only the backups it would use as the newest
 * (retention/newest.ts), follow it.
 */
export function distrustOf(signing: Pick<SigningKeys, 'require'> | undefined, signature: SignatureState | undefined): string | null {
  if (!signing) return null
  switch (signature) {
    case 'tampered':
      return 'tampered with: its manifest does not match its signature'
    case 'unknown-key':
      return 'signed with a key that is not among the configured keys'
    case 'no-member-checksums':
      return 'signed, but its manifest holds no member checksums, so its bytes cannot be checked'
    case 'unsigned':
      return signing.require ? 'unsigned, and signing is required' : null
    default:
      return null
  }
}

function nameOf(manifest: BackupManifest): string {
  return `backup ${manifest.id} (${manifest.filename})`
}

/** The BACKUP_UNTRUSTED error for a backup distrustOf() refuses. */
function refusal(manifest: BackupManifest, state: SignatureState, signing: SigningKeys, action: string): PgkeepError {
  const name = nameOf(manifest)
  const keyId = manifest.signature?.keyId
  switch (state) {
    case 'unsigned':
      return new PgkeepError('BACKUP_UNTRUSTED', `${name} is unsigned, and signing is required: refusing to ${action} it`, {
        hint: 'only backups signed with the signing key (or one of previousKeys) are used; turn signing.require off (PGKEEP_REQUIRE_SIGNATURE=0) to use a backup made before signing, if you trust where it came from',
      })
    case 'unknown-key':
      return new PgkeepError('BACKUP_UNTRUSTED', `${name} is signed with key id ${keyId}, which is not among the configured keys (${[...signing.verifiers.keys()].join(', ')}): refusing to ${action} it`, {
        hint: 'if that key is yours (a key from before a rotation), add it to signing.previousKeys (PGKEEP_SIGNING_KEYS_OLD)',
      })
    case 'tampered':
      return new PgkeepError('BACKUP_UNTRUSTED', `${name} was tampered with: its manifest does not match its signature (key id ${keyId}): refusing to ${action} it`, {
        hint: 'someone who can write the storage changed the manifest, or it was damaged; do not restore it',
      })
    default:
      return new PgkeepError('BACKUP_UNTRUSTED', `${name} is signed but its manifest holds no member checksums, so its bytes cannot be checked: refusing to ${action} it`, {
        hint: 'pgkeep lists every gzip member\'s checksum in the manifests it signs: this one was signed by something else that holds the signing key',
      })
  }
}
