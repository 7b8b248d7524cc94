// `pnpm bench --archive`: the change archiver against a steady write workload on an embedded server with
// wal_level = logical. Phase 1: writes at a fixed rate while the archiver runs (in a process of its own,
// so its RSS is measured alone): the rate it keeps, the slot's lag in bytes and the delay from a commit
// to its segment being stored. Phase 2: the archiver stopped, writes as fast as the server takes them for
// a few seconds, then the archiver restarted: how fast it drains that backlog (its throughput when not
// waiting on writes). Phase 3: the whole archive replayed onto a copy of the database as it was at the
// slot: the replay rate against the original write rate. Phase 4: one transaction that updates every row
// of a 300,000-row table, archived by a fresh archiver process: its rate and that process's peak RSS (the
// transaction spills to a temporary file, so memory does not follow its size). About four minutes in all.
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, withClient } from '../packages/testkit/src/database'
import { isEmbeddedMajor } from '../packages/testkit/src/embedded-binaries'
import { startEmbeddedServer } from '../packages/testkit/src/embedded-server'
import { replayArchive } from '../packages/core/src/logical/replay-archive'
import { fsStorage } from '../packages/core/src/storage/fs-storage'
import { markdown } from './report'

export interface ArchiveBenchArgs {
  /** Write transactions per second in phase 1. */
  rate: number
  /** Seconds of phase 1. */
  seconds: number
}

interface Sample { at: number; rssKiB: number; lagBytes: number }
interface Segment { at: number; transactions: number; rows: number; lastCommitAt: string }

const ROWS_PER_TX = 3 // two balance updates and a ledger insert
const ACCOUNTS = 1000
/** Rows of phase 4's table, all updated by one transaction. */
const LARGE_ROWS = 300_000

