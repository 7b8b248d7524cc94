// `pnpm bench`: times pgkeep against the machine's pg_dump on a generated sample database and reports
// seconds, MB/s and peak RSS (GNU time). `pnpm bench --memory` is the memory acceptance check: pgkeep's
// peak RSS on a 500 MB and a 1 GB database must stay under 100 MB and must not grow with the data.
// `pnpm bench --backup-memory` is the same check for `pgkeep backup` into S3 (backup-memory.ts): under 150 MB.
// `pnpm bench --archive` runs the change archiver against a steady write workload (archive-bench.ts).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { scaleForBytes } from '../packages/testkit/src/sample-db/generate'
import { BACKUP_MAX_GROWTH, BACKUP_RSS_LIMIT, runBackupMemory } from './backup-memory'
import { runArchiveBench } from './archive-bench'
import { runJobsBench } from './jobs-bench'
import { MEMBER_JOBS, RESTORE_JOBS, runRestoreBench } from './restore-bench'
import { runSchemaBench } from './schema-bench'
import { measure, TIME, type Measurement } from './measure'
import { markdown, mb, renderTable, summarise, type Summary } from './report'
import { ensureSourceDatabase, type SourceDatabase } from './source-db'
import { openTarget, type BenchTarget } from './target'
import { assertPgkeepBuilt, TOOLS, type ToolId } from './tools'

/** ~70 MiB of pg_database_size: the whole run takes about 25 s. */
const DEFAULT_SCALE = 8
/** 500 MiB and about 1 GB of pg_database_size. */
const MEMORY_SCALES = [64, 128]
/** The acceptance limit, decimal megabytes. */
const RSS_LIMIT = 100e6
/** The larger database may use at most this much more memory than the smaller one. */
const MAX_GROWTH = 0.15

const usage = `usage: pnpm bench [--scale N | --size 500MB] [--runs N] [--no-warmup] [--probe]
       pnpm bench --memory [--scales 64,128] [--probe]
       pnpm bench --backup-memory [--scales 64,128] [--runs N] [--probe]
       pnpm bench --jobs [--size 500MB] [--runs N]
       pnpm bench --archive [--rate N] [--seconds N]
       pnpm bench --restore [--size 500MB] [--runs N]
       pnpm bench --schema [--runs N]
  --scale N     sample database scale (1 ≈ 7.7 MiB); default ${DEFAULT_SCALE}, or BENCH_SCALE
  --size S      scale for a database size, e.g. 500MB (= scale 64) or 1GB
  --runs N      timed runs per command, median time reported; default 5 (1 with --memory, --backup-memory), or BENCH_RUNS
  --memory      dump scales ${MEMORY_SCALES.join(' and ')}; exit 1 unless pgkeep's peak RSS is < 100 MB on both
                and the larger run is at most ${MAX_GROWTH * 100}% above the smaller
  --backup-memory
                pgkeep backup of scales ${MEMORY_SCALES.join(' and ')} into S3 (s3rver started in a process of
                its own) and, for comparison, into a folder (--dir); exit 1 unless the S3 backup's peak RSS
                is < ${BACKUP_RSS_LIMIT / 1e6} MB on both and the larger run is at most ${BACKUP_MAX_GROWTH * 100}% above the smaller
  --jobs        pgkeep dump and pgkeep backup --dir with -j 1, 2 and 4 (and the backup through the library in a
                plain node process) against pg_dump, pg_dump | gzip -6 and pg_dump -Fd -j2; exit 1 unless every
                pgkeep row's peak RSS is < 128 MB
  --archive     the change archiver on an embedded server with wal_level = logical: N transfers a second
                (--rate, default 200) for --seconds (default 45) with the archiver in its own process, then
                a 5 s backlog it drains, then the archive replayed onto a copy, then one transaction of
                300,000 rows archived by a fresh archiver; prints rates, slot lag, commit-to-storage delay
                and the archiver's RSS (about four minutes); exit 1 unless the copy equals the source
  --restore     gunzip | psql and pgkeep restore -j${RESTORE_JOBS.join('/-j')} of one pgkeep .sql.gz, pgkeep restore <id>
                -j${MEMBER_JOBS.join('/-j')} of a stored backup in a folder (read by members), and pg_restore -j2 of a
                pg_dump -Fd folder, each into a new database, timed in turn, with peak RSS
  --schema      schema-only dumps of an app schema (972 relations), of 2,000 tables (12,000 relations) and of 10,000 tables + 10,000 views,
                pgkeep (command and library in plain node) against pg_dump -s, on an embedded server with
                max_locks_per_transaction = 256; exit 1 unless pgkeep's peak RSS for 20,000 relations is < 128 MB
  --probe       also sample process.memoryUsage() inside pgkeep (heap, external, arrayBuffers)
  --no-pg-dump  leave out the pg_dump rows
env: BENCH_DATABASE_URL (server to use; default postgresql://postgres@127.0.0.1:5432/postgres, else an
     embedded server), BENCH_EMBEDDED=1 (always the embedded server), BENCH_PG_MAJOR and BENCH_DATA_DIR
     (embedded server; default the local pg_dump's major, ~/.cache/pgkeep-bench/pg<major>),
     BENCH_WORK_DIR (where dump files go; default the OS temp folder), BENCH_NODE_FLAGS (node flags for
     the pgkeep process, e.g. --max-semi-space-size=1, to try a memory fix)`

