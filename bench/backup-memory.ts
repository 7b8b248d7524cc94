// `pnpm bench --backup-memory`: the memory acceptance of backups to S3. `pgkeep backup <url>` stores the
// 500 MB and the 1 GB sample database in an S3 endpoint (s3rver, started here in a process of its own, so
// that only the backup process is measured), under GNU time; a `pgkeep backup --dir` row beside it shows
// the same backup into a folder. Fails unless the S3 backup's peak RSS stays under 150 MB on both and grows
// at most 15% from the smaller database to the larger one.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startS3Server, type S3Server } from '../packages/testkit/src/s3-server'
import { s3Env } from '../packages/testkit/src/s3-env'
import { s3Storage } from '../packages/core/src/index'
import { DEFAULT_PART_BYTES } from '../packages/core/src/storage/s3-part-size'
import { measure, type Measurement } from './measure'
import { markdown, mb } from './report'
import { ensureSourceDatabase, type SourceDatabase } from './source-db'
import type { BenchTarget } from './target'
import { pgkeepCommand, TOOLS } from './tools'

/** The acceptance limit, decimal megabytes (as the rest of the bench). */
export const BACKUP_RSS_LIMIT = 150e6
/** The larger database may use at most this much more memory than the smaller one. */
export const BACKUP_MAX_GROWTH = 0.15

const BUCKET = 'pgkeep-bench'

export interface BackupMemoryArgs {
  scales: number[]
  runs: number
  warmup: boolean
  probe: boolean
}

type RowId = 's3' | 'fs'

const ROWS: Record<RowId, { label: string; args: string }> = {
  s3: { label: 'pgkeep backup → S3', args: 'backup "$URL" --json > "$OUT"' },
  fs: { label: 'pgkeep backup --dir', args: 'backup "$URL" --dir "$BACKUP_DIR" --json > "$OUT"' },
}

interface RowSummary {
  row: RowId
  runs: number
  /** Median wall time. */
  seconds: number
  /** Highest peak RSS over the runs, bytes. */
  maxRss: number
  cpuSeconds: number
  /** Compressed bytes stored (the record's size, checked against the storage). */
  storedBytes: number
}

/** The record `pgkeep backup --json` prints; what the bench needs of it. */
interface PrintedRecord {
  size: number
  storagePath: string
}

export async function runBackupMemory(target: BenchTarget, args: BackupMemoryArgs, workDir: string, log: (line: string) => void): Promise<number> {
  const s3 = await startS3Server({ directory: join(workDir, 's3rver') })
  try {
    log(`S3: s3rver at http://${s3.endPoint}:${s3.port} in a process of its own (not part of the measured RSS), bucket ${BUCKET}`)
    const results: { db: SourceDatabase; rows: RowSummary[] }[] = []
    for (const scale of args.scales) {
      const db = await ensureSourceDatabase(target.serverUrl, scale, log)
      const rows = await runSeries(db, s3, args, workDir, log)
      results.push({ db, rows })
      process.stdout.write(`\n${heading(db, target, args)}\n\n${renderRows(rows)}\n`)
      if (args.probe) process.stdout.write(`\n${probeTable(workDir)}\n`)
    }
    return verdict(results)
  } finally {
    // stop() waits for the child's exit, but the kit unrefs the child: without a handle of our own the
    // event loop would empty first and node would quit with 13 (an unsettled top-level await)
    const keepAlive = setInterval(() => {}, 1000)
    try {
      await s3.stop()
    } finally {
      clearInterval(keepAlive)
    }
  }
}

// --- internal ---

