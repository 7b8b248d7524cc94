// `pnpm bench --schema`: schema-only dumps of many relations, pgkeep against `pg_dump -s`, each command timed
// in turn: an application's schema of 972 relations (the boarding-house sample schema 18 times, where
// node's start-up weighs most), 2,000 tables of 6 relations each (12,000 relations) and 10,000 tables +
// 10,000 views (20,000 relations), through the command (its node flag) and through the library in a plain node process, with
// peak RSS (GNU time). Both databases live on an embedded server of their own, started with a lock table
// large enough for pg_dump (max_locks_per_transaction = 256): the default one cannot hold 10,000 table
// locks, and the bench must not change the configuration of the machine's server. Its data folder is kept,
// so the databases are generated once.
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmbeddedServer } from '../packages/testkit/src/embedded-server'
import { isEmbeddedMajor } from '../packages/testkit/src/embedded-binaries'
import { runSql, withDatabase } from '../packages/testkit/src/database'
import { localPgDumpMajor } from '../packages/testkit/src/psql'
import { createAppSchemas } from '../packages/testkit/src/sample-db/app-schemas'
import { createManyRelations } from '../packages/testkit/src/sample-db/many-relations'
import { measure, TIME, type DumpCommand, type Measurement } from './measure'
import { markdown, mb } from './report'
import { pgkeepCommand } from './tools'

const LIBRARY_DUMP = join(dirname(fileURLToPath(import.meta.url)), 'library-dump.mjs')
/** The acceptance limit on pgkeep's peak RSS for 20,000 relations, decimal megabytes (pg_dump needs ~80–150). */
export const SCHEMA_RSS_LIMIT = 128e6

interface SchemaDatabase {
  name: string
  label: string
  create: (url: string) => Promise<void>
  /** The database the peak-RSS limit is checked on. */
  rssLimit?: boolean
}

const DATABASES: SchemaDatabase[] = [
  { name: 'pgkeep_schema_app18', label: 'an app schema, 972 relations (the sample schema 18 times)', create: (url) => createAppSchemas(url, 18) },
  { name: 'pgkeep_schema_2000', label: '2,000 tables (12,000 relations)', create: (url) => createManyRelations(url, { tables: 2000, views: 0, shape: 'wide' }) },
  { name: 'pgkeep_schema_20k', label: '10,000 tables + 10,000 views', create: (url) => createManyRelations(url, { tables: 10000, views: 10000, shape: 'bare' }), rssLimit: true },
]

export async function runSchemaBench(runs: number, workDir: string, log: (line: string) => void): Promise<number> {
  const major = Number(process.env.BENCH_PG_MAJOR ?? (await localPgDumpMajor()) ?? 15)
  if (!isEmbeddedMajor(major)) throw new Error(`unable to start an embedded server: BENCH_PG_MAJOR=${major} is not an embedded major (13-18)`)
  // as root the server runs as another user, who cannot reach root's home: the OS temp folder then
  const cache = process.getuid?.() === 0 ? join(tmpdir(), 'pgkeep-bench-cache') : join(homedir(), '.cache', 'pgkeep-bench')
  const dataDir = process.env.BENCH_SCHEMA_DATA_DIR ?? join(cache, `pg${major}-schema`)
  log(`starting embedded PostgreSQL ${major} (max_locks_per_transaction = 256) with data in ${dataDir}`)
  const server = await startEmbeddedServer({ major, dataDir, startTimeoutMs: 120_000, settings: { max_locks_per_transaction: 256 } })
  /** The pgkeep rows over the limit at 20,000 relations, with their peak. */
  const over: string[] = []
  try {
    for (const db of DATABASES) {
      const url = await ensureSchemaDatabase(server.url, db, log)
      const rows: [string, DumpCommand, boolean][] = [
        ['pg_dump -s', { script: `${TIME} -v -o "$T0" pg_dump -s -d "$URL" -f "$OUT"`, processes: ['pg_dump'], env: { URL: url } }, false],
        ['pgkeep dump -s', pgkeepCommand('dump "$URL" -s -f "$OUT" -q', { env: { URL: url } }), true],
        ['library dump, schema only, plain node', { script: `${TIME} -v -o "$T0" "$NODE" "$SCRIPT" "$URL" "$OUT"`, processes: ['node'], env: { NODE: process.execPath, SCRIPT: LIBRARY_DUMP, URL: url } }, true],
      ]
      log(`${db.name}: warm-up (one untimed pg_dump -s)`)
      await measure(rows[0]![1], workDir, join(workDir, 'warmup.sql'))
      const results = rows.map(() => [] as Measurement[])
      for (let r = 1; r <= runs; r++) {
        for (const [i, [label, command]] of rows.entries()) {
          const m = await measure(command, workDir, join(workDir, 'schema.sql'))
          results[i]!.push(m)
          log(`${db.name} run ${r}/${runs}: ${label}: ${m.seconds.toFixed(2)} s, peak RSS ${mb(m.maxRssKiB * 1024)} MB`)
        }
      }
      const seconds = (i: number) => median(results[i]!.map((m) => m.seconds))
      const table = rows.map(([label, , pgkeep], i) => {
        const rss = Math.max(...results[i]!.map((m) => m.maxRssKiB)) * 1024
        if (pgkeep && db.rssLimit && rss >= SCHEMA_RSS_LIMIT) over.push(`${label} (${mb(rss)} MB)`)
        return [label, seconds(i).toFixed(2), mb(rss), median(results[i]!.map((m) => m.cpuSeconds)).toFixed(2), pgkeep ? `${(seconds(i) / seconds(0)).toFixed(2)}×` : '']
      })
      const header = ['command', 'seconds', 'peak RSS MB', 'CPU s', 'time / pg_dump -s']
      process.stdout.write(`\n## schema only: ${db.label}, PostgreSQL ${server.version}, ${runs === 1 ? '1 run' : `median of ${runs} runs`}, node ${process.version}\n\n`)
      process.stdout.write(`${markdown(header, table, header.map((_, i) => i > 0))}\n`)
    }
  } finally {
    await server.stop()
  }
  process.stdout.write(over.length > 0
    ? `\nFAIL: peak RSS for 20,000 relations is not under ${SCHEMA_RSS_LIMIT / 1e6} MB in: ${over.join(', ')}\n`
    : `\n20,000 relations under ${SCHEMA_RSS_LIMIT / 1e6} MB peak RSS\n`)
  return over.length > 0 ? 1 : 0
}

/** Creates the database under a `_loading` name and renames it when complete, so an existing one is whole. */
async function ensureSchemaDatabase(serverUrl: string, db: SchemaDatabase, log: (line: string) => void): Promise<string> {
  const url = withDatabase(serverUrl, db.name)
  const found = await runSql<{ n: string }>(serverUrl, `SELECT count(*) AS n FROM pg_database WHERE datname = '${db.name}'`)
  if (Number(found[0]!.n) > 0) return url
  const loading = `${db.name}_loading`
  await runSql(serverUrl, `DROP DATABASE IF EXISTS ${loading}`)
  await runSql(serverUrl, `CREATE DATABASE ${loading} TEMPLATE template0`)
  log(`generating ${db.name}: ${db.label}`)
  await db.create(withDatabase(serverUrl, loading))
  await runSql(serverUrl, `ALTER DATABASE ${loading} RENAME TO ${db.name}`)
  return url
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