interface Args {
  archive: { rate: number; seconds: number } | null
  jobs: boolean
  restore: boolean
  schema: boolean
  memory: boolean
  backupMemory: boolean
  scales: number[]
  runs: number
  warmup: boolean
  probe: boolean
  pgDump: boolean
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`)

try {
  process.exitCode = await main(parseArgs(process.argv.slice(2)))
} catch (err) {
  log(describeError(err))
  process.exitCode = 2
}

async function main(args: Args): Promise<number> {
  if (args.archive) return runArchiveBench(args.archive, log)
  assertPgkeepBuilt()
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing (Debian package "time"); it measures the peak RSS`)
  if (args.schema) {
    const workDir = mkdtempSync(join(process.env.BENCH_WORK_DIR ?? tmpdir(), 'pgkeep-bench-'))
    try {
      return await runSchemaBench(args.runs, workDir, log)
    } finally {
      rmSync(workDir, { recursive: true, force: true })
    }
  }
  const target = await openTarget(log)
  const workDir = mkdtempSync(join(process.env.BENCH_WORK_DIR ?? tmpdir(), 'pgkeep-bench-'))
  try {
    log(`server: PostgreSQL ${target.version}, ${target.origin}`)
    if (args.backupMemory) return await runBackupMemory(target, args, workDir, log)
    if (args.restore) {
      const db = await ensureSourceDatabase(target.serverUrl, args.scales[0]!, log)
      return await runRestoreBench(db, target.serverUrl, args.runs, workDir, log)
    }
    if (args.jobs) {
      const db = await ensureSourceDatabase(target.serverUrl, args.scales[0]!, log)
      return await runJobsBench(db, args.runs, workDir, log)
    }
    const tools: ToolId[] = ['pgkeep', 'pgkeep-gz']
    if (!args.pgDump) log('pg_dump rows left out (--no-pg-dump)')
    else if (target.pgDumpSkip) log(`pg_dump rows skipped: ${target.pgDumpSkip}`)
    else tools.push('pg_dump', 'pg_dump-gz')

    const results: { db: SourceDatabase; summaries: Summary[] }[] = []
    for (const scale of args.scales) {
      const db = await ensureSourceDatabase(target.serverUrl, scale, log)
      const summaries = await runSeries(db, tools, args, workDir)
      results.push({ db, summaries })
      process.stdout.write(`\n${heading(db, target, args)}\n\n${renderTable(summaries)}\n`)
      if (args.probe) process.stdout.write(`\n${probeTable(summaries, workDir, db)}\n`)
    }
    return args.memory ? memoryVerdict(results) : 0
  } finally {
    rmSync(workDir, { recursive: true, force: true })
    await target.stop()
  }
}

