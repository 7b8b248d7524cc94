// A nightly backup for cron or a systemd timer: back up the database, verify the backup (restore it into
// a scratch database and compare it with its manifest), then apply the retention policy. One line per
// step on stdout (or one JSON document with --json); exit status 0 when every step succeeded, 1 when one
// failed (the steps after it are skipped), 2 for a bad argument, 130 when SIGINT or SIGTERM stopped it
// (a backup in progress is aborted: nothing half written stays in storage).
//
// Everything comes from the environment: DATABASE_URL (or PGKEEP_DATABASE_URL), the storage
// (PGKEEP_BACKUP_DIR, or PGKEEP_S3_BUCKET with PGKEEP_S3_ENDPOINT, …_ACCESS_KEY, …_SECRET_KEY),
// encryption (PGKEEP_ENCRYPTION_PASSPHRASE or PGKEEP_ENCRYPTION_RECIPIENTS with PGKEEP_AGE_IDENTITY_FILE),
// and PGKEEP_KEEP_DAYS (default 30).
//
//   tsx nightly-backup.ts [--json] [--keep-days N] [--no-verify]
import { createBackupManager, isPgkeepError, managerOptionsFromEnv } from '@pgkeep/core'

interface Step {
  step: 'backup' | 'verify' | 'cleanup'
  ok: boolean | null
  ms: number
  detail: Record<string, unknown>
}

const args = process.argv.slice(2)
const json = args.includes('--json')
const verify = !args.includes('--no-verify')
const keepDays = argValue('--keep-days') ?? process.env.PGKEEP_KEEP_DAYS ?? '30'
if (!/^\d+$/.test(keepDays)) usage(`--keep-days (or PGKEEP_KEEP_DAYS) must be a whole number of days, not "${keepDays}"`)
const unknown = args.filter((a, i) => !['--json', '--no-verify', '--keep-days'].includes(a) && args[i - 1] !== '--keep-days')
if (unknown.length > 0) usage(`unknown argument ${unknown[0]}`)

const steps: Step[] = []
let failed = false
const stop = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort(new Error(`stopped by ${signal}`)))

async function run(step: Step['step'], work: () => Promise<Record<string, unknown>>, line: (d: Record<string, unknown>) => string): Promise<Record<string, unknown> | null> {
  if (stop.signal.aborted) failed = true
  if (failed) {
    steps.push({ step, ok: null, ms: 0, detail: { skipped: 'an earlier step failed' } })
    if (!json) console.log(`${step.padEnd(8)} skipped (an earlier step failed)`)
    return null
  }
  const t0 = Date.now()
  try {
    const detail = await work()
    steps.push({ step, ok: true, ms: Date.now() - t0, detail })
    if (!json) console.log(`${step.padEnd(8)} ok      ${line(detail)} (${Date.now() - t0} ms)`)
    return detail
  } catch (error) {
    failed = true
    const detail = { code: isPgkeepError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
    steps.push({ step, ok: false, ms: Date.now() - t0, detail })
    if (!json) console.log(`${step.padEnd(8)} FAILED  ${detail.message} [${detail.code}]`)
    return null
  }
}

const backups = (() => {
  try {
    return createBackupManager({ ...managerOptionsFromEnv(), rateLimit: false })
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error))
  }
})()

const made = await run('backup', async () => {
  const record = await backups.create({ type: 'scheduled', actor: 'cron', signal: stop.signal })
  return { id: record.id, file: record.storagePath, bytes: record.size, rows: record.metadata.recordCount }
}, (d) => `${d.id} ${d.file} ${d.bytes} bytes, ${d.rows} rows`)

if (verify) {
  await run('verify', async () => {
    const report = await backups.verify(String(made!.id), { actor: 'cron' })
    if (!report.ok) throw new Error(report.error?.message ?? `${report.tables.filter((t) => !t.ok).length} tables do not match the manifest`)
    return { tables: report.tables.length, sequences: report.sequences.length }
  }, (d) => `${d.tables} tables and ${d.sequences} sequences match the manifest`)
}

await run('cleanup', async () => {
  const result = await backups.cleanup({ daysToKeep: Number(keepDays), actor: 'cron' })
  if (result.busy) throw new Error('another backup is being written; nothing was deleted')
  return { deleted: result.deleted.map((r) => r.id), kept: result.kept.length }
}, (d) => `deleted ${(d.deleted as string[]).length}, kept ${d.kept} (backups younger than ${keepDays} days and the newest)`)

if (json) console.log(JSON.stringify({ ok: !failed, steps }, null, 2))
process.exit(stop.signal.aborted ? 130 : failed ? 1 : 0)

function argValue(name: string): string | undefined {
  const i = args.indexOf(name)
  return i === -1 ? undefined : (args[i + 1] ?? '')
}

function usage(message: string): never {
  console.error(`nightly-backup: ${message}`)
  process.exit(2)
}
