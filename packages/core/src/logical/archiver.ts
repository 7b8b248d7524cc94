// The change archiver: reads a logical slot and stores its transactions as segments (change-segment.ts),
// confirming a position to the server only after the segment holding it is stored, so a crash of the
// archiver, the storage or the network means a resend, never a loss. On start it skips transactions the
// archive already holds (a resend after a crash between storing and confirming), so none is stored twice.
import type pg from 'pg'
import { PgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import { streamChanges } from './change-stream'
import { writeSegment, type ArchivedTransaction, type Relation, type RowChange, type SegmentManifest } from './change-segment'
import { parseLsn, type Lsn } from './lsn'
import type { ArchiverExit } from './archiver-exit'

export interface ArchiverOptions {
  /** A replication connection (connectForReplication) to read the slot on. */
  replication: pg.Client
  slot: string
  publications: string[]
  storage: StorageDriver
  /** Where the segments go, ending in `/`. */
  prefix: string
  /** Close a segment once it holds this many bytes of changes (JSON). @default 16 MiB */
  segmentBytes?: number
  /** …or once its first transaction is this old. @default 60 s */
  segmentSeconds?: number
  /** Stops the archiver after storing what it holds. */
  signal?: AbortSignal
  onSegment?: (manifest: SegmentManifest) => void
}

/** The end LSN of the newest segment stored under `prefix`, or 0. */
export async function archivedUpTo(storage: StorageDriver, prefix: string): Promise<Lsn> {
  let newest = 0n
  for await (const object of storage.list(prefix)) {
    const match = /([0-9A-F]{16})-([0-9A-F]{16})\.segment\.json$/.exec(object.key)
    if (match) {
      const end = BigInt(`0x${match[2]}`)
      if (end > newest) newest = end
    }
  }
  return newest
}

export async function runArchiver(options: ArchiverOptions): Promise<ArchiverExit> {
  const { storage, prefix, slot, signal } = options
  const segmentBytes = options.segmentBytes ?? 16 * 1024 * 1024
  const segmentMs = (options.segmentSeconds ?? 60) * 1000
  const stored = await archivedUpTo(storage, prefix)
  const relations = new Map<number, Relation>()
  const stream = streamChanges(options.replication, { slot, publications: options.publications })
  let pending: ArchivedTransaction[] = []
  let pendingBytes = 0
  let openedAt = 0
  let current: { xid: number; changes: RowChange[]; bytes: number } | null = null

  let upTo = stored
  const flush = async () => {
    if (pending.length === 0) return
    const manifest = await writeSegment(storage, prefix, slot, [...relations.values()], pending)
    upTo = parseLsn(manifest.endLsn)
    stream.confirm(upTo)
    pending = []
    pendingBytes = 0
    options.onSegment?.(manifest)
  }
  const stop = () => { void stream.end() }
  signal?.addEventListener('abort', stop, { once: true })
  try {
    for await (const { message } of stream) {
      if (signal?.aborted) break
      switch (message.tag) {
        case 'relation':
          relations.set(message.oid, message)
          break
        case 'begin':
          current = { xid: message.xid, changes: [], bytes: 0 }
          break
        case 'insert': case 'update': case 'delete': case 'truncate':
          if (!current) throw new PgkeepError('INTERNAL', 'a change arrived outside a transaction')
          current.changes.push(message)
          current.bytes += 64 + ('row' in message ? message.row.reduce((n, v) => n + (v.kind === 'text' ? v.value.length : 1), 0) : 0)
          break
        case 'commit': {
          const tx = current
          current = null
          if (!tx || message.endLsn <= stored) break // already in the archive: a resend
          if (pending.length === 0) openedAt = Date.now()
          pending.push({ xid: tx.xid, commitLsn: message.commitLsn, endLsn: message.endLsn, commitTime: message.commitTime, changes: tx.changes })
          pendingBytes += tx.bytes
          if (pendingBytes >= segmentBytes || Date.now() - openedAt >= segmentMs) await flush()
          break
        }
        case 'keepalive':
          // an idle server: a segment that has waited long enough is stored now
          if (pending.length > 0 && Date.now() - openedAt >= segmentMs) await flush()
          break
        default:
          break
      }
    }
    await flush()
    return { reason: 'stopped', archivedUpTo: upTo }
  } finally {
    signal?.removeEventListener('abort', stop)
    await stream.end()
  }
}
