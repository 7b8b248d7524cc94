// Runs one managed backup of the built library (createBackupManager → fsStorage) in a node process of its
// own, as a web server would, and prints as one JSON line the record's size and tables and the process's
// peak resident memory (getrusage's maxRSS, counted from the process's start): for backup-memory.test.ts.
// Arguments: the database URL, the backup folder, jobs.
import { createBackupManager, fsStorage } from '../../dist/index.js'

const [url, dir, jobs] = process.argv.slice(2)
const backups = createBackupManager({ connection: url, storage: fsStorage({ dir }), rateLimit: false, dump: { jobs: Number(jobs) } })
const record = await backups.create()
const peakRss = process.resourceUsage().maxRSS * 1024
process.stdout.write(`${JSON.stringify({ size: record.size, tables: record.metadata.tables.length, peakRss })}\n`)
