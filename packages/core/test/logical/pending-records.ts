// The archiver's pending-slot records (src/manager/pending-slots.ts) in a filesystem storage under the default
// key prefix; the folder goes with its last record.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export function pendingRecords(dir: string): string[] {
  const folder = join(dir, 'backups', 'archive', 'pending-slots')
  return existsSync(folder) ? readdirSync(folder) : []
}
