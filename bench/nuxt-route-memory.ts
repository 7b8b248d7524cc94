// `pnpm exec tsx bench/nuxt-route-memory.ts`: the memory check of a backup through the Nuxt route. The
// built KostMan example runs as its own Nitro server on the 500 MB sample database (scale 64, reused by
// the rest of the bench) with folder storage; an admin POSTs /api/backup/database and reads the streamed
// .sql.gz to the end. The server's RSS (/proc/<pid>/status, every 50 ms) may grow by less than 64 MB
// over its value after warm-up (signed in, history listed, so the manager exists); exit 1 otherwise.
//   --scale N   another sample scale (default 64 ≈ 500 MB)
//   env BENCH_DATABASE_URL: the server (default postgresql://postgres@127.0.0.1:5432/postgres);
//       BENCH_NODE_FLAGS: node flags for the Nitro server (e.g. --max-semi-space-size=1)
//       MALLOC_*: glibc's malloc settings, passed on to the server (e.g. MALLOC_MMAP_THRESHOLD_=131072)
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findFreePort } from '../packages/testkit/src/free-port'
import { buildKostman, KOSTMAN_DIR } from '../packages/nuxt/test/harness/build-kostman'
import { mb } from './report'
import { ensureSourceDatabase } from './source-db'

/** The acceptance limit of RSS growth, decimal megabytes (as the rest of the bench). */
const GROWTH_LIMIT = 64e6
const log = (line: string) => process.stderr.write(`bench: ${line}\n`)

/** The bench's own MALLOC_* variables (glibc's tunables read at start-up), for the server. */
function mallocSettings(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('MALLOC_') && e[1] !== undefined))
}

async function main(): Promise<number> {
  const scaleArg = process.argv.indexOf('--scale')
  const scale = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : 64
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
  const db = await ensureSourceDatabase(serverUrl, scale, log)
  const outputDir = await buildKostman(log)
  const storageDir = mkdtempSync(join(tmpdir(), 'pgkeep-bench-nuxt-'))
  const port = await findFreePort()
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)
  const child = spawn(process.execPath, [...nodeFlags, join(outputDir, 'server', 'index.mjs')], {
    cwd: KOSTMAN_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port),
      NUXT_SESSION_PASSWORD: randomBytes(24).toString('hex'),
      NUXT_PGKEEP_DATABASE_URL: db.url, NUXT_PGKEEP_STORAGE_DIR: storageDir,
      NUXT_PGKEEP_SCHEDULE_ENABLED: 'false', NUXT_PGKEEP_RATE_LIMIT: 'false', ...mallocSettings(),
    },
  })
  const base = `http://127.0.0.1:${port}`
  try {
    await waitUp(base)
    const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@kostman.test', password: 'kostman-admin' }) })
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    await (await fetch(`${base}/api/backup/history`, { headers: { cookie } })).arrayBuffer()
    await new Promise((r) => setTimeout(r, 2000))
    const baseline = rssOf(child.pid!)
    // the peak until the body's first byte (the backup) and until its end (the download too); RSS rarely
    // shrinks, so the second is the first unless the download added to it
    const peaks = { backup: baseline, download: baseline }
    let phase: keyof typeof peaks = 'backup'
    const sample = () => { peaks[phase] = Math.max(peaks[phase], rssOf(child.pid!)) }
    const sampler = setInterval(sample, 50)
    const started = Date.now()
    const response = await fetch(`${base}/api/backup/database`, { method: 'POST', headers: { cookie } })
    if (response.status !== 200) throw new Error(`POST /api/backup/database answered ${response.status}: ${await response.text()}`)
    let bytes = 0
    let backupSeconds = 0
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (bytes === 0) {
        sample()
        phase = 'download'
        backupSeconds = (Date.now() - started) / 1000
      }
      bytes += chunk.length
    }
    clearInterval(sampler)
    sample()
    const peak = Math.max(peaks.backup, peaks.download)
    const growth = peak - baseline
    const seconds = (Date.now() - started) / 1000
    process.stdout.write(`\nnode flags of the server: ${nodeFlags.join(' ') || '(none)'}\n`)
    process.stdout.write(`\n| database | backup (.sql.gz) | time (to the first byte) | server RSS after warm-up | peak until the first byte (the backup) | peak until the end (the download too) | growth | limit |\n`
      + `|---|---|---|---|---|---|---|---|\n`
      + `| ${db.name} (${mb(db.bytes)} MB) | ${mb(bytes)} MB | ${seconds.toFixed(1)} s (${backupSeconds.toFixed(1)} s) | ${mb(baseline)} MB | ${mb(peaks.backup)} MB | ${mb(peak)} MB | ${mb(growth)} MB | < ${mb(GROWTH_LIMIT)} MB |\n\n`)
    if (growth >= GROWTH_LIMIT) {
      log(`FAIL: the server's RSS grew by ${mb(growth)} MB (limit ${mb(GROWTH_LIMIT)} MB)`)
      return 1
    }
    return 0
  } finally {
    child.kill('SIGTERM')
    rmSync(storageDir, { recursive: true, force: true })
  }
}

/** Resident set size of a process, bytes. */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : 0
}

async function waitUp(url: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    try {
      await (await fetch(`${url}/api/health`)).arrayBuffer()
      return
    } catch {
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  throw new Error(`the KostMan server at ${url} did not start`)
}

main().then((code) => { process.exitCode = code }, (error) => {
  log(error instanceof Error ? error.stack ?? error.message : String(error))
  process.exitCode = 1
})
