// Automated backup testing: restore a backup into a scratch database on the same server (created,
// then always dropped), and compare every table's row count and COPY text hash, and every sequence,
// with the manifest. The report says table by table what was expected and what was found. Where the
// server allows it, the restore logs in as a scratch role without superuser powers (scratch-database.ts);
// scratch databases and roles that killed verifies left are swept first (sweep-scratch.ts).
//
// The report is a verdict on the backup, so only what the backup decides goes into it: its integrity, its
// restore, the comparison. A verify that could not run (the server unreachable, no right to create the
// scratch database, a key that does not open it) rejects instead, and leaves the last verdict standing.
import { createHash, randomBytes } from 'node:crypto'
import type pg from 'pg'
import { connect, resolveConnection, type ConnectionParams } from '../connection/index'
import { copyToStream } from '../data/copy-to-stream'
import { quoteQualified } from '../emit/quote'
import { isPgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'
import type { RestoreSource } from '../restore/open-source'
import { restore } from '../restore/restore'
import type { StorageDriver } from '../storage/driver'
import { checkIntegrity, type IntegrityReport } from './check-integrity'
import type { MemberScript } from './member-script'
import { closeScratch, openScratch, type Scratch } from './scratch-database'
import { sweepScratch, type ScratchSweep } from './sweep-scratch'

export interface VerifyReport {
  id: string
  ok: boolean
  verifiedAt: string
  durationMs: number
  /** The stored object against the manifest's size and sha256, member by member when they differ. */
  integrity: IntegrityReport
  /** Why the restore itself failed (then tables and sequences are empty). */
  error?: { code: string; message: string }
  tables: { schema: string; name: string; expectedRows: number; foundRows: number | null; expectedSha256: string; foundSha256: string | null; ok: boolean }[]
  sequences: { schema: string; name: string; expected: string; found: string | null; ok: boolean }[]
  /** backups.verify(): the copy verified, 'primary' or a replica's name (see the `replicas` option). */
  copy?: string
  /** backups.verify() with replicas: why the primary's copy was not verified (unreachable, missing or damaged), when a replica's was. */
  primaryProblem?: { code: string; message: string }
  /**
   * Who the restore ran as: `scratch-role`, a role made for this run (no superuser powers, dropped
   * after), or `connecting-role`, the manager's own role (the server did not allow a scratch role: see notes).
   */
  ranAs: 'scratch-role' | 'connecting-role'
  /** What this verify did not check, and why it ran as it did. */
  notes: string[]
  /** Scratch databases and roles that earlier verifies (killed mid-run) left, dropped before this one ran. */
  swept: ScratchSweep
}

export interface VerifyOptions {
  /** Age (seconds, by the server's clock) from which another verify's scratch database or role counts as left behind. */
  scratchStaleSeconds: number
  /** Sessions of the scratch restore (restore's `jobs`). @default 1 */
  jobs?: number
  /** With jobs: the backup read by members (each table's by the worker that loads it), instead of `source`. */
  byMembers?: MemberScript
}

export async function verifyBackup(
  manifest: BackupManifest,
  storage: StorageDriver,
  source: RestoreSource,
  server: string | ConnectionParams | undefined,
  env: NodeJS.ProcessEnv,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const started = Date.now()
  // the random part keeps two verifies of one backup started in the same millisecond apart
  const name = `pgkeep_verify_${manifest.id.slice(0, 8)}_${started.toString(36)}_${randomBytes(3).toString('hex')}`
  const integrity = await checkIntegrity(storage, manifest, manifest.encryption && typeof source === 'function' ? source : undefined)
  const report: VerifyReport = {
    id: manifest.id, ok: false, verifiedAt: new Date(started).toISOString(), durationMs: 0, integrity, tables: [], sequences: [],
    ranAs: 'connecting-role', notes: [], swept: { databases: [], roles: [], left: [] },
  }
  if (!integrity.ok) {
    const where = integrity.damaged.map((d) => `${d.member} (bytes ${d.offset}-${d.offset + d.length - 1}) ${d.problem}`).join('; ')
    report.error = {
      code: 'BACKUP_CORRUPT',
      message: `the stored object does not match its manifest (${integrity.size} of ${integrity.expectedSize} bytes, sha256 ${integrity.sha256 === integrity.expectedSha256 ? 'equal' : 'differs'})${where ? `: ${where}` : ''}`,
    }
    report.durationMs = Date.now() - started
    return report
  }
  const admin = await connect(resolveConnection(server, env), { applicationName: 'pgkeep' })
  try {
    // Sweeping is housekeeping: a failure to is reported, and the verify goes on.
    report.swept = await sweepScratch(admin, { staleSeconds: options.scratchStaleSeconds })
      .catch((error: unknown) => ({ databases: [], roles: [], left: [{ kind: 'database' as const, name: '*', reason: `scratch databases could not be looked for: ${(error as Error).message}` }] }))
    const scratch: Scratch = await openScratch(admin, server, env, name, manifest.id)
    try {
      report.ranAs = scratch.ranAs
      if (scratch.reason) report.notes.push(`restored as the connecting role: ${scratch.reason}`)
      await restoreAndCompare(manifest, source, scratch, env, report, options)
    } finally {
      await closeScratch(admin, scratch)
    }
  } finally {
    await admin.end().catch(() => {})
  }
  report.durationMs = Date.now() - started
  return report
}

/** Restores into the scratch database and fills the report's tables and sequences (ok when all match). */
async function restoreAndCompare(manifest: BackupManifest, source: RestoreSource, scratch: Scratch, env: NodeJS.ProcessEnv, report: VerifyReport, options: VerifyOptions): Promise<void> {
  const asScratchRole = scratch.ranAs === 'scratch-role'
  if (asScratchRole) report.notes.push('ownership and privileges were not checked: a scratch role restores without ALTER … OWNER TO, GRANT and REVOKE')
  try {
    const { byMembers, jobs = 1 } = options
    const restoreOptions = { target: scratch.target, env, jobs, ...(asScratchRole ? { noOwner: true, noPrivileges: true } : {}) }
    await (byMembers ? restore(byMembers.leader, restoreOptions, byMembers.leader, undefined, byMembers.members) : restore(source, restoreOptions))
  } catch (error) {
    // The object matched its sha256: an encrypted one that does not open is the key's fault, not the backup's;
    // a scratch database the restore could not reach, or a cancel, says nothing of the backup either.
    if (isPgkeepError(error, 'DECRYPTION_FAILED') || isPgkeepError(error, 'CONNECT_FAILED') || isPgkeepError(error, 'ABORTED')) throw error
    report.error = { code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
    return
  }
  const client = await connect(resolveConnection(scratch.target, env), { applicationName: 'pgkeep' })
  try {
    for (const t of manifest.tables) {
      const found = await copyHash(client, t.schema, t.name).catch(() => null)
      report.tables.push({
        schema: t.schema, name: t.name, expectedRows: t.rows, foundRows: found?.rows ?? null, expectedSha256: t.sha256,
        foundSha256: found?.sha256 ?? null, ok: found !== null && found.rows === t.rows && found.sha256 === t.sha256,
      })
    }
    for (const s of manifest.sequences) {
      const found = await client
        .query<{ v: string; c: boolean }>(`SELECT last_value::text AS v, is_called AS c FROM ${quoteQualified(s.schema, s.name)}`)
        .then((r) => `${r.rows[0]!.v}${r.rows[0]!.c ? '' : ' (not called)'}`, () => null)
      const expected = `${s.value}${s.isCalled ? '' : ' (not called)'}`
      report.sequences.push({ schema: s.schema, name: s.name, expected, found, ok: found === expected })
    }
  } finally {
    await client.end().catch(() => {})
  }
  report.ok = report.tables.every((t) => t.ok) && report.sequences.every((s) => s.ok)
}

async function copyHash(client: pg.Client, schema: string, name: string): Promise<{ rows: number; sha256: string }> {
  const hash = createHash('sha256')
  const stream = copyToStream(client, `COPY ${quoteQualified(schema, name)} TO STDOUT`)
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk)
  return { rows: Number(stream.rowCount ?? 0), sha256: hash.digest('hex') }
}