async function runSeries(db: SourceDatabase, tools: ToolId[], args: Args, workDir: string): Promise<Summary[]> {
  const output = (tool: ToolId) => join(workDir, `dump${TOOLS[tool].ext}`)
  const probeOut = (tool: ToolId) => (args.probe && tool.startsWith('pgkeep') ? join(workDir, `probe-${tool}.json`) : undefined)
  const command = (tool: ToolId) => {
    const p = probeOut(tool)
    return TOOLS[tool].command(db.url, p ? { probeOut: p } : {})
  }
  if (args.warmup) {
    // reads the whole database once, so the first timed command does not pay for a cold cache
    const tool = tools.includes('pg_dump') ? 'pg_dump' : 'pgkeep'
    log(`warm-up: one untimed ${TOOLS[tool].label}`)
    await measure(command(tool), workDir, output(tool))
  }
  const runs = new Map<ToolId, Measurement[]>(tools.map((t) => [t, []]))
  for (let r = 1; r <= args.runs; r++) {
    for (const tool of tools) {
      const m = await measure(command(tool), workDir, output(tool))
      runs.get(tool)!.push(m)
      log(`${db.name} run ${r}/${args.runs}: ${TOOLS[tool].label}: ${m.seconds.toFixed(2)} s, peak RSS ${mb(m.maxRssKiB * 1024)} MB`)
    }
  }
  const plainBytes = (tool: ToolId) => runs.get(tool.startsWith('pgkeep') ? 'pgkeep' : 'pg_dump')?.[0]?.outputBytes ?? 0
  return tools.map((tool) => summarise(tool, runs.get(tool)!, plainBytes(tool)))
}

function memoryVerdict(results: { db: SourceDatabase; summaries: Summary[] }[]): number {
  const failures: string[] = []
  const rows: string[][] = []
  for (const tool of ['pgkeep', 'pgkeep-gz'] as const) {
    const per = results.map(({ db, summaries }) => ({ db, s: summaries.find((x) => x.tool === tool)! }))
    for (const { db, s } of per) {
      if (s.maxRss >= RSS_LIMIT) failures.push(`${TOOLS[tool].label} on ${db.name}: peak RSS ${mb(s.maxRss)} MB is not under 100 MB`)
    }
    const first = per[0]!
    const last = per[per.length - 1]!
    const growth = last.s.maxRss / first.s.maxRss - 1
    if (per.length > 1 && growth > MAX_GROWTH) {
      failures.push(`${TOOLS[tool].label}: peak RSS grows ${(growth * 100).toFixed(1)}% from ${first.db.name} to ${last.db.name} (limit ${MAX_GROWTH * 100}%)`)
    }
    rows.push([TOOLS[tool].label, ...per.map(({ s }) => mb(s.maxRss)), per.length > 1 ? `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%` : ''])
  }
  const header = ['peak RSS MB', ...results.map(({ db }) => `${db.name} (${mb(db.bytes)} MB)`), 'growth']
  process.stdout.write(`\nMemory acceptance: peak RSS < 100 MB on each, growth ≤ ${MAX_GROWTH * 100}%\n\n`)
  process.stdout.write(`${markdown(header, rows, header.map((_, i) => i > 0))}\n\n`)
  if (failures.length === 0) {
    process.stdout.write('PASS\n')
    return 0
  }
  process.stdout.write(`FAIL\n${failures.map((f) => `- ${f}`).join('\n')}\n`)
  return 1
}

