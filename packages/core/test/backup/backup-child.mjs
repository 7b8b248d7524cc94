// Runs one managed backup of the built library (createBackupManager → fsStorage) in a node process of its
// own, as a web server would, and prints as one JSON line the record's size and tables, the process's
// peak resident memory (getrusage's maxRSS, counted from the process's start), the table data copied and the young-generation
// collections V8 made during the backup (a PerformanceObserver's gc entries): for backup-memory.test.ts.
// Arguments: the database URL, the backup folder, jobs, and "paced" or "unpaced" (the gcPacing option).
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { createBackupManager, fsStorage } from '../../dist/index.js'

const [url, dir, jobs, pacing = 'paced'] = process.argv.slice(2)
let minorGcs = 0
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minorGcs++
})
observer.observe({ entryTypes: ['gc'] })
const backups = createBackupManager({ connection: url, storage: fsStorage({ dir }), rateLimit: false, dump: { jobs: Number(jobs) }, gcPacing: pacing === 'paced' })
let dataBytes = 0
backups.on('backup:progress', (p) => {
  dataBytes = Math.max(dataBytes, p.bytes)
})
const record = await backups.create()
// gc entries are delivered asynchronously: let the last ones arrive
await new Promise((resolve) => setTimeout(resolve, 50))
observer.disconnect()
const peakRss = process.resourceUsage().maxRSS * 1024
process.stdout.write(`${JSON.stringify({ size: record.size, tables: record.metadata.tables.length, peakRss, dataBytes, minorGcs, globalGc: typeof globalThis.gc })}\n`)
