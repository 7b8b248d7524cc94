// One side of large-transaction.test.ts in a node process of its own (run with tsx), so that its peak
// resident memory (getrusage's maxRSS, from the process's start) is that side's alone. Prints one JSON
// line. Arguments: `archive <url> <slot> <dir> <transactions>` runs the archiver until its stored
// segments hold that many transactions, then stops it; `replay <url> <dir>` replays the archive onto the database at url.
import { connect } from '../../src/connection/connect'
import { resolveConnection } from '../../src/connection/resolve-connection'
import { runArchiver } from '../../src/logical/archiver'
import { replayArchive } from '../../src/logical/replay-archive'
import { connectForReplication } from '../../src/logical/replication-slot'
import { fsStorage } from '../../src/storage/fs-storage'

const [side, url, ...rest] = process.argv.slice(2)
const peakRss = () => process.resourceUsage().maxRSS * 1024

if (side === 'archive') {
  const [slot, dir, wanted] = rest
  const replication = await connectForReplication({ connectionString: url! })
  const stop = new AbortController()
  let segments = 0
  let transactions = 0
  const exit = await runArchiver({
    replication, slot: slot!, publications: ['pgkeep_large'], storage: fsStorage({ dir: dir! }), prefix: 'changes/',
    segmentSeconds: 3600, signal: stop.signal,
    onSegment: (m) => {
      segments++
      transactions += m.transactions
      if (transactions >= Number(wanted)) stop.abort()
    },
  })
  await replication.end()
  process.stdout.write(`${JSON.stringify({ exit: exit.reason, segments, transactions, peakRss: peakRss() })}\n`)
} else if (side === 'replay') {
  const [dir] = rest
  const client = await connect(resolveConnection(url!), { applicationName: 'pgkeep-large-replay' })
  await client.query('SET session_replication_role = replica')
  const summary = await replayArchive(client, fsStorage({ dir: dir! }), 'changes/')
  await client.end()
  process.stdout.write(`${JSON.stringify({ transactions: summary.transactions, rows: summary.rows, peakRss: peakRss() })}\n`)
} else {
  throw new Error(`unknown side ${side}`)
}
