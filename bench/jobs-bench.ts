// `pnpm bench --jobs`: pgkeep with jobs 1, 2 and 4 against pg_dump, each command timed in turn:
// `pgkeep dump` vs `pg_dump` (plain), `pgkeep backup --dir` vs `pg_dump | gzip -6` and `pg_dump -Fd -j2`,
// and the same backup through the library in a plain node process (no CLI flags, as a web server runs it),
// and once more with NODE_OPTIONS=--max-semi-space-size=1, with peak RSS (GNU time) and the ratios to the references.
import { readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { measure, TIME, type DumpCommand, type Measurement } from './measure'
import { markdown, mb } from './report'
import type { SourceDatabase } from './source-db'
import { pgkeepCommand } from './tools'

const LIBRARY_BACKUP = join(dirname(fileURLToPath(import.meta.url)), 'library-backup.mjs')
export const JOBS = [1, 2, 4]
/** The acceptance limit on every pgkeep row's peak RSS, decimal megabytes. */
export const JOBS_RSS_LIMIT = 128e6

interface Row {
  label: string
  command: DumpCommand
  /** Reads what the command produced from $OUT. */
  size: (out: string) => number
  /** Labels of the rows this one is compared with. */
  baselines: string[]
  pgkeep: boolean
}

const fileSize = (out: string) => statSync(out).size
const recordSize = (out: string) => (JSON.parse(readFileSync(out, 'utf8')) as { size: number }).size

export function jobsRows(url: string, workDir: string): Row[] {
  const backupDir = join(workDir, 'backups')
  const rows: Row[] = [
    { label: 'pg_dump -f x.sql', pgkeep: false, baselines: [], size: fileSize, command: { script: `${TIME} -v -o "$T0" pg_dump -d "$URL" -f "$OUT"`, processes: ['pg_dump'], env: { URL: url } } },
  ]
  for (const jobs of JOBS) {
    rows.push({ label: `pgkeep dump -j${jobs} -f x.sql`, pgkeep: true, baselines: ['pg_dump -f x.sql'], size: fileSize, command: pgkeepCommand(`dump "$URL" -j ${jobs} -f "$OUT" -q`, { env: { URL: url } }) })
  }
  rows.push(
    { label: 'pg_dump | gzip -6', pgkeep: false, baselines: [], size: fileSize, command: { script: `${TIME} -v -o "$T0" pg_dump -d "$URL" | ${TIME} -v -o "$T1" gzip -6 > "$OUT"`, processes: ['pg_dump', 'gzip'], env: { URL: url } } },
    {
      label: 'pg_dump -Fd -j2',
      pgkeep: false,
      baselines: [],
      // The folder's size goes to $OUT (measure() reads and removes one file).
      size: (out) => Number(readFileSync(out, 'utf8')),
      command: { script: `${TIME} -v -o "$T0" pg_dump -d "$URL" -Fd -j2 -Z6 -f "$OUT.d" && du -sb "$OUT.d" | cut -f1 > "$OUT" && rm -rf "$OUT.d"`, processes: ['pg_dump'], env: { URL: url } },
    },
  )
  for (const jobs of JOBS) {
    rows.push({
      label: `pgkeep backup --dir -j${jobs}`,
      pgkeep: true,
      baselines: ['pg_dump | gzip -6', 'pg_dump -Fd -j2'],
      size: recordSize,
      command: pgkeepCommand(`backup "$URL" --dir "$BACKUP_DIR" -j ${jobs} -q --json > "$OUT"`, { env: { URL: url, BACKUP_DIR: backupDir } }),
    })
  }
  // A plain node process, as a web server runs the library; and the same with the one of the command's node
  // settings that a server can take from its environment (node refuses --heap-growing-percent in
  // NODE_OPTIONS): a 1 MB young generation.
  const libraryRuns: [string, Record<string, string>][] = [['plain node', {}], ['NODE_OPTIONS=--max-semi-space-size=1', { NODE_OPTIONS: '--max-semi-space-size=1' }]]
  for (const [how, env] of libraryRuns) {
    for (const jobs of JOBS) {
      rows.push({
        label: `library backup, ${how}, jobs ${jobs}`,
        pgkeep: true,
        baselines: ['pg_dump | gzip -6', 'pg_dump -Fd -j2'],
        size: recordSize,
        command: {
          script: `${TIME} -v -o "$T0" "$NODE" "$SCRIPT" "$URL" "$BACKUP_DIR" ${jobs}`,
          processes: ['node'],
          env: { NODE: process.execPath, SCRIPT: LIBRARY_BACKUP, URL: url, BACKUP_DIR: backupDir, ...env },
        },
      })
    }
  }
  return rows
}

export async function runJobsBench(db: SourceDatabase, runs: number, workDir: string, log: (line: string) => void): Promise<number> {
  const rows = jobsRows(db.url, workDir)
  const results = new Map<string, Measurement[]>(rows.map((r) => [r.label, []]))
  log('warm-up: one untimed pg_dump')
  await measure(rows[0]!.command, workDir, join(workDir, 'warmup.sql'))
  for (let r = 1; r <= runs; r++) {
    for (const row of rows) {
      const m = await measure(row.command, workDir, join(workDir, 'out'), row.size)
      results.get(row.label)!.push(m)
      rmSync(join(workDir, 'backups'), { recursive: true, force: true })
      log(`${db.name} run ${r}/${runs}: ${row.label}: ${m.seconds.toFixed(2)} s, peak RSS ${mb(m.maxRssKiB * 1024)} MB`)
    }
  }
  const seconds = (label: string) => median(results.get(label)!.map((m) => m.seconds))
  const header = ['command', 'seconds', 'peak RSS MB', 'CPU s', 'output MB', 'time / pg_dump (dump) or pg_dump+gzip (backup)', 'time / pg_dump -Fd -j2']
  const failures: string[] = []
  const table = rows.map((row) => {
    const ms = results.get(row.label)!
    const rss = Math.max(...ms.map((m) => m.maxRssKiB)) * 1024
    if (row.pgkeep && rss >= JOBS_RSS_LIMIT) failures.push(`${row.label}: peak RSS ${mb(rss)} MB is not under ${JOBS_RSS_LIMIT / 1e6} MB`)
    const ratio = (i: number) => (row.baselines[i] ? `${(seconds(row.label) / seconds(row.baselines[i]!)).toFixed(2)}×` : '')
    return [row.label, seconds(row.label).toFixed(2), mb(rss), median(ms.map((m) => m.cpuSeconds)).toFixed(1), mb(ms[ms.length - 1]!.outputBytes), ratio(0), ratio(1)]
  })
  process.stdout.write(`\n## jobs: ${db.name}, pg_database_size ${mb(db.bytes)} MB, ${runs === 1 ? '1 run' : `median of ${runs} runs`}, node ${process.version}\n\n`)
  process.stdout.write(`${markdown(header, table, header.map((_, i) => i > 0 && i < 5))}\n\n`)
  if (failures.length === 0) {
    process.stdout.write(`every pgkeep row under ${JOBS_RSS_LIMIT / 1e6} MB peak RSS\n`)
    return 0
  }
  process.stdout.write(`FAIL\n${failures.map((f) => `- ${f}`).join('\n')}\n`)
  return 1
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

