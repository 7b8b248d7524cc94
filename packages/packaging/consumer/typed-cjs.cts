// A CommonJS TypeScript consumer (.cts): tsc with module nodenext (TypeScript >= 5.8) accepts a
// require of the ES module @pgkeep/core, as Node >= 20.19 does at run time. Compiled, never run.
import { createBackupManager, memoryStorage, type BackupRecord } from '@pgkeep/core'

export async function backup(url: string): Promise<BackupRecord> {
  return createBackupManager({ connection: url, storage: memoryStorage() }).create({ type: 'manual' })
}
