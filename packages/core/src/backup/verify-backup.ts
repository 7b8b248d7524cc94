// Automated backup testing: restore a backup into a scratch database on the same server (created,
// then always dropped), and compare every table's row count and COPY text hash, and every sequence,
// with the manifest. The report says table by table what was expected and what was found.
import { createHash } from 'node:crypto'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { connect, resolveConnection, withDatabaseName, type ConnectionParams } from '../connection/index'
import { quoteIdent, quoteQualified } from '../emit/quote'
import { isPgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'
import type { RestoreSource } from '../restore/open-source'
import { restore } from '../restore/restore'
import type { StorageDriver } from '../storage/driver'
import { checkIntegrity, type IntegrityReport } from './check-integrity'

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
}

export async function verifyBackup(
  manifest: BackupManifest,
  storage: StorageDriver,
  source: RestoreSource,
  server: string | ConnectionParams | undefined,
  env: NodeJS.ProcessEnv,
): Promise<VerifyReport> {
  const started = Date.now()
  const scratch = `pgkeep_verify_${manifest.id.slice(0, 8)}_${started.toString(36)}`
  const integrity = await checkIntegrity(storage, manifest, manifest.encryption && typeof source === 'function' ? source : undefined)
  const report: VerifyReport = { id: manifest.id, ok: false, verifiedAt: new Date(started).toISOString(), durationMs: 0, integrity, tables: [], sequences: [] }
  if (!integrity.ok) {
    const where = integrity.damaged.map((d) => `${d.member} (bytes ${d.offset}-${d.offset + d.length - 1}) ${d.problem}`).join('; ')
    report.error = {
      code: 'BACKUP_CORRUPT',
      message: `the stored object does not match its manifest (${integrity.size} of ${integrity.expectedSize} bytes, sha256 ${integrity.sha256 === integrity.expectedSha256 ? 'equal' : 'differs'})${where ? `: ${where}` : ''}`,
    }
    report.durationMs = Date.now() - started
    return report
  }
  try {
    await restore(source, { target: server, createDatabase: scratch, env })
  } catch (error) {
    // The object matched its sha256: an encrypted one that does not open is the key's fault, not the backup's.
    if (isPgkeepError(error, 'DECRYPTION_FAILED')) throw error
    report.error = { code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
    report.durationMs = Date.now() - started
    return report
  }
  const client = await connect(resolveConnection(withDatabaseName(server, scratch), env), { applicationName: 'pgkeep' })
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
    await dropScratch(server, scratch, env)
  }
  report.ok = report.tables.every((t) => t.ok) && report.sequences.every((s) => s.ok)
  report.durationMs = Date.now() - started
  return report
}

async function copyHash(client: pg.Client, schema: string, name: string): Promise<{ rows: number; sha256: string }> {
  const hash = createHash('sha256')
  const stream = client.query(copyTo(`COPY ${quoteQualified(schema, name)} TO STDOUT`))
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk)
  return { rows: Number(stream.rowCount ?? 0), sha256: hash.digest('hex') }
}


async function dropScratch(server: string | ConnectionParams | undefined, name: string, env: NodeJS.ProcessEnv): Promise<void> {
  const client = await connect(resolveConnection(server, env), { applicationName: 'pgkeep' })
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
  } finally {
    await client.end().catch(() => {})
  }
}
