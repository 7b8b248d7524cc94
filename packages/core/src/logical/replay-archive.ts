// Replays a change archive onto a database restored from its base backup: the segments in WAL order,
// each transaction in its own transaction, up to a target (a commit time, a WAL position, a transaction
// id) or all. A failure rolls back the transaction it happened in: the database then holds every whole
// transaction before it, and none after. Each segment is downloaded into a temporary file and checked
// against its manifest before any of it is applied, then streamed: memory does not grow with a
// segment's or a transaction's size.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type pg from 'pg'
import { PgkeepError, isPgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import { ChangeApplier } from './apply-changes'
import { addEnumLabels } from './enum-labels'
import { readSegment, type ArchivedTransaction, type SegmentManifest } from './change-segment'
import { downloadSegment, segmentEvents } from './segment-reader'
import type { SegmentEvent } from './segment-lines'
import { TempFolder } from '../storage/temp-folder'
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

/** Reads a whole segment (in memory), checked against its manifest's sha256; a missing one is BACKUP_CORRUPT naming it. */
export async function readCheckedSegment(storage: StorageDriver, segment: ArchivedSegment): ReturnType<typeof readSegment> {
  try {
    return await readSegment(storage, segment.key, segment.manifest)
  } catch (error) {
    throw segmentReadError(segment, error)
  }
}

/**
 * A segment's events (segment-lines.ts), streamed: the segment is first downloaded into a file of
 * `folder` and checked against its manifest's sha256 (BACKUP_CORRUPT before any event when it does not
 * match; a missing one is BACKUP_CORRUPT naming it), then read from that file, which is removed at the end.
 */
export async function* checkedSegmentEvents(storage: StorageDriver, segment: ArchivedSegment, folder: TempFolder): AsyncGenerator<SegmentEvent, void, undefined> {
  const path = join(await folder.path(), `${segment.manifest.firstCommitLsn.replace('/', '-')}.changes.gz`)
  try {
    try {
      await downloadSegment(storage, segment.key, segment.manifest, path)
    } catch (error) {
      throw segmentReadError(segment, error)
    }
    yield* segmentEvents(path, segment.key, segment.manifest)
  } finally {
    await rm(path, { force: true })
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
  const temp = new TempFolder('replay')
  try {
    for (const segment of options.segments ?? await listSegments(storage, prefix)) {
      // each change is applied as it is read; a transaction is committed at its commit line
      let open: { xid: number; commitLsn: Lsn; commitTime: bigint } | null = null
      let labelled = false
      for await (const event of checkedSegmentEvents(storage, segment, temp)) {
        switch (event.kind) {
          case 'relations':
            for (const relation of event.relations) await applier.apply(relation)
            break
          case 'begin':
            if (beyond(event)) return summary()
            if (options.signal?.aborted) throw new PgkeepError('ABORTED', 'the restore was cancelled while replaying the change archive', { cause: options.signal.reason })
            // enum labels added on the source since the base (enum-labels.ts), between transactions
            if (!labelled) await addEnumLabels(client, segment.manifest.enums)
            labelled = true
            open = event
            await applier.apply({ tag: 'begin', finalLsn: event.commitLsn, commitTime: event.commitTime, xid: event.xid })
            break
          case 'change':
            await applier.apply(event.change)
            break
          case 'commit': {
            const t = open!
            open = null
            await applier.apply({ tag: 'commit', flags: 0, commitLsn: t.commitLsn, endLsn: event.endLsn, commitTime: t.commitTime })
            lastCommitLsn = t.commitLsn
            lastCommitAt = pgTimeToDate(t.commitTime)
            lastSegment = segment.manifest
            options.onTransaction?.(summary())
            if (t.xid === xid) return summary()
            break
          }
        }
      }
    }
  } catch (error) {
    await applier.abandon()
    throw error
  } finally {
    await temp.remove()
  }
  return summary()
}

// --- internal ---

function segmentReadError(segment: ArchivedSegment, error: unknown): unknown {
  if (isPgkeepError(error, 'BACKUP_CORRUPT')) return error
  if (isPgkeepError(error, 'STORAGE_NOT_FOUND')) {
    return new PgkeepError('BACKUP_CORRUPT', `change segment ${segment.key} is missing (its manifest is there): the archive cannot be replayed past ${segment.manifest.firstCommitLsn}`, { cause: error })
  }
  if (isPgkeepError(error)) return error
  return new PgkeepError('BACKUP_CORRUPT', `change segment ${segment.key} cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
}
