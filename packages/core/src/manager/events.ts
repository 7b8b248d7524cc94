// What the backup manager tells its host application, as typed events. A listener that throws is
// reported on 'listenerError' and never changes the outcome of the operation that emitted.
import { EventEmitter } from 'node:events'
import type { BackupRecord } from '../backup/backup-record'
import type { BackupProgress } from '../backup/create-backup'
import type { VerifyReport } from '../backup/verify-backup'
import type { ErrorCode } from '../errors'

export interface ManagerEvents {
  /** A backup was admitted and begins: `id` is the id its record will have (the one start() returned). */
  'backup:start': { id: string; type: 'manual' | 'scheduled'; actor: string | null; /** @deprecated the same as actor */ createdBy: string | null; at: Date }
  /** How a backup advances (the onProgress reports, as an event), for a progress bar or server-sent events. */
  'backup:progress': BackupProgressEvent
  'backup:success': { record: BackupRecord }
  'backup:failure': { id: string; type: 'manual' | 'scheduled'; actor: string | null; /** @deprecated the same as actor */ createdBy: string | null; code: ErrorCode; message: string; /** The error's hint, when it has one: what to do about it. */ hint?: string; at: Date }
  /** `orphans`: keys of manifest-less objects swept (dryRun: found); `incomplete`: unfinished writes of killed processes swept (dryRun: found). */
  cleanup: { deleted: BackupRecord[]; kept: number; dryRun: boolean; at: Date; orphans: string[]; incomplete: string[] }
  /** A verification ran: `report` says table by table what was expected and found. */
  verify: { id: string; ok: boolean; at: Date; report: VerifyReport }
  /** verify() or cleanup() dropped scratch databases and roles that verifies killed mid-run left behind. */
  'scratch:swept': { databases: string[]; roles: string[]; by: 'verify' | 'cleanup'; at: Date }
  /** remove() deleted a backup (cleanup's deletions come as `cleanup`). */
  'backup:removed': { id: string; actor: string | null; at: Date }
  /** A schedule occurrence as this instance saw it: run here, failed here, skipped (another instance runs or ran it), or cleanup busy. */
  'schedule:run': { job: 'backup' | 'cleanup'; scheduledFor: Date; outcome: ScheduleOutcome; at: Date }
  /** A copy of a backup into a replica was stored and checked (ok), or failed (it is tried again by replicate() and the schedule). */
  'backup:copy': { id: string; storage: string; status: 'ok' | 'failed'; bytes?: number; error?: { code: string; message: string }; at: Date }
  /** restore, verify or download read a replica's copy because the primary's was unreachable, missing or damaged. */
  'backup:fallback': { id: string; operation: 'restore' | 'verify' | 'download'; copy: string; reason: string; at: Date }
  alert: { kind: string; message: string; at: Date; detail?: Record<string, unknown> }
  /** The change archiver (manager.archive()) holds its slot and streams: `resumed` when it continues a chain it had begun. */
  'archive:start': { slot: string; publication: string; chainId: string; resumed: boolean; at: Date }
  /** A segment of committed transactions was stored and its end confirmed to the server. */
  'archive:segment': ArchiveSegmentEvent
  /**
   * A chain began (`reason`: `first`, `slot-gone`: the slot of the newest chain was dropped, or `schema-change`:
   * a table's definition changed, so the old chain ends), or was dropped with its slot (`slot-without-chain`:
   * a slot whose base backup never completed). While `pitrGap` is true, no restore can reach a time between
   * the old chain's end and the new base backup's end.
   */
  'archive:chain': ArchiveChainEvent
  'archive:stop': { slot: string; chainId: string | null; archivedUpTo: string | null; slotDropped: boolean; at: Date }
  /** The archiver failed: `willRetry` when it tries again by itself (storage or connection trouble), else `done` rejects. */
  'archive:error': { code: ErrorCode; message: string; hint?: string; willRetry: boolean; retryInSeconds?: number; at: Date }
  listenerError: { event: string; error: unknown }
}

export interface BackupProgressEvent {
  id: string
  phase: BackupProgress['phase']
  /** The table being copied (phase data). */
  table?: string
  tablesDone: number
  tablesTotal: number
  /** Uncompressed table data copied so far. */
  bytes: number
  /** The catalog's estimate of all table data (absent while unknown). */
  totalBytes?: number
  /** bytes / totalBytes as a whole percentage, at most 99 until the backup is done (100); absent without an estimate. */
  percent?: number
  /** Compressed (and encrypted) bytes handed to storage so far. */
  storedBytes: number
  at: Date
}

export interface ArchiveSegmentEvent {
  chainId: string
  slot: string
  /** Commit LSN of the first transaction and end LSN of the last, as PostgreSQL prints them. */
  firstCommitLsn: string
  endLsn: string
  firstCommitAt: Date
  lastCommitAt: Date
  transactions: number
  /** Stored (gzip) bytes. */
  size: number
  at: Date
}

export interface ArchiveChainEvent {
  reason: 'first' | 'slot-gone' | 'schema-change' | 'slot-without-chain'
  /** The base backup's id of the new chain (null for slot-without-chain: no chain was begun). */
  chainId: string | null
  slot: string
  previousChain?: string
  /** What happened, in words: the table and what changed, the slot dropped, … */
  message: string
  pitrGap: boolean
  at: Date
}

/** ran / failed here; skipped-running: another instance holds the job's lock; skipped-done: another instance already ran it; busy: cleanup found a backup being written. */
export type ScheduleOutcome = 'ran' | 'failed' | 'skipped-running' | 'skipped-done' | 'busy'

export type ManagerEventName = keyof ManagerEvents

export class ManagerEventEmitter {
  private readonly emitter = new EventEmitter()

  on<E extends ManagerEventName>(event: E, listener: (payload: ManagerEvents[E]) => void | Promise<void>): () => void {
    this.emitter.on(event, listener)
    return () => this.emitter.off(event, listener)
  }

  off<E extends ManagerEventName>(event: E, listener: (payload: ManagerEvents[E]) => void | Promise<void>): void {
    this.emitter.off(event, listener)
  }

  /** Calls every listener; one that throws (or rejects) is reported on 'listenerError', never to the caller. */
  emit<E extends ManagerEventName>(event: E, payload: ManagerEvents[E]): void {
    for (const listener of this.emitter.listeners(event) as ((p: ManagerEvents[E]) => unknown)[]) {
      try {
        const result = listener(payload)
        if (result && typeof (result as Promise<unknown>).catch === 'function') {
          ;(result as Promise<unknown>).catch((error: unknown) => this.reportListenerError(event, error))
        }
      } catch (error) {
        this.reportListenerError(event, error)
      }
    }
  }

  private reportListenerError(event: string, error: unknown): void {
    if (event === 'listenerError') return
    this.emit('listenerError', { event, error })
  }
}