export async function runArchiveBench(args: ArchiveBenchArgs, log: (line: string) => void): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), 'pgkeep-archive-bench-'))
  chmodSync(workDir, 0o755) // the embedded server runs as another user when this process is root
  const major = Number(process.env.BENCH_PG_MAJOR ?? 15)
  if (!isEmbeddedMajor(major)) throw new Error(`BENCH_PG_MAJOR=${major} is not an embedded major (13-18)`)
  log(`archive: starting embedded PostgreSQL ${major} (wal_level = logical)`)
  const server = await startEmbeddedServer({ major: major as Parameters<typeof startEmbeddedServer>[0]['major'], dataDir: join(workDir, 'pg'), startTimeoutMs: 120_000 })
  let archiver: ChildProcess | null = null
  try {
    const db = await createDatabase(server.url, { prefix: 'archive_bench' })
    await runSql(db.url, `
      CREATE TABLE accounts (id integer PRIMARY KEY, balance bigint NOT NULL);
      CREATE TABLE ledger (id bigserial PRIMARY KEY, from_id integer NOT NULL, to_id integer NOT NULL, amount integer NOT NULL, at timestamptz NOT NULL DEFAULT now());
      INSERT INTO accounts SELECT g, 100000 FROM generate_series(1, ${ACCOUNTS}) g;
      CREATE PUBLICATION pgkeep_bench FOR ALL TABLES;`)
    await runSql(db.url, "SELECT pg_create_logical_replication_slot('pgkeep_bench', 'pgoutput')")
    // the database as it was at the slot: what a base backup in the slot's snapshot holds
    const copy = await createDatabase(server.url, { prefix: 'archive_bench_copy', template: db.name })
    const dir = join(workDir, 'archive')
    const segments: Segment[] = []
    const samples: Sample[] = []
    const peaks: number[] = []
    const start = () => startArchiver(db.url, dir, segments, peaks, log)
    const sampler = setInterval(() => {
      if (!archiver?.pid) return
      void slotLag(db.url).then((lagBytes) => samples.push({ at: Date.now(), rssKiB: rssKiB(archiver!.pid!), lagBytes }), () => {})
    }, 1000)

    // phase 1: a steady rate
    archiver = await start()
    log(`archive: phase 1, ${args.rate} transactions/s for ${args.seconds} s`)
    const steady = await writeAtRate(db.url, args.rate, args.seconds)
    const steadyEnd = Date.now()
    await waitFor(() => archived(segments).transactions >= steady.transactions, 60_000)
    const phase1 = { ...archived(segments), caughtUpAfter: (Date.now() - steadyEnd) / 1000 }
    const delays = segments.map((s) => (s.at - new Date(s.lastCommitAt).getTime()) / 1000)
    const phase1Samples = samples.slice()
    await stopArchiver(archiver)
    archiver = null

    // phase 2: a backlog, then the archiver drains it
    log('archive: phase 2, a backlog written as fast as the server takes it, then drained')
    const backlog = await writeAtRate(db.url, Number.POSITIVE_INFINITY, 5)
    const before = archived(segments).transactions
    const drainStart = Date.now()
    archiver = await start()
    await waitFor(() => archived(segments).transactions - before >= backlog.transactions, 120_000)
    const drainSeconds = (Date.now() - drainStart) / 1000
    await stopArchiver(archiver)
    archiver = null
    clearInterval(sampler)

    // phase 3: replay everything onto the copy
    log('archive: phase 3, replaying the archive onto the copy')
    const replayStart = Date.now()
    const replayed = await withClient(copy.url, (client) => replayArchive(client, fsStorage({ dir }), 'changes/'))
    const replaySeconds = (Date.now() - replayStart) / 1000
    const same = await sameState(db.url, copy.url)

    // phase 4: one large transaction, archived by a process of its own (its peak RSS is phase 4's)
    log(`archive: phase 4, one transaction updating ${LARGE_ROWS} rows`)
    await runSql(db.url, `CREATE TABLE wide (id integer PRIMARY KEY, a text, b text, c text, n numeric, at timestamptz)`)
    await runSql(db.url, `INSERT INTO wide SELECT g, md5(g::text), md5((g * 7)::text), 'row ' || g, g * 1.5, now() FROM generate_series(1, ${LARGE_ROWS}) g`)
    const rowsBefore = archived(segments).rows
    await runSql(db.url, `UPDATE wide SET a = md5(a), b = b || '-' || id, c = upper(c), n = n + 1`)
    const largeStart = Date.now()
    archiver = await start()
    // the insert and the update: each a transaction of LARGE_ROWS rows
    await waitFor(() => archived(segments).rows - rowsBefore >= 2 * LARGE_ROWS, 900_000)
    const largeSeconds = (Date.now() - largeStart) / 1000
    await stopArchiver(archiver)
    archiver = null
    const largePeak = peaks.at(-1) ?? 0

    const total = steady.transactions + backlog.transactions
    const rss = samples.map((s) => s.rssKiB).filter((v) => v > 0)
    const lags = phase1Samples.map((s) => s.lagBytes)
    const rows: string[][] = [
      ['phase 1: write rate asked / kept', `${args.rate} / ${(steady.transactions / steady.seconds).toFixed(0)} tx/s`, `${((steady.transactions * ROWS_PER_TX) / steady.seconds).toFixed(0)} rows/s`],
      ['phase 1: archived while writing', `${phase1.transactions} tx in ${phase1.segments} segments`, `caught up ${phase1.caughtUpAfter.toFixed(1)} s after the last write`],
      ['phase 1: slot lag (1 s samples)', `median ${kib(median(lags))} KiB, max ${kib(Math.max(0, ...lags))} KiB`, ''],
      ['phase 1: commit → segment stored', `median ${median(delays).toFixed(1)} s, max ${Math.max(0, ...delays).toFixed(1)} s`, 'segments close every 5 s'],
      ['phase 2: backlog written', `${backlog.transactions} tx in ${backlog.seconds.toFixed(1)} s`, `${((backlog.transactions * ROWS_PER_TX) / backlog.seconds).toFixed(0)} rows/s`],
      ['phase 2: archiver throughput draining it', `${(backlog.transactions / drainSeconds).toFixed(0)} tx/s`, `${((backlog.transactions * ROWS_PER_TX) / drainSeconds).toFixed(0)} rows/s`],
      ['phase 3: replay', `${replayed.transactions} tx in ${replaySeconds.toFixed(1)} s`, `${(replayed.rows / replaySeconds).toFixed(0)} rows/s, ${replayed.transactions === total && same ? 'copy equals the source' : 'COPY DIFFERS'}`],
      ['archiver RSS (1 s samples, both runs)', `min ${mb(Math.min(...rss))} MB, median ${mb(median(rss))} MB, max ${mb(Math.max(...rss))} MB`, 'run through tsx (TypeScript loaded at start)'],
      ['archiver peak RSS (getrusage, phases 1 and 2)', peaks.slice(0, 2).map((p) => `${(p / 1e6).toFixed(0)} MB`).join(', '), ''],
      [`phase 4: two transactions of ${LARGE_ROWS} rows (insert, update)`, `archived in ${largeSeconds.toFixed(1)} s`, `${((2 * LARGE_ROWS) / largeSeconds).toFixed(0)} rows/s, archiver peak RSS ${(largePeak / 1e6).toFixed(0)} MB`],
    ]
    const flags = process.env.BENCH_NODE_FLAGS ? `, archiver run with node ${process.env.BENCH_NODE_FLAGS}` : ''
    process.stdout.write(`\n## Change archive, PostgreSQL ${major} embedded, node ${process.version}${flags}, load average ${loadavg()[0]!.toFixed(1)} at the end\n\n`)
    process.stdout.write(`${markdown(['', 'measured', ''], rows, [false, false, false])}\n`)
    await copy.drop()
    await db.drop()
    return replayed.transactions === total && same ? 0 : 1
  } finally {
    if (archiver) archiver.kill('SIGKILL')
    await server.stop()
    rmSync(workDir, { recursive: true, force: true })
  }
}

