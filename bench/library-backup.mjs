// One managed backup through the library in a plain node process (no CLI, no node flags), the way a
// Nuxt or Express server runs it: `node bench/library-backup.mjs <url> <dir> <jobs>`; writes the record
// as JSON to $OUT.
import { writeFileSync } from 'node:fs'
import { createBackupManager, fsStorage } from '../packages/core/dist/index.js'

const [url, dir, jobs] = process.argv.slice(2)
const backups = createBackupManager({ connection: url, storage: fsStorage({ dir }), rateLimit: false, dump: { jobs: Number(jobs) } })
const record = await backups.create()
writeFileSync(process.env.OUT, JSON.stringify(record))
