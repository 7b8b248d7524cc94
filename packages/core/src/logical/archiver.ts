// The change archiver: reads a logical slot and stores its transactions as segments (change-segment.ts),
// confirming a position to the server only after the segment holding it is stored, so a crash of the
// archiver, the storage or the network means a resend, never a loss. On start it skips transactions the
// archive already holds (a resend after a crash between storing and confirming), so none is stored twice.
// A table whose definition differs from the one the chain holds (relation-change.ts) ends the chain: what
// came before the transaction that met it is stored and confirmed, and runArchiver() says why it returned
// (archiver-exit.ts). With an SQL connection, each segment also records every sequence's value and what
// the log does not hold (sample-sequences.ts). Memory stays bounded whatever a transaction's size: the
// transaction being received spills past a budget to a temporary file (transaction-spill.ts), and the
// segment being filled is a gzip'd temporary file (segment-file.ts) streamed to storage; the temporary
// folder is removed on every exit path.
import type pg from 'pg'
import { PgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import type { ArchiverExit } from './archiver-exit'
import { streamChanges, type Change } from './change-stream'
import { readSegmentRelations, type Relation, type SegmentExtras, type SegmentManifest } from './change-segment'
import { formatLsn, parseLsn, type Lsn } from './lsn'
import { relationChange, type BaseTable } from './relation-change'
import { outsideLogWarnings, readOutsideLog, sampleSequences, type OutsideLog } from './sample-sequences'
import { sampleEnums } from './enum-labels'
import { SegmentFile } from './segment-file'
import { TempFolder } from '../storage/temp-folder'
import { TransactionSpill } from './transaction-spill'

export interface ArchiverOptions {
  /** A replication connection (connectForReplication) to read the slot on. */
  replication: pg.Client
  slot: string
  publications: string[]
  storage: StorageDriver
  /** Where the segments go, ending in `/`. */
  prefix: string
  /** Close a segment once it holds this many bytes of change lines, counted before compression (JSON). @default 16 MiB */
  segmentBytes?: number
  /** …or once its first transaction is this old. @default 60 s */
  segmentSeconds?: number
  /**
   * The tables the chain's base backup holds (its manifest's `tables`, or readTableDefinitions() in the
   * base's snapshot, which adds their columns). A table outside it ends the chain (`new table`); without
   * it, a table never seen before is taken as it comes.
   */
  baseTables?: BaseTable[]
  /**
   * An ordinary SQL connection to the same database (not the replication one, which is busy streaming):
   * each segment then records every sequence's value and warns about what the log does not hold.
   */
  sql?: pg.ClientBase
  /** Stops the archiver after storing what it holds. */
  signal?: AbortSignal
  onSegment?: (manifest: SegmentManifest) => void
  /** After each transaction received and waiting for its segment, with how many wait. */
  onPending?: (transactions: number) => void
}

/** The end LSN of the newest segment stored under `prefix`, or 0. */
export async function archivedUpTo(storage: StorageDriver, prefix: string): Promise<Lsn> {
  return (await archivedState(storage, prefix, false)).upTo
}

/**
 * What the chain under `prefix` holds: the end LSN of its newest segment, and the newest definition of
 * each table its segments refer to (from each segment's first line, oldest first).
 */
export async function archivedState(storage: StorageDriver, prefix: string, withRelations = true): Promise<{ upTo: Lsn; relations: Map<number, Relation> }> {
  let upTo = 0n
  const keys: string[] = []
  for await (const object of storage.list(prefix)) {
    const match = /([0-9A-F]{16})-([0-9A-F]{16})\.segment\.json$/.exec(object.key)
    if (match) {
      const end = BigInt(`0x${match[2]}`)
      if (end > upTo) upTo = end
      keys.push(object.key)
    }
  }
  const relations = new Map<number, Relation>()
  if (withRelations) {
    // hex LSNs of a fixed width: the keys sort in WAL order
    for (const key of keys.sort()) {
      for (const relation of await readSegmentRelations(storage, key.replace(/\.segment\.json$/, '.changes.gz'))) relations.set(relation.oid, relation)
    }
  }
  return { upTo, relations }
}

export async function runArchiver(options: ArchiverOptions): Promise<ArchiverExit> {
  const { storage, prefix, slot, signal } = options
  const segmentBytes = options.segmentBytes ?? 16 * 1024 * 1024
  const segmentMs = (options.segmentSeconds ?? 60) * 1000
  const { upTo: stored, relations } = await archivedState(storage, prefix)
  const baseTables = options.baseTables
  const stream = streamChanges(options.replication, { slot, publications: options.publications })
  const temp = new TempFolder('archive')
  const folder = () => temp.path()
  // the segment being filled (committed transactions, not yet stored) and the transaction being received
  let pending: SegmentFile | null = null
  let openedAt = 0
  let current: TransactionSpill | null = null
  let confirmed = stored
  let storedEnd = stored
  let outside: OutsideLog | undefined
  let changed: { relation: string; detail: string } | null = null

  const flush = async () => {
    if (!pending) return
    const manifest = await pending.store(storage, prefix, slot, relations.values(), {
      ...(storedEnd > 0n ? { previousEndLsn: formatLsn(storedEnd) } : {}),
      ...(await extras()),
    })
    const end = parseLsn(manifest.endLsn)
    stream.confirm(end)
    if (end > confirmed) confirmed = end
    if (end > storedEnd) storedEnd = end
    pending = null
    options.onSegment?.(manifest)
  }
  // read after the segment's last commit (it is decoded, so committed): every value is at least its value at any commit in the segment
  const extras = async (): Promise<SegmentExtras> => {
    if (!options.sql) return {}
    try {
      const sample = await sampleSequences(options.sql)
      outside = await readOutsideLog(options.sql)
      const enums = await sampleEnums(options.sql)
      return { sequences: sample.sequences, ...(enums.length > 0 ? { enums } : {}), warnings: outsideLogWarnings(outside, sample.unreadable) }
    } catch (error) {
      // the changes matter more than the sample: the segment is stored, saying what is missing
      return { warnings: [`sequences not sampled: ${error instanceof Error ? error.message : String(error)}`] }
    }
  }
  // an abort wakes the reading loop without ending the stream: what is pending is stored and confirmed first
  let stopped = false
  let wake: (() => void) | null = null
  const stop = () => { stopped = true; wake?.() }
  // one promise per message, not a race against one long-lived promise: each race would leave a reaction
  // on it holding that message until the archiver returns (a 300,000-row transaction kept ~350 MB of them)
  const nextOrStop = () => new Promise<IteratorResult<Change> | null>((resolve, reject) => {
    if (stopped) { resolve(null); return }
    wake = () => resolve(null)
    iterator.next().then(resolve, reject)
  })
  signal?.addEventListener('abort', stop, { once: true })
  if (signal?.aborted) stop()
  const iterator = stream[Symbol.asyncIterator]()
  // an idle server sends keepalives only every wal_sender_timeout / 2: a segment due meanwhile asks for one
  const due = setInterval(() => {
    if (pending && Date.now() - openedAt >= segmentMs) stream.requestKeepalive()
  }, Math.min(1000, Math.max(100, segmentMs / 4)))
  try {
    for (;;) {
      const next = await nextOrStop()
      wake = null
      if (next === null || next.done || signal?.aborted) break
      const { lsn, message } = next.value
      switch (message.tag) {
        case 'relation': {
          // inside a transaction the archive already holds (a resend): what it refers to is archived as it was
          if (current && current.begin.commitLsn < stored) {
            if (!relations.has(message.oid)) relations.set(message.oid, message)
            break
          }
          const detail = relationChange({ byOid: relations, ...(baseTables ? { baseTables } : {}) }, message)
          if (detail !== null) {
            changed = { relation: `${message.schema}.${message.name}`, detail }
            break
          }
          relations.set(message.oid, message)
          break
        }
        case 'begin':
          await current?.discard()
          current = new TransactionSpill({ xid: message.xid, commitLsn: message.finalLsn, commitTime: message.commitTime }, folder)
          break
        case 'insert': case 'update': case 'delete': case 'truncate':
          if (!current) throw new PgkeepError('INTERNAL', 'a change arrived outside a transaction')
          await current.add(message)
          break
        case 'commit': {
          const tx = current
          current = null
          if (!tx) break
          try {
            if (message.endLsn <= stored) break // already in the archive: a resend
            // 13 and 14 send transactions that changed no published row (DDL, ANALYZE): nothing to replay
            if (tx.bytes === 0) break
            if (!pending) {
              openedAt = Date.now()
              pending = SegmentFile.in(await folder(), message.commitLsn)
            }
            await pending.add(tx, message)
          } finally {
            await tx.discard()
          }
          options.onPending?.(pending.transactions)
          if (pending.rawBytes >= segmentBytes || Date.now() - openedAt >= segmentMs) await flush()
          break
        }
        case 'keepalive':
          // an idle server (or one asked for a keepalive): a segment that has waited long enough is stored now
          if (pending && Date.now() - openedAt >= segmentMs) await flush()
          // between transactions with nothing unstored, every transaction committed before the server's
          // position has been received and stored: confirming it lets the slot free that WAL (idle lag 0)
          if (!pending && current === null && lsn > confirmed) {
            stream.confirm(lsn)
            confirmed = lsn
          }
          break
        default:
          break
      }
      if (changed) break
    }
    // what came before the changed transaction (or before the stop) is stored and confirmed; that transaction is not
    await flush()
  } finally {
    clearInterval(due)
    signal?.removeEventListener('abort', stop)
    try {
      // what was not stored is dropped with its files: the slot sends it again
      await current?.discard()
      await pending?.discard()
      await temp.remove()
    } finally {
      await stream.end()
    }
  }
  const report = outside ? { outsideLog: outside } : {}
  return changed ? { reason: 'schema-change', archivedUpTo: storedEnd, ...changed, ...report } : { reason: 'stopped', archivedUpTo: storedEnd, ...report }
}
