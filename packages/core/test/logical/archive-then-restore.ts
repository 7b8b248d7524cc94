// One round of a replay test: archive a database with manager.archive(), make changes while it runs,
// note the moment after them, then restore the chain's base backup up to that moment into a new
// database and look at it. The replay tests (session settings, identity columns, enum values) differ
// only in their schema, their changes and what they compare.
import { createDatabase, runSql } from '@pgkeep/testkit'
import { createBackupManager, type ManagerEvents, type RestoreSummary } from '../../src/index'
import { chainPrefixOf } from '../../src/logical/chain'
import { fsStorage } from '../../src/storage/fs-storage'
import { archivedMarks, waitFor } from './ledger-workload'

export interface ArchiveThenRestore {
  /** The server of `databaseUrl`, where the copy is made. */
  serverUrl: string
  /** The database archived; it must have a table `marks (n integer PRIMARY KEY)`. The caller drops it. */
  databaseUrl: string
  /** The folder of the archive's storage. */
  storageDir: string
  /** Prefix of the copy's name. */
  copyPrefix: string
  /** The changes to archive, made once the archive has started. */
  changes: () => Promise<void>
  /** Runs on the new, empty copy before the restore (its own settings, say). */
  beforeRestore?: (copyUrl: string) => Promise<void>
  /** Looks at the copy, restored up to the moment after `changes`; the copy is dropped afterwards. */
  check: (copyUrl: string, summary: RestoreSummary) => Promise<void>
}

export async function archiveThenRestore(o: ArchiveThenRestore): Promise<void> {
  const storage = fsStorage({ dir: o.storageDir })
  const manager = createBackupManager({ connectionString: o.databaseUrl, storage, archive: { segmentSeconds: 1 } })
  const starts: ManagerEvents['archive:start'][] = []
  manager.on('archive:start', (e) => { starts.push(e) })
  const handle = manager.archive()
  try {
    await waitFor('the archive to start', () => starts.length > 0 || !handle.status().running, 120_000)
    if (!handle.status().running) await handle.done
    const chainId = starts[0]!.chainId
    await o.changes()
    const until = await moment()
    // a change after the moment, archived: every change before it is in storage
    await runSql(o.databaseUrl, 'INSERT INTO marks VALUES (1)')
    const prefix = chainPrefixOf((await manager.get(chainId)).storagePath)
    await waitFor('the archive to hold the mark', async () => (await archivedMarks(storage, prefix)) >= 1, 120_000)
    await handle.stop({ dropSlot: true })
    await handle.done

    const copy = await createDatabase(o.serverUrl, { prefix: o.copyPrefix })
    try {
      await o.beforeRestore?.(copy.url)
      await o.check(copy.url, await manager.restore(chainId, { target: copy.url, until }))
    } finally {
      await copy.drop()
    }
  } finally {
    if (handle.status().running) await handle.stop({ dropSlot: true }).catch(() => {})
    await handle.done.catch(() => {})
  }
}

/** A moment between two changes: 20 ms after the last, 20 ms before the next. */
async function moment(): Promise<Date> {
  await new Promise((resolve) => setTimeout(resolve, 20))
  const at = new Date()
  await new Promise((resolve) => setTimeout(resolve, 20))
  return at
}
