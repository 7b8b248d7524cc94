// Picks the PostgreSQL server the benchmark runs against: BENCH_DATABASE_URL, else the machine's server on
// 127.0.0.1:5432 (user postgres, trust), else (or with BENCH_EMBEDDED=1) an embedded server started for this
// run with a data folder that is kept, so the generated databases survive until the next run.
import { homedir } from 'node:os'
import { join } from 'node:path'
import { startEmbeddedServer } from '../packages/testkit/src/embedded-server'
import { isEmbeddedMajor } from '../packages/testkit/src/embedded-binaries'
import { serverMajor, withClient } from '../packages/testkit/src/database'
import { localPgDumpMajor } from '../packages/testkit/src/psql'

export interface BenchTarget {
  /** A URL of the server (its maintenance database); bench databases are made next to it. */
  serverUrl: string
  /** Where it came from, for the report. */
  origin: string
  /** `server_version`, e.g. `15.20 (Debian 15.20-0+deb12u1)`. */
  version: string
  major: number
  /** Why the pg_dump rows are skipped, when they are. */
  pgDumpSkip?: string
  stop(): Promise<void>
}

const LOCAL_URL = 'postgresql://postgres@127.0.0.1:5432/postgres'

export async function openTarget(log: (line: string) => void): Promise<BenchTarget> {
  const given = process.env.BENCH_DATABASE_URL
  if (given) return describeServer(given, 'BENCH_DATABASE_URL', async () => {})
  const forced = process.env.BENCH_EMBEDDED === '1'
  if (!forced && (await answers(LOCAL_URL))) return describeServer(LOCAL_URL, 'local server on 127.0.0.1:5432', async () => {})

  const major = Number(process.env.BENCH_PG_MAJOR ?? (await localPgDumpMajor()) ?? 15)
  if (!isEmbeddedMajor(major)) throw new Error(`unable to start an embedded server: BENCH_PG_MAJOR=${major} is not an embedded major (13-18)`)
  const dataDir = process.env.BENCH_DATA_DIR ?? join(homedir(), '.cache', 'pgkeep-bench', `pg${major}`)
  const why = forced ? 'BENCH_EMBEDDED=1' : 'no server answers on 127.0.0.1:5432'
  log(`${why}: starting embedded PostgreSQL ${major} with data in ${dataDir}`)
  const server = await startEmbeddedServer({ major, dataDir, startTimeoutMs: 120_000 })
  return describeServer(server.url, `embedded PostgreSQL (data kept in ${dataDir})`, () => server.stop())
}

// --- internal ---

async function answers(url: string): Promise<boolean> {
  try {
    await withClient(`${url}?connect_timeout=3`, (c) => c.query('SELECT 1'))
    return true
  } catch {
    return false
  }
}

async function describeServer(serverUrl: string, origin: string, stop: () => Promise<void>): Promise<BenchTarget> {
  const { version, major } = await withClient(serverUrl, async (client) => ({
    version: (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version,
    major: await serverMajor(client),
  }))
  const dumpMajor = await localPgDumpMajor()
  let pgDumpSkip: string | undefined
  if (dumpMajor === undefined) pgDumpSkip = 'pg_dump is not on PATH'
  else if (dumpMajor < major) pgDumpSkip = `the local pg_dump ${dumpMajor} refuses a PostgreSQL ${major} server (version mismatch)`
  return { serverUrl, origin, version, major, ...(pgDumpSkip ? { pgDumpSkip } : {}), stop }
}
