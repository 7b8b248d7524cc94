// backups.verify(): restore a backup into a scratch database and compare it with its manifest, reading
// the primary's copy, or a replica's when the primary's is unreachable, missing, or (with replicas)
// damaged: then the report names the copy verified and says what was wrong with the primary's. The
// report is kept beside the backup in the primary (when it answers) and in the history table.
import { Readable } from 'node:stream'
import { verifyKeyOf } from '../backup/backup-name'
import { checkedWhole } from '../backup/checked-source'
import { verifyBackup, type VerifyReport } from '../backup/verify-backup'
import { verifySource } from '../crypto/encrypted-source'
import { decryptionKeys } from '../crypto/encryption-options'
import { markVerified } from '../history/history-table'
import type { ManagerContext } from './context'
import { locateBackup, locateInReplicas, type LocatedBackup } from './replica-fallback'
import { announceSweep } from './scratch-sweep'
import { trustBackup } from './trust'

export async function verifyStoredBackup(ctx: ManagerContext, id: string): Promise<VerifyReport> {
  const located = await locateBackup(ctx, id, 'verify')
  let report = await verifyCopy(ctx, located)
  if (located.copy === 'primary' && !report.integrity.ok && ctx.replicas.length > 0) {
    const problem = report.error ?? { code: 'BACKUP_CORRUPT', message: 'the stored object does not match its manifest' }
    const replica = await locateInReplicas(ctx, id, 'verify', problem)
    if (replica) report = { ...(await verifyCopy(ctx, replica)), primaryProblem: problem }
  } else if (located.primaryProblem) {
    report = { ...report, primaryProblem: located.primaryProblem }
  }
  const { manifest } = located
  // Kept beside the primary's manifest; a primary that does not answer or lost the backup keeps none (the history table and this instance still do).
  if (located.copy === 'primary') {
    await ctx.storage.put(verifyKeyOf(manifest.storagePath), Readable.from([Buffer.from(`${JSON.stringify(report, null, 2)}\n`)]), { contentType: 'application/json' })
  }
  ctx.index.rememberVerification(manifest, report)
  await ctx.withHistory((client, table) => markVerified(client, table, manifest.id, report.ok ? new Date(report.verifiedAt) : null))
  ctx.events.emit('verify', { id: manifest.id, ok: report.ok, at: ctx.now(), report })
  return report
}

// --- internal ---

async function verifyCopy(ctx: ManagerContext, { manifest, storage, copy }: LocatedBackup): Promise<VerifyReport> {
  const trusted = trustBackup(ctx, manifest, 'verify')
  // verify checks the stored object's (signed) size and sha256 before it restores anything.
  const source = await verifySource(storage, manifest, decryptionKeys(ctx.options))
  const report = await verifyBackup(manifest, storage, trusted ? checkedWhole(source, manifest) : source, ctx.connection, ctx.env, {
    scratchStaleSeconds: ctx.options.scratchStaleSeconds,
  })
  announceSweep(ctx, report.swept, 'verify')
  return ctx.replicas.length > 0 ? { ...report, copy } : report
}
