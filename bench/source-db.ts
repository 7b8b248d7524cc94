// The databases the benchmark dumps: one per scale, named pgkeep_bench_s<scale>, filled by the sample
// boarding-house generator. A database is loaded under a `_loading` name and renamed only when the load
// finished, so an existing pgkeep_bench_s<scale> is always complete and is reused as it is.
import { loadSampleDatabase } from '../packages/testkit/src/sample-db/generate'
import { dropDatabase, quoteIdent, runSql, withDatabase } from '../packages/testkit/src/database'

export interface SourceDatabase {
  name: string
  url: string
  scale: number
  /** pg_database_size in bytes. */
  bytes: number
  /** Whether this run generated it (false: reused). */
  generated: boolean
}

/** The generator's data is deterministic per seed; the bench always uses this one. */
const SEED = 1

export function benchDatabaseName(scale: number): string {
  return `pgkeep_bench_s${String(scale).replace('.', 'p')}`
}

export async function ensureSourceDatabase(serverUrl: string, scale: number, log: (line: string) => void): Promise<SourceDatabase> {
  const name = benchDatabaseName(scale)
  const url = withDatabase(serverUrl, name)
  if (await exists(serverUrl, name)) {
    return { name, url, scale, bytes: await databaseBytes(serverUrl, name), generated: false }
  }
  const loading = `${name}_loading`
  await dropDatabase(serverUrl, loading) // left over by an interrupted load
  await runSql(serverUrl, `CREATE DATABASE ${quoteIdent(loading)} TEMPLATE template0`)
  log(`generating ${name} (scale ${scale}, about ${Math.round(scale * 7.7)} MiB); later runs reuse it`)
  const started = Date.now()
  try {
    await loadSampleDatabase(withDatabase(serverUrl, loading), {
      scale,
      seed: SEED,
      onProgress: throttled(log, 10_000),
    })
  } catch (err) {
    await dropDatabase(serverUrl, loading).catch(() => {})
    throw new Error(`unable to generate ${name}`, { cause: err })
  }
  // sets hint bits and the visibility map now, so the first timed dump does not write them
  await runSql(withDatabase(serverUrl, loading), 'VACUUM (ANALYZE)')
  await runSql(serverUrl, `ALTER DATABASE ${quoteIdent(loading)} RENAME TO ${quoteIdent(name)}`)
  log(`generated ${name} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  return { name, url, scale, bytes: await databaseBytes(serverUrl, name), generated: true }
}

// --- internal ---

async function exists(serverUrl: string, name: string): Promise<boolean> {
  const rows = await runSql<{ n: string }>(serverUrl, `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'`)
  return Number(rows[0]!.n) > 0
}

async function databaseBytes(serverUrl: string, name: string): Promise<number> {
  const rows = await runSql<{ b: string }>(serverUrl, `SELECT pg_database_size('${name}') AS b`)
  return Number(rows[0]!.b)
}

/** Passes on the generator's progress lines at most once per `ms` (it writes one per 400 rooms). */
function throttled(log: (line: string) => void, ms: number): (line: string) => void {
  let last = 0
  return (line) => {
    if (Date.now() - last < ms && !line.startsWith('done')) return
    last = Date.now()
    log(`  ${line}`)
  }
}