async function runSeries(db: SourceDatabase, s3: S3Server, args: BackupMemoryArgs, workDir: string, log: (line: string) => void): Promise<RowSummary[]> {
  const storage = s3Storage({ endPoint: s3.endPoint, port: s3.port, useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, bucket: BUCKET })
  const backupDir = join(workDir, 'fs-backups')
  const output = join(workDir, 'record.json')
  if (args.warmup) {
    // reads the whole database once, so the first timed backup does not pay for a cold cache
    log(`warm-up: one untimed ${TOOLS.pgkeep.label}`)
    await measure(TOOLS.pgkeep.command(db.url, {}), workDir, join(workDir, 'warmup.sql'))
  }
  const env: { [row in RowId]: Record<string, string> } = {
    s3: { URL: db.url, ...s3Env(s3, BUCKET) },
    fs: { URL: db.url, BACKUP_DIR: backupDir, PGKEEP_S3_BUCKET: '' },
  }
  const runs = new Map<RowId, Measurement[]>([['s3', []], ['fs', []]])
  for (let r = 1; r <= args.runs; r++) {
    for (const row of ['s3', 'fs'] as const) {
      const probeOut = args.probe ? join(workDir, `probe-backup-${row}.json`) : undefined
      let record: PrintedRecord | undefined
      const m = await measure(pgkeepCommand(ROWS[row].args, { env: env[row], ...(probeOut ? { probeOut } : {}) }), workDir, output, (file) => {
        record = readRecord(file)
        return record.size
      })
      // the backup really is in storage, with the size its record gives; then it goes, to free the space
      if (row === 's3') {
        const stored = await storage.stat(record!.storagePath)
        if (stored?.size !== record!.size) throw new Error(`S3 holds ${stored ? `${stored.size} bytes` : 'nothing'} under ${record!.storagePath}, the record says ${record!.size}`)
        await storage.remove(record!.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
        await storage.remove(record!.storagePath)
      } else {
        const file = join(backupDir, record!.storagePath)
        const size = existsSync(file) ? statSync(file).size : -1
        if (size !== record!.size) throw new Error(`${file} holds ${size} bytes, the record says ${record!.size}`)
        rmSync(backupDir, { recursive: true, force: true })
      }
      runs.get(row)!.push(m)
      log(`${db.name} run ${r}/${args.runs}: ${ROWS[row].label}: ${m.seconds.toFixed(2)} s, peak RSS ${mb(m.maxRssKiB * 1024)} MB, stored ${mb(m.outputBytes)} MB`)
    }
  }
  return (['s3', 'fs'] as const).map((row) => summarise(row, runs.get(row)!))
}

function readRecord(file: string): PrintedRecord {
  const text = readFileSync(file, 'utf8')
  let record: Partial<PrintedRecord>
  try {
    record = JSON.parse(text) as Partial<PrintedRecord>
  } catch (err) {
    throw new Error(`pgkeep backup --json printed no record: ${text.slice(0, 200)}`, { cause: err })
  }
  if (typeof record.size !== 'number' || typeof record.storagePath !== 'string') throw new Error(`pgkeep backup --json printed an unexpected record: ${text.slice(0, 200)}`)
  return record as PrintedRecord
}

function summarise(row: RowId, runs: Measurement[]): RowSummary {
  return {
    row,
    runs: runs.length,
    seconds: median(runs.map((r) => r.seconds)),
    maxRss: Math.max(...runs.map((r) => r.maxRssKiB)) * 1024,
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    storedBytes: runs[runs.length - 1]!.outputBytes,
  }
}

function renderRows(rows: RowSummary[]): string {
  const fs = rows.find((r) => r.row === 'fs')
  const header = ['command', 'seconds', 'peak RSS MB', 'CPU s', 'stored MB', 'stored MB/s', 'RSS / --dir']
  const body = rows.map((s) => [
    ROWS[s.row].label,
    s.seconds.toFixed(2),
    mb(s.maxRss),
    s.cpuSeconds.toFixed(2),
    mb(s.storedBytes),
    (s.storedBytes / 1e6 / s.seconds).toFixed(1),
    fs ? `${(s.maxRss / fs.maxRss).toFixed(2)}×` : '',
  ])
  return markdown(header, body, header.map((_, i) => i > 0))
}

function verdict(results: { db: SourceDatabase; rows: RowSummary[] }[]): number {
  const failures: string[] = []
  const table: string[][] = []
  for (const row of ['s3', 'fs'] as const) {
    const per = results.map(({ db, rows }) => ({ db, s: rows.find((x) => x.row === row)! }))
    const first = per[0]!
    const last = per[per.length - 1]!
    const growth = last.s.maxRss / first.s.maxRss - 1
    if (row === 's3') {
      for (const { db, s } of per) {
        if (s.maxRss >= BACKUP_RSS_LIMIT) failures.push(`${ROWS[row].label} of ${db.name}: peak RSS ${mb(s.maxRss)} MB is not under ${mb(BACKUP_RSS_LIMIT)} MB`)
      }
      if (per.length > 1 && growth > BACKUP_MAX_GROWTH) {
        failures.push(`${ROWS[row].label}: peak RSS grows ${(growth * 100).toFixed(1)}% from ${first.db.name} to ${last.db.name} (limit ${BACKUP_MAX_GROWTH * 100}%)`)
      }
    }
    table.push([
      `${ROWS[row].label}${row === 'fs' ? ' (comparison)' : ''}`,
      ...per.map(({ s }) => `${mb(s.maxRss)} MB, ${s.seconds.toFixed(1)} s, ${mb(s.storedBytes)} MB stored`),
      per.length > 1 ? `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%` : '',
    ])
  }
  const header = ['peak RSS, time, stored', ...results.map(({ db }) => `${db.name} (${mb(db.bytes)} MB)`), 'RSS growth']
  process.stdout.write(`\nBackup memory acceptance: pgkeep backup → S3 peak RSS < ${mb(BACKUP_RSS_LIMIT)} MB on each, growth ≤ ${BACKUP_MAX_GROWTH * 100}%\n\n`)
  process.stdout.write(`${markdown(header, table, header.map((_, i) => i > 0))}\n\n`)
  if (failures.length === 0) {
    process.stdout.write('PASS\n')
    return 0
  }
  process.stdout.write(`FAIL\n${failures.map((f) => `- ${f}`).join('\n')}\n`)
  return 1
}

function heading(db: SourceDatabase, target: BenchTarget, args: BackupMemoryArgs): string {
  const runs = args.runs === 1 ? '1 run' : `median time of ${args.runs} runs, highest RSS`
  return `## backups of ${db.name}: scale ${db.scale}, pg_database_size ${mb(db.bytes)} MB, PostgreSQL ${target.version.split(' ')[0]}, ` +
    `${runs}, node ${process.version}, gzip level 6, S3 parts of ${DEFAULT_PART_BYTES / 2 ** 20} MiB (s3rver on 127.0.0.1)` +
    (process.env.BENCH_NODE_FLAGS ? `, pgkeep run with node ${process.env.BENCH_NODE_FLAGS}` : '')
}

function probeTable(workDir: string): string {
  const rows: string[][] = []
  for (const row of ['s3', 'fs'] as const) {
    const file = join(workDir, `probe-backup-${row}.json`)
    if (!existsSync(file)) continue
    const { peak } = JSON.parse(readFileSync(file, 'utf8')) as { peak: { [key: string]: number } }
    rows.push([ROWS[row].label, ...['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'].map((k) => mb(peak[k]!))])
  }
  const header = ['process.memoryUsage() peaks, MB', 'rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers']
  return markdown(header, rows, header.map((_, i) => i > 0))
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
