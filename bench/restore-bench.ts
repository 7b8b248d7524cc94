// `pnpm bench --restore`: restoring the sample database, each command timed in turn into a new database:
// `gunzip | psql` and `pgkeep restore -j1/-j2/-j4` of the same pgkeep `.sql.gz`, `pgkeep restore <id> -j2/-j4`
// of a stored backup of the same database in a folder (read by members: each worker reads and inflates
// its own tables), and `pg_restore -j2` of a `pg_dump -Fd -Z6` folder, with peak RSS (GNU time) and the
// ratios to the two references. Every command
// includes creating its database (pgkeep restore -C creates it itself); the databases are dropped after.
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createBackupManager, fsStorage } from '../packages/core/src/index'
import { dropDatabase, withDatabase } from '../packages/testkit/src/database'
import { measure, TIME, type DumpCommand, type Measurement } from './measure'
import { markdown, mb } from './report'
import type { SourceDatabase } from './source-db'
import { pgkeepCommand } from './tools'

export const RESTORE_JOBS = [1, 2, 4]
/** jobs of the rows restoring a stored backup by members (jobs 1 reads it whole, as the .sql.gz row does). */
export const MEMBER_JOBS = [2, 4]
const TARGET = 'pgkeep_bench_restore'

interface Row {
  label: string
  command: DumpCommand
  pgkeep: boolean
}

export async function runRestoreBench(db: SourceDatabase, serverUrl: string, runs: number, workDir: string, log: (line: string) => void): Promise<number> {
  const gz = join(workDir, 'source.sql.gz')
  const dir = join(workDir, 'source.d')
  const target = withDatabase(serverUrl, TARGET)
  log('making the inputs (untimed): pgkeep dump -f source.sql.gz, pg_dump -Fd -Z6')
  await measure(pgkeepCommand('dump "$URL" -f "$GZ" -q && echo > "$OUT"', { env: { URL: db.url, GZ: gz } }), workDir, join(workDir, 'made'))
  await measure({ script: `${TIME} -v -o "$T0" pg_dump -d "$URL" -Fd -Z6 -f "$DIR" && echo > "$OUT"`, processes: ['pg_dump'], env: { URL: db.url, DIR: dir } }, workDir, join(workDir, 'made'))
  const store = join(workDir, 'store')
  log('making a stored backup in a folder (untimed): backups.create()')
  const stored = await createBackupManager({ connection: db.url, storage: fsStorage({ dir: store }) }).create()
  const create = `psql -d "$SERVER" -qX -v ON_ERROR_STOP=1 -c 'CREATE DATABASE ${TARGET} TEMPLATE template0'`
  const env = { SERVER: serverUrl, TARGET_URL: target, GZ: gz, DIR: dir, STORE: store, ID: stored.id }
  const rows: Row[] = [
    {
      label: 'gunzip | psql',
      pgkeep: false,
      command: { script: `${create} && ${TIME} -v -o "$T0" gunzip -c "$GZ" | ${TIME} -v -o "$T1" psql -qX -v ON_ERROR_STOP=1 -d "$TARGET_URL" > /dev/null && echo > "$OUT"`, processes: ['gunzip', 'psql'], env },
    },
    {
      label: 'pg_restore -j2 (-Fd)',
      pgkeep: false,
      command: { script: `${create} && ${TIME} -v -o "$T0" pg_restore -j2 -d "$TARGET_URL" "$DIR" && echo > "$OUT"`, processes: ['pg_restore'], env },
    },
  ]
  for (const jobs of RESTORE_JOBS) {
    rows.push({ label: `pgkeep restore -j${jobs}`, pgkeep: true, command: pgkeepCommand(`restore "$GZ" "$SERVER" -C ${TARGET} -j ${jobs} -q && echo > "$OUT"`, { env }) })
  }
  for (const jobs of MEMBER_JOBS) {
    rows.push({ label: `pgkeep restore <id> -j${jobs} (by members, fs)`, pgkeep: true, command: pgkeepCommand(`restore "$ID" "$SERVER" --dir "$STORE" -C ${TARGET} -j ${jobs} -q && echo > "$OUT"`, { env }) })
  }
  const results = new Map<string, Measurement[]>(rows.map((r) => [r.label, []]))
  try {
    for (let r = 1; r <= runs; r++) {
      for (const row of rows) {
        await dropDatabase(serverUrl, TARGET)
        const m = await measure(row.command, workDir, join(workDir, 'out'))
        results.get(row.label)!.push(m)
        log(`${db.name} run ${r}/${runs}: ${row.label}: ${m.seconds.toFixed(2)} s, peak RSS ${mb(m.maxRssKiB * 1024)} MB`)
      }
    }
  } finally {
    await dropDatabase(serverUrl, TARGET).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
    rmSync(store, { recursive: true, force: true })
  }
  const seconds = (label: string) => median(results.get(label)!.map((m) => m.seconds))
  const header = ['command', 'seconds', 'peak RSS MB', 'CPU s (client side)', 'time / gunzip \\| psql', 'time / pg_restore -j2']
  const table = rows.map((row) => {
    const ms = results.get(row.label)!
    const rss = Math.max(...ms.map((m) => m.maxRssKiB)) * 1024
    const ratio = (base: string) => (row.pgkeep ? `${(seconds(row.label) / seconds(base)).toFixed(2)}×` : '')
    return [row.label, seconds(row.label).toFixed(2), mb(rss), median(ms.map((m) => m.cpuSeconds)).toFixed(1), ratio('gunzip | psql'), ratio('pg_restore -j2 (-Fd)')]
  })
  const load = (await import('node:os')).loadavg()[0]!.toFixed(1)
  process.stdout.write(`\n## restore: ${db.name}, pg_database_size ${mb(db.bytes)} MB, .sql.gz ${mb(statSync(gz).size)} MB, stored backup ${mb(stored.size)} MB, ${runs === 1 ? '1 run' : `median of ${runs} runs`}, node ${process.version}, load average ${load} at the end\n\n`)
  process.stdout.write(`${markdown(header, table, header.map((_, i) => i > 0))}\n\n`)
  rmSync(gz, { force: true })
  return 0
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