function heading(db: SourceDatabase, target: BenchTarget, args: Args): string {
  const runs = args.runs === 1 ? '1 run' : `median of ${args.runs} runs`
  return `## ${db.name}: scale ${db.scale}, pg_database_size ${mb(db.bytes)} MB (${(db.bytes / 2 ** 20).toFixed(1)} MiB), ` +
    `PostgreSQL ${target.version.split(' ')[0]}, ${runs}, node ${process.version}` +
    (process.env.BENCH_NODE_FLAGS ? `, pgkeep run with node ${process.env.BENCH_NODE_FLAGS}` : '')
}

function probeTable(summaries: Summary[], workDir: string, db: SourceDatabase): string {
  const rows: string[][] = []
  for (const s of summaries.filter((x) => x.tool.startsWith('pgkeep'))) {
    const file = join(workDir, `probe-${s.tool}.json`)
    if (!existsSync(file)) continue
    const kept = join(tmpdir(), `pgkeep-bench-probe-${db.name}-${s.tool}.json`)
    copyFileSync(file, kept)
    const { peak } = JSON.parse(readFileSync(file, 'utf8')) as { peak: Record<string, number> }
    rows.push([TOOLS[s.tool].label, ...['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'].map((k) => mb(peak[k]!)), kept])
  }
  const header = ['process.memoryUsage() peaks, MB', 'rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers', 'timeline']
  return markdown(header, rows, header.map((_, i) => i > 0 && i < 6))
}

function parseArgs(argv: string[]): Args {
  const memory = argv.includes('--memory')
  const backupMemory = argv.includes('--backup-memory')
  const jobs = argv.includes('--jobs')
  const archive = argv.includes('--archive') ? { rate: 200, seconds: 45 } : null
  const restore = argv.includes('--restore')
  const schema = argv.includes('--schema')
  if (memory && backupMemory) throw new Error(`--memory and --backup-memory are separate runs; give one\n${usage}`)
  let scales = [Number(process.env.BENCH_SCALE ?? DEFAULT_SCALE)]
  if (memory || backupMemory) scales = MEMORY_SCALES
  let runs = Number(process.env.BENCH_RUNS ?? (memory || backupMemory ? 1 : 5))
  let warmup = true
  let probe = false
  let pgDump = true
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage}`)
      return v
    }
    if (arg === '--memory' || arg === '--backup-memory' || arg === '--jobs' || arg === '--archive' || arg === '--restore' || arg === '--schema' || arg === '--') continue
    else if (arg === '--rate' && archive) archive.rate = Number(value())
    else if (arg === '--seconds' && archive) archive.seconds = Number(value())
    else if (arg === '--scale') scales = [Number(value())]
    else if (arg === '--scales') scales = value().split(',').map(Number)
    else if (arg === '--size') scales = [scaleForBytes(parseSize(value()))]
    else if (arg === '--runs') runs = Number(value())
    else if (arg === '--no-warmup') warmup = false
    else if (arg === '--probe') probe = true
    else if (arg === '--no-pg-dump') pgDump = false
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`)
      process.exit(0)
    } else throw new Error(`unknown argument ${arg}\n${usage}`)
  }
  for (const s of scales) if (!(s > 0)) throw new Error(`scale must be a positive number\n${usage}`)
  if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`--runs must be a whole number from 1\n${usage}`)
  // the generator works in whole properties (steps of 0.2); the database name uses the same value
  scales = scales.map((s) => Math.max(0.2, Math.round(s * 5) / 5))
  if (archive && !(archive.rate > 0 && archive.seconds > 0)) throw new Error(`--rate and --seconds must be positive numbers\n${usage}`)
  return { archive, jobs, restore, schema, memory, backupMemory, scales, runs, warmup, probe, pgDump }
}

/** "500MB", "1GB", "750M": binary units, as the generator's sizes are. */
function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMG])i?B?$/i.exec(text.trim())
  if (!match) throw new Error(`unable to read the size "${text}": use e.g. 500MB or 1GB`)
  return Number(match[1]) * 1024 ** ' KMG'.indexOf(match[2]!.toUpperCase())
}

function describeError(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message)
  return parts.length ? parts.join(': ') : String(err)
}
