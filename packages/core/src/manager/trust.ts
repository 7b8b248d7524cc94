// Whether a stored backup may be used (restore, verify, download, compare) under the manager's
// `signing` option: its manifest's signature must check out under one of the configured keys; an
// unsigned backup is refused when signing is required and otherwise allowed with a `backup-unsigned`
// alert. Without a signing key every backup is used as it is (pgkeep cannot tell who wrote it).
import type { SignatureState } from '../backup/backup-record'
import { PgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'
import { checkSignature } from '../manifest/sign-manifest'
import type { SigningKeys } from '../manifest/signing-options'
import type { ManagerContext } from './context'

/**
 * BACKUP_UNTRUSTED when the backup must not be used. Resolves true when its signature checked out, so
 * that its bytes must be checked against the signed checksums as they are read (checked-source.ts).
 */
export function trustBackup(ctx: ManagerContext, manifest: BackupManifest, action: 'restore' | 'verify' | 'download' | 'compare'): boolean {
  const signing = ctx.options.signing
  if (!signing) return false
  const name = `backup ${manifest.id} (${manifest.filename})`
  const check = checkSignature(manifest, signing.verifiers)
  switch (check.status) {
    case 'valid':
      if (manifest.members.some((m) => m.length > 0 && m.sha256 === undefined)) {
        throw new PgkeepError('BACKUP_UNTRUSTED', `${name} is signed but its manifest holds no member checksums, so its bytes cannot be checked`)
      }
      return true
    case 'unsigned':
      if (signing.require) {
        throw new PgkeepError('BACKUP_UNTRUSTED', `${name} is unsigned, and signing is required: refusing to ${action} it`, {
          hint: 'only backups signed with the signing key (or one of previousKeys) are used; turn signing.require off (PGKEEP_REQUIRE_SIGNATURE=0) to use a backup made before signing, if you trust where it came from',
        })
      }
      ctx.events.emit('alert', {
        kind: 'backup-unsigned',
        message: `${name} is unsigned; using it for ${action} all the same (signing.require is off)`,
        at: ctx.now(),
        detail: { id: manifest.id, action },
      })
      return false
    case 'unknown-key':
      throw new PgkeepError('BACKUP_UNTRUSTED', `${name} is signed with key id ${check.keyId}, which is not among the configured keys (${[...signing.verifiers.keys()].join(', ')}): refusing to ${action} it`, {
        hint: 'if that key is yours (a key from before a rotation), add it to signing.previousKeys (PGKEEP_SIGNING_KEYS_OLD)',
      })
    case 'tampered':
      throw new PgkeepError('BACKUP_UNTRUSTED', `${name} was tampered with: its manifest does not match its signature (key id ${check.keyId}): refusing to ${action} it`, {
        hint: 'someone who can write the storage changed the manifest, or it was damaged; do not restore it',
      })
  }
}

/**
 * Why the manager would not use a backup whose record says `signature` (BackupRecord.signature), or null
 * when it would: the rules of trustBackup() (an unsigned backup is used, with an alert, while
 * signing.require is off). Without a signing key every backup is used. Cleanup counts only the backups
 * it would use as the newest (retention/newest.ts).
 */
export function distrustOf(signing: Pick<SigningKeys, 'require'> | undefined, signature: SignatureState | undefined): string | null {
  if (!signing) return null
  switch (signature) {
    case 'tampered':
      return 'tampered with: its manifest does not match its signature'
    case 'unknown-key':
      return 'signed with a key that is not among the configured keys'
    case 'unsigned':
      return signing.require ? 'unsigned, and signing is required' : null
    default:
      return null
  }
}
