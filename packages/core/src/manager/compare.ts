// backups.compare(a, b): two stored backups side by side. Tables and sequences come from the manifests;
// the schema from each backup's definition members only (ranged reads; no row data is read).
import { backupSide } from '../compare/diff-sides'
import { diffBackups, type BackupDiff } from '../compare/backup-diff'
import { decryptionKeys } from '../crypto/encryption-options'
import type { ManagerContext } from './context'
import { trustBackup } from './trust'

export async function compareStoredBackups(ctx: ManagerContext, a: string, b: string): Promise<BackupDiff> {
  const [first, second] = await Promise.all([ctx.find(a), ctx.find(b)])
  const trusted = [trustBackup(ctx, first, 'compare'), trustBackup(ctx, second, 'compare')]
  const keys = decryptionKeys(ctx.options)
  const counter = { bytes: 0 }
  const [sideA, sideB] = await Promise.all([backupSide(ctx.storage, first, keys, counter, trusted[0]), backupSide(ctx.storage, second, keys, counter, trusted[1])])
  return diffBackups(sideA, sideB)
}
