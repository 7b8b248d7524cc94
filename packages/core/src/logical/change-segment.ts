// A segment of the change archive: whole transactions, in commit order, as gzip'd JSON lines
// (segment-lines.ts), with a small manifest beside it written last (segment-manifest.ts). The first line
// lists the relations its changes refer to, so that each segment replays on its own. Keys sort by WAL
// position. The archiver writes segments through segment-file.ts and the replay reads them through
// segment-reader.ts, neither holding a segment in memory; the functions here are for callers that hold
// or want whole transactions.
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { PgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import type { Lsn } from './lsn'
import { SegmentFile } from './segment-file'
import { decodeLine, type Relation, type RowChange } from './segment-lines'
import type { SegmentExtras, SegmentManifest } from './segment-manifest'
import { downloadSegment, segmentEvents } from './segment-reader'
import { TempFolder } from '../storage/temp-folder'
import { TransactionSpill } from './transaction-spill'

export type { Relation, RowChange } from './segment-lines'
export { segmentKeys, type SegmentExtras, type SegmentManifest } from './segment-manifest'

export interface ArchivedTransaction {
  xid: number
  commitLsn: Lsn
  /** End of the commit record: the position to confirm once this transaction is stored. */
  endLsn: Lsn
  /** Microseconds since 2000-01-01, as the server sent it. */
  commitTime: bigint
  changes: RowChange[]
}

/** Stores one segment (data first, manifest last) in the current format and returns its manifest. */
export async function writeSegment(storage: StorageDriver, prefix: string, slot: string, relations: Relation[], transactions: ArchivedTransaction[], extras: SegmentExtras = {}): Promise<SegmentManifest> {
  if (transactions.length === 0) throw new PgkeepError('INTERNAL', 'a change segment needs at least one transaction')
  const temp = new TempFolder('segment')
  const folder = () => temp.path()
  const file = SegmentFile.in(await folder(), transactions[0]!.commitLsn)
  try {
    for (const t of transactions) {
      const spill = new TransactionSpill({ xid: t.xid, commitLsn: t.commitLsn, commitTime: t.commitTime }, folder)
      try {
        for (const change of t.changes) await spill.add(change)
        await file.add(spill, t)
      } finally {
        await spill.discard()
      }
    }
    return await file.store(storage, prefix, slot, relations, extras)
  } finally {
    await file.discard()
    await temp.remove()
  }
}

/** Reads a whole segment back (in memory), checked against its manifest's sha256. */
export async function readSegment(storage: StorageDriver, key: string, manifest: SegmentManifest): Promise<{ relations: Relation[]; transactions: ArchivedTransaction[] }> {
  const temp = new TempFolder('segment')
  try {
    const path = join(await temp.path(), 'segment.gz')
    await downloadSegment(storage, key, manifest, path)
    let relations: Relation[] = []
    const transactions: ArchivedTransaction[] = []
    let current: ArchivedTransaction | null = null
    for await (const event of segmentEvents(path, key, manifest)) {
      if (event.kind === 'relations') relations = event.relations
      else if (event.kind === 'begin') current = { xid: event.xid, commitLsn: event.commitLsn, endLsn: 0n, commitTime: event.commitTime, changes: [] }
      else if (event.kind === 'change') current!.changes.push(event.change)
      else {
        current!.endLsn = event.endLsn
        transactions.push(current!)
        current = null
      }
    }
    return { relations, transactions }
  } finally {
    await temp.remove()
  }
}

/**
 * The relations a stored segment refers to (its first line), without reading the rest: the archiver
 * learns from them what the chain already holds when it resumes.
 */
export async function readSegmentRelations(storage: StorageDriver, key: string): Promise<Relation[]> {
  const gunzip = createGunzip()
  const source = (await storage.get(key)) as Readable
  source.on('error', (error) => gunzip.destroy(error))
  source.pipe(gunzip)
  let head = Buffer.alloc(0)
  try {
    for await (const chunk of gunzip) {
      head = Buffer.concat([head, chunk as Buffer])
      const end = head.indexOf(10)
      if (end >= 0) return decodeLine<{ relations: Relation[] }>(head.subarray(0, end).toString('utf8')).relations
    }
  } catch (error) {
    throw new PgkeepError('BACKUP_CORRUPT', `change segment ${key} cannot be read`, { cause: error })
  } finally {
    source.unpipe(gunzip)
    source.destroy()
    gunzip.destroy()
  }
  throw new PgkeepError('BACKUP_CORRUPT', `change segment ${key} has no relations line`)
}
