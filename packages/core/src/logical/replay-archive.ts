// Replays a change archive onto a database restored from its base backup: the segments in WAL order,
// each transaction in its own transaction, up to a target (a commit time, or a WAL position) or all.
import type pg from 'pg'
import { PgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import { ChangeApplier } from './apply-changes'
import { readSegment, type SegmentManifest } from './change-segment'
import { dateToPgTime, type Lsn } from './lsn'

export type ReplayTarget = Date | { lsn: Lsn }

export interface ReplaySummary {
  transactions: number
  rows: number
  /** Commit LSN of the last transaction replayed, or null when none was. */
  lastCommitLsn: Lsn | null
}

/** The segments under `prefix`, in WAL order, with their manifests. */
export async function listSegments(storage: StorageDriver, prefix: string): Promise<{ key: string; manifest: SegmentManifest }[]> {
  const out: { key: string; manifest: SegmentManifest }[] = []
  for await (const object of storage.list(prefix)) {
    if (!object.key.endsWith('.segment.json')) continue
    const chunks: Buffer[] = []
    for await (const chunk of await storage.get(object.key)) chunks.push(Buffer.from(chunk as Uint8Array))
    let manifest: SegmentManifest
    try {
      manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SegmentManifest
    } catch (error) {
      throw new PgkeepError('BACKUP_CORRUPT', `change segment manifest ${object.key} is not valid JSON`, { cause: error })
    }
    out.push({ key: object.key.replace(/\.segment\.json$/, '.changes.gz'), manifest })
  }
  return out
}

export async function replayArchive(client: pg.ClientBase, storage: StorageDriver, prefix: string, until?: ReplayTarget): Promise<ReplaySummary> {
  const applier = new ChangeApplier(client)
  const beyond = until === undefined
    ? () => false
    : until instanceof Date
      ? ((limit: bigint) => (t: { commitTime: bigint }) => t.commitTime > limit)(dateToPgTime(until))
      : (t: { commitLsn: Lsn }) => t.commitLsn > until.lsn
  let lastCommitLsn: Lsn | null = null
  try {
    for (const { key, manifest } of await listSegments(storage, prefix)) {
      const { relations, transactions } = await readSegment(storage, key, manifest)
      for (const relation of relations) await applier.apply(relation)
      for (const t of transactions) {
        if (beyond(t)) return { ...applier.progress, lastCommitLsn }
        await applier.apply({ tag: 'begin', finalLsn: t.commitLsn, commitTime: t.commitTime, xid: t.xid })
        for (const change of t.changes) await applier.apply(change)
        await applier.apply({ tag: 'commit', flags: 0, commitLsn: t.commitLsn, endLsn: t.endLsn, commitTime: t.commitTime })
        lastCommitLsn = t.commitLsn
      }
    }
  } catch (error) {
    await applier.abandon()
    throw error
  }
  return { ...applier.progress, lastCommitLsn }
}
