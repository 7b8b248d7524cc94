// The archiver process of `pnpm bench --archive` (archive-bench.ts starts it, so its RSS is its own):
// runs runArchiver on the slot given in the environment into a folder, prints one JSON line per stored
// segment, and stops (storing what it holds) on SIGTERM, printing its peak RSS (getrusage's maxRSS).
import { connect } from '../packages/core/src/connection/connect'
import { resolveConnection } from '../packages/core/src/connection/resolve-connection'
import { runArchiver } from '../packages/core/src/logical/archiver'
import { connectForReplication } from '../packages/core/src/logical/replication-slot'
import { fsStorage } from '../packages/core/src/storage/fs-storage'

const { ARCHIVE_URL, ARCHIVE_SLOT, ARCHIVE_DIR, ARCHIVE_SEGMENT_SECONDS } = process.env
const replication = await connectForReplication({ connectionString: ARCHIVE_URL! })
const sql = await connect(resolveConnection(ARCHIVE_URL!), { applicationName: 'pgkeep-bench-archiver' })
const stop = new AbortController()
process.on('SIGTERM', () => stop.abort())
const exit = await runArchiver({
  replication, sql, slot: ARCHIVE_SLOT!, publications: ['pgkeep_bench'], storage: fsStorage({ dir: ARCHIVE_DIR! }), prefix: 'changes/',
  segmentSeconds: Number(ARCHIVE_SEGMENT_SECONDS ?? 5), signal: stop.signal,
  onSegment: (m) => {
    const rows = Object.values(m.rows).reduce((a, b) => a + b, 0)
    process.stdout.write(`${JSON.stringify({ at: Date.now(), transactions: m.transactions, rows, lastCommitAt: m.lastCommitAt, size: m.size })}\n`)
  },
})
process.stdout.write(`${JSON.stringify({ exit: exit.reason, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`)
await replication.end()
await sql.end()
