// backups.verify(): restore a backup into a scratch database and compare it with its manifest, reading
// the primary's copy, or a replica's when the primary's is unreachable, missing, or (with replicas)
// damaged: then the report names the copy verified and says what was wrong with the primary's. The
// report is kept beside the backup in the primary (when it answers) and in the history table.
import { Readable } from 'node:stream'
import { verifyKeyOf } from '../backup/backup-name'
import * as z from 'zod/mini'
import { checkedWhole } from '../backup/checked-source'
import { memberScript, readableByMembers } from '../backup/member-script'
import { parseOptions } from '../parse-options'
import { JobsSchema } from '../restore/restore-options'
import type { Actor } from './audit-log'
import { verifyBackup, type VerifyReport } from '../backup/verify-backup'
import { verifySource } from '../crypto/encrypted-source'
import { decryptionKeys } from '../crypto/encryption-options'
import { markVerified } from '../history/history-table'
import type { ManagerContext } from './context'
import { locateBackup, locateInReplicas, type LocatedBackup } from './replica-fallback'
import { announceSweep } from './scratch-sweep'
import { trustBackup } from './trust'

export interface VerifyCallOptions {
  /**
   * Sessions the scratch restore applies the backup in (1..16), as restore's `jobs`: above 1, a plain
   * backup is read by members, each table's by the worker that loads it. @default 1
   */
  jobs?: number
}

/** The jobs of a verify call; OPTIONS_INVALID naming `jobs` when it is not a whole number from 1 to 16. */
export function resolveVerifyJobs(options: (VerifyCallOptions & Actor) | undefined): number {
  return parseOptions(z.object({ jobs: z.optional(JobsSchema) }), { jobs: options?.jobs }, 'verify').jobs ?? 1
}

export async function verifyStoredBackup(ctx: ManagerContext, id: string, jobs = 1): Promise<VerifyReport> {
  const located = await locateBackup(ctx, id, 'verify')
  let report = await verifyCopy(ctx, located, jobs)
  if (located.copy === 'primary' && !report.integrity.ok && ctx.replicas.length > 0) {
    const problem = report.error ?? { code: 'BACKUP_CORRUPT', message: 'the stored object does not match its manifest' }
    const replica = await locateInReplicas(ctx, id, 'verify', problem)
    if (replica) report = { ...(await verifyCopy(ctx, replica, jobs)), primaryProblem: problem }
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

async function verifyCopy(ctx: ManagerContext, { manifest, storage, copy }: LocatedBackup, jobs: number): Promise<VerifyReport> {
  const trusted = trustBackup(ctx, manifest, 'verify')
  // verify checks the stored object's (signed) size and sha256 before it restores anything.
  const source = await verifySource(storage, manifest, decryptionKeys(ctx.options))
  const byMembers = jobs > 1 && readableByMembers(manifest) ? memberScript(storage, manifest, { bytes: 0 }, { checked: trusted }) : undefined
  const report = await verifyBackup(manifest, storage, trusted ? checkedWhole(source, manifest) : source, ctx.connection, ctx.env, {
    scratchStaleSeconds: ctx.options.scratchStaleSeconds,
    jobs,
    ...(byMembers ? { byMembers } : {}),
  })
  announceSweep(ctx, report.swept, 'verify')
  return ctx.replicas.length > 0 ? { ...report, copy } : report
}
