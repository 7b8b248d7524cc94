// A change-archive chain built from the low-level pieces, for the point-in-time restore tests, until the
// manager's own archive() exists (then this one file is swapped for a call to it): a logical slot with an
// exported snapshot, a manager backup dumped in that snapshot whose manifest then gets the `changes` field,
// and runArchiver writing segments into chainPrefixOf(the backup's key). Each stored segment's manifest
// gets the source's sequence values sampled right after it was stored, as the archiver's sampling will.
import { Readable } from 'node:stream'
import { runSql } from '@pgkeep/testkit'
import { manifestKeyOf } from '../../src/backup/backup-name'
import type { BackupRecord } from '../../src/backup/backup-record'
import { createBackupManager } from '../../src/manager'
import { runArchiver } from '../../src/logical/archiver'
import { chainPrefixOf } from '../../src/logical/chain'
import type { SegmentManifest } from '../../src/logical/change-segment'
import { formatLsn } from '../../src/logical/lsn'
import { connectForReplication, createSlotWithSnapshot } from '../../src/logical/replication-slot'
import { segmentKeys } from '../../src/logical/change-segment'
import { parseLsn } from '../../src/logical/lsn'
import type { StorageDriver } from '../../src/storage/driver'

export interface TestChain {
  record: BackupRecord
  /** Transactions stored in segments so far. */
  archived(): number
  /** Waits until `n` transactions are stored. */
  waitFor(n: number): Promise<void>
  /** Stops the archiver (it stores what it holds) and drops the slot. */
  stop(): Promise<void>
}

export async function startTestChain(options: {
  url: string
  storage: StorageDriver
  slot: string
  publication: string
  /** Runs while the base backup is being dumped. */
  during?: () => Promise<void>
  segmentSeconds?: number
}): Promise<TestChain> {
  const { url, storage, slot, publication } = options
  const replication = await connectForReplication({ connectionString: url })
  const created = await createSlotWithSnapshot(replication, slot)
  const maker = createBackupManager({ connectionString: url, storage, dump: { snapshot: created.snapshot } })
  const [record] = await Promise.all([maker.create(), options.during?.()])
  // the manifest of a chain's base backup names its slot and consistent point (the archive lane writes it so)
  const manifestKey = manifestKeyOf(record!.storagePath)
  const manifest = JSON.parse(await readText(storage, manifestKey)) as Record<string, unknown>
  manifest.changes = { slot, publication, startLsn: formatLsn(created.consistentPoint) }
  await storage.put(manifestKey, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]), { contentType: 'application/json' })

  const prefix = chainPrefixOf(record!.storagePath)
  const stop = new AbortController()
  let archived = 0
  const sampling: Promise<void>[] = []
  const run = runArchiver({
    replication, slot, publications: [publication], storage, prefix, segmentSeconds: options.segmentSeconds ?? 0, signal: stop.signal,
    onSegment: (m) => {
      archived += m.transactions
      sampling.push(sampleSequences(url, storage, prefix, m))
    },
  })
  return {
    record: record!,
    archived: () => archived,
    async waitFor(n) {
      for (let i = 0; i < 1200 && archived < n; i++) await new Promise((r) => setTimeout(r, 50))
      if (archived < n) throw new Error(`the archiver stored ${archived} of ${n} transactions`)
      await Promise.all(sampling)
    },
    async stop() {
      stop.abort()
      await run.finally(() => replication.end().catch(() => {}))
      await Promise.all(sampling)
      await runSql(url, `SELECT pg_drop_replication_slot('${slot}') FROM pg_replication_slots WHERE slot_name = '${slot}'`)
    },
  }
}

async function sampleSequences(url: string, storage: StorageDriver, prefix: string, m: SegmentManifest): Promise<void> {
  const rows = await runSql<{ schema: string; name: string; value: string; is_called: boolean }>(url, `
    SELECT schemaname AS schema, sequencename AS name, coalesce(last_value, start_value)::text AS value, last_value IS NOT NULL AS is_called
      FROM pg_sequences ORDER BY 1, 2`)
  const { manifestKey } = segmentKeys(prefix, parseLsn(m.firstCommitLsn), parseLsn(m.endLsn))
  const sampled: SegmentManifest = { ...m, sequences: rows.map((r) => ({ schema: r.schema, name: r.name, value: r.value, isCalled: r.is_called })) }
  await storage.put(manifestKey, Readable.from([Buffer.from(JSON.stringify(sampled, null, 2))]), { contentType: 'application/json' })
}

async function readText(storage: StorageDriver, key: string): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of await storage.get(key)) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks).toString('utf8')
}
