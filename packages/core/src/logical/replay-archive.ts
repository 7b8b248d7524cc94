// Replays a change archive onto a database restored from its base backup: the segments in WAL order,
// each transaction in its own transaction, up to a target (a commit time, a WAL position, a transaction
// id) or all. A failure rolls back the transaction it happened in: the database then holds every whole
// transaction before it, and none after.
import type pg from 'pg'
import { PgkeepError, isPgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import { ChangeApplier } from './apply-changes'
import { readSegment, type ArchivedTransaction, type SegmentManifest } from './change-segment'
import { dateToPgTime, pgTimeToDate, type Lsn } from './lsn'

/**
 * Where a replay stops. A time replays every transaction committed at or before it; PostgreSQL keeps
 * microseconds and a Date milliseconds, so a time stands for its whole millisecond. A WAL position
 * replays every transaction whose commit record starts at or before it; a transaction id replays up to
 * that transaction's commit, included.
 */
export type ReplayTarget = Date | { lsn: Lsn } | { xid: number }

export interface ArchivedSegment {
  /** Key of the segment's data (`….changes.gz`). */
  key: string
  manifest: SegmentManifest
}

export interface ReplaySummary {
  transactions: number
  rows: number
  /** Commit LSN of the last transaction replayed, or null when none was. */
  lastCommitLsn: Lsn | null
  /** Commit time of the last transaction replayed, or null. */
  lastCommitAt: Date | null
  /** The segment that held the last transaction replayed, or null. */
  lastSegment: SegmentManifest | null
}

export interface ReplayOptions {
  /** The segments to replay (default: every segment under the prefix), e.g. those a plan has checked. */
  segments?: ArchivedSegment[]
  /** Checked between transactions: an abort rolls back nothing already committed and stops with ABORTED. */
  signal?: AbortSignal
  /** After each committed transaction. */
  onTransaction?: (summary: ReplaySummary) => void
}

/** The segments under `prefix`, in WAL order, with their manifests. */
export async function listSegments(storage: StorageDriver, prefix: string): Promise<ArchivedSegment[]> {
  const keys: string[] = []
  for await (const object of storage.list(prefix)) {
    if (object.key.endsWith('.segment.json')) keys.push(object.key)
  }
  // keys name the first and end LSN in fixed-width hex: their order is WAL order, whatever the storage lists
  keys.sort()
  const out: ArchivedSegment[] = []
  for (const key of keys) {
    const chunks: Buffer[] = []
    for await (const chunk of await storage.get(key)) chunks.push(Buffer.from(chunk as Uint8Array))
    let manifest: SegmentManifest
    try {
      manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SegmentManifest
    } catch (error) {
      throw new PgkeepError('BACKUP_CORRUPT', `change segment manifest ${key} is not valid JSON`, { cause: error })
    }
    out.push({ key: key.replace(/\.segment\.json$/, '.changes.gz'), manifest })
  }
  return out
}

/** Whether a transaction lies past the target (a time or a WAL position; an xid target is never "past" before it is met). */
export function pastTarget(until: ReplayTarget | undefined): (t: Pick<ArchivedTransaction, 'commitTime' | 'commitLsn'>) => boolean {
  if (until === undefined || 'xid' in until) return () => false
  if (until instanceof Date) {
    const limitMs = dateToPgTime(until) / 1000n
    return (t) => t.commitTime / 1000n > limitMs
  }
  return (t) => t.commitLsn > until.lsn
}

/** Reads a segment, checked against its manifest's sha256; a missing one is BACKUP_CORRUPT naming it. */
export async function readCheckedSegment(storage: StorageDriver, segment: ArchivedSegment): ReturnType<typeof readSegment> {
  try {
    return await readSegment(storage, segment.key, segment.manifest)
  } catch (error) {
    if (isPgkeepError(error, 'BACKUP_CORRUPT')) throw error
    if (isPgkeepError(error, 'STORAGE_NOT_FOUND')) {
      throw new PgkeepError('BACKUP_CORRUPT', `change segment ${segment.key} is missing (its manifest is there): the archive cannot be replayed past ${segment.manifest.firstCommitLsn}`, { cause: error })
    }
    if (isPgkeepError(error)) throw error
    throw new PgkeepError('BACKUP_CORRUPT', `change segment ${segment.key} cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
}

export async function replayArchive(client: pg.ClientBase, storage: StorageDriver, prefix: string, until?: ReplayTarget, options: ReplayOptions = {}): Promise<ReplaySummary> {
  const applier = new ChangeApplier(client)
  const beyond = pastTarget(until)
  const xid = until !== undefined && !(until instanceof Date) && 'xid' in until ? until.xid : null
  const summary = (): ReplaySummary => ({ ...applier.progress, lastCommitLsn, lastCommitAt, lastSegment })
  let lastCommitLsn: Lsn | null = null
  let lastCommitAt: Date | null = null
  let lastSegment: SegmentManifest | null = null
  try {
    for (const segment of options.segments ?? await listSegments(storage, prefix)) {
      const { relations, transactions } = await readCheckedSegment(storage, segment)
      for (const relation of relations) await applier.apply(relation)
      for (const t of transactions) {
        if (beyond(t)) return summary()
        if (options.signal?.aborted) throw new PgkeepError('ABORTED', 'the restore was cancelled while replaying the change archive', { cause: options.signal.reason })
        await applier.apply({ tag: 'begin', finalLsn: t.commitLsn, commitTime: t.commitTime, xid: t.xid })
        for (const change of t.changes) await applier.apply(change)
        await applier.apply({ tag: 'commit', flags: 0, commitLsn: t.commitLsn, endLsn: t.endLsn, commitTime: t.commitTime })
        lastCommitLsn = t.commitLsn
        lastCommitAt = pgTimeToDate(t.commitTime)
        lastSegment = segment.manifest
        options.onTransaction?.(summary())
        if (t.xid === xid) return summary()
      }
    }
  } catch (error) {
    await applier.abandon()
    throw error
  }
  return summary()
}
