// backups.restore() of a base backup of the change archive: what to replay after the base, decided and
// checked before the restore touches the target (the window, every segment's sha256, the role's right
// to set session_replication_role). Without until a base backup replays everything archived; replay:
// false, or a selective restore (tables, schemas, schemaOnly) without until, restores the base alone.
import { decryptionKeys } from '../crypto/encryption-options'
import { sealedSegments } from '../logical/sealed-segments'
import type { BackupManifest } from '../manifest/manifest'
import { checkReplayRole, planReplay, runReplay } from '../restore/point-in-time'
import type { AfterScript } from '../restore/restore'
import type { ResolvedRestoreOptions } from '../restore/restore-options'
import type { ManagerContext } from './context'

export async function replayAfterRestore(ctx: ManagerContext, manifest: BackupManifest, o: ResolvedRestoreOptions): Promise<AfterScript | undefined> {
  if (o.until === undefined) {
    if (!manifest.changes || o.replay === false) return undefined
    if (o.schemaOnly || (o.tables?.length ?? 0) > 0 || (o.schemas?.length ?? 0) > 0) return undefined
  }
  // The chain is read from the primary storage, where the archiver writes it.
  // Sealed as the archiver wrote it: encrypted data opened with the manager's decryption keys, manifest signatures checked by the rules backups follow.
  const storage = sealedSegments(ctx.storage, {
    signing: ctx.options.signing,
    decryption: decryptionKeys(ctx.options),
    onUnsigned: (key) => ctx.events.emit('alert', {
      kind: 'backup-unsigned',
      message: `the change archive of backup ${manifest.id} holds unsigned segments (${key} is the first); replaying them all the same (signing.require is off)`,
      at: ctx.now(),
      detail: { id: manifest.id, action: 'restore', segment: key },
    }),
  })
  const plan = await planReplay(storage, manifest, o.until)
  // the server the restore connects to (with createDatabase, the same role on the same server)
  await checkReplayRole(o.target ?? ctx.connection, ctx.env)
  return (client, progress) => runReplay(client, plan, { ...(o.signal ? { signal: o.signal } : {}), onTransaction: progress })
}