// --- internal ---

function startArchiver(url: string, dir: string, segments: Segment[], peaks: number[], log: (line: string) => void): Promise<ChildProcess> {
  const worker = join(import.meta.dirname, 'archive-worker.ts')
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', worker], {
    env: { ...process.env, ARCHIVE_URL: url, ARCHIVE_SLOT: 'pgkeep_bench', ARCHIVE_DIR: dir, ARCHIVE_SEGMENT_SECONDS: '5' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let buffer = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, end)) as Segment | { exit: string; peakRss: number }
      buffer = buffer.slice(end + 1)
      if ('exit' in line) {
        log(`archive: archiver returned (${line.exit}), peak RSS ${(line.peakRss / 1e6).toFixed(0)} MB`)
        peaks.push(line.peakRss)
      }
      else segments.push(line)
    }
  })
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child))
    child.once('error', reject)
  })
}

async function stopArchiver(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  child.kill('SIGTERM')
  await exited
}

/** Transfers at `rate` a second over four sessions (Infinity: as fast as they go) for `seconds`. */
async function writeAtRate(url: string, rate: number, seconds: number): Promise<{ transactions: number; seconds: number }> {
  const SESSIONS = 4
  const started = Date.now()
  const end = started + seconds * 1000
  let issued = 0
  let done = 0
  const session = (client: Parameters<Parameters<typeof withClient>[1]>[0]) => (async () => {
    while (Date.now() < end) {
      // the number of transfers due by now at the asked rate; a session that is ahead waits
      const due = Number.isFinite(rate) ? Math.floor(((Date.now() - started) / 1000) * rate) : Number.POSITIVE_INFINITY
      if (issued >= due) {
        await new Promise((r) => setTimeout(r, 2))
        continue
      }
      const i = issued++
      const from = 1 + ((i * 7) % ACCOUNTS)
      const to = 1 + ((i * 13 + 1) % ACCOUNTS)
      await client.query(`BEGIN; UPDATE accounts SET balance = balance - 1 WHERE id = ${from}; UPDATE accounts SET balance = balance + 1 WHERE id = ${to}; INSERT INTO ledger (from_id, to_id, amount) VALUES (${from}, ${to}, 1); COMMIT;`)
      done++
    }
  })()
  await Promise.all(Array.from({ length: SESSIONS }, () => withClient(url, session)))
  return { transactions: done, seconds: (Date.now() - started) / 1000 }
}

function archived(segments: Segment[]): { transactions: number; rows: number; segments: number } {
  return { transactions: segments.reduce((n, s) => n + s.transactions, 0), rows: segments.reduce((n, s) => n + s.rows, 0), segments: segments.length }
}

async function slotLag(url: string): Promise<number> {
  const [row] = await runSql<{ lag: string }>(url, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag FROM pg_replication_slots WHERE slot_name = 'pgkeep_bench'")
  return Number(row?.lag ?? 0)
}

function rssKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : 0
  } catch {
    return 0
  }
}

async function sameState(a: string, b: string): Promise<boolean> {
  const state = (url: string) => runSql<{ t: string }>(url, `
    SELECT md5(string_agg(x::text, '|' ORDER BY x.id)) AS t FROM accounts x
    UNION ALL SELECT md5(string_agg(l.id || ',' || l.from_id || ',' || l.to_id || ',' || l.amount || ',' || l.at, '|' ORDER BY l.id)) FROM ledger l`)
  return JSON.stringify(await state(a)) === JSON.stringify(await state(b))
}

async function waitFor(what: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!what()) {
    if (Date.now() > end) throw new Error('the archiver did not catch up in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!
}
const kib = (bytes: number) => (bytes / 1024).toFixed(0)
const mb = (kiB: number) => ((kiB * 1024) / 1e6).toFixed(1)
