// The worker sessions of a parallel restore. The leader leases a free worker for one entry (a table's
// data, an index, a constraint) and queues that entry's statements and COPY blocks on it, in order; the
// worker runs them after bringing its session settings (search_path, role, …) to the leader's at the
// time each was queued. The first failure anywhere stops them all: every worker's backend is
// terminated, whatever it runs, and every later call throws that failure.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { PgkeepError } from '../errors'
import { failed } from './apply-script'
import { describeConnectionError, isSocketError } from './connection-lost'
import { SpoolFiles } from '../write/member-spool'
import { CopySpill } from './copy-spill'
import { toUtf8 } from './copy-transcode'
import { locksConflict, parallelClass, type TableLock } from './parallel-entries'
import type { CopyItem, EntryHeader } from './script-item'

/** Session settings in force, by name: the statements that set them, in the order they were set. */
export type Settings = ReadonlyMap<string, string>

/**
 * COPY data the scan may be ahead of a worker, per worker: a block smaller than this is off the scan's
 * hands at once, and the scan reads on to the next while the worker loads it. 1 MiB, not more: chunks
 * that wait longer outlive node's young generation (the CLI runs node with a 1 MB one) and are only
 * freed by full collections; with 4 MiB a one-scan restore -j2 of the 500 MB sample spent about
 * 1.3 CPU-s more in the client (4.0 against 2.4–2.8).
 */
export const RUN_AHEAD_BYTES = 1024 * 1024
/** Statements queued on one worker at most before the leader waits (INSERT-style data). */
const MAX_QUEUED = 256
/** How long a socket error waits for the server's reason for closing the session (see the constructor). */
const SERVER_REASON_WAIT_MS = 200

export class RestoreWorkers {
  private failure: PgkeepError | null = null
  private readonly idle: Worker[]
  private readonly waiting: (() => void)[] = []
  private readonly busy = new Set<Lease>()
  /** Temporary files of COPY blocks the scan passed (copy-spill.ts), created on first use. */
  private spools: SpoolFiles | null = null
  /** Whether the leader waits for the leased entries to finish, with nothing more to hand out until then. */
  private draining = false

  private constructor(
    private readonly workers: Worker[],
    /** A connection of its own, for terminating the workers' backends. */
    private readonly connectOne: () => Promise<pg.Client>,
    /** Whether the server has BUILD_WORKERS (PostgreSQL 11 and later). */
    private readonly hasBuildWorkers: boolean,
  ) {
    this.idle = [...workers]
    // A session lost while idle (terminated, the network) says so here, before a later query on it can
    // only say that the client is not queryable. Errors after the pool failed (its own terminate) are ignored.
    // A socket error (a write that found the connection closed) can come before the server's own reason
    // for closing it, which the query in flight reports: that reason gets a moment to be the failure.
    for (const worker of workers) {
      worker.client.on('error', (error: Error & { code?: string }) => {
        const lost = () => this.fail(new PgkeepError('RESTORE_FAILED', `a restore worker session was lost: ${describeConnectionError(error)}`, { cause: error }))
        if (isSocketError(error)) setTimeout(lost, SERVER_REASON_WAIT_MS)
        else lost()
      })
    }
  }

  /**
   * Opens `count` sessions; on any failure the ones already open are closed before the error is thrown.
   * `serverMajor` below 11 (no BUILD_WORKERS there) leaves index builds as the server runs them.
   */
  static async open(count: number, connectOne: () => Promise<pg.Client>, serverMajor: number): Promise<RestoreWorkers> {
    const results = await Promise.allSettled(Array.from({ length: count }, () => connectOne()))
    const opened = results.filter((r): r is PromiseFulfilledResult<pg.Client> => r.status === 'fulfilled').map((r) => r.value)
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (rejected) {
      await Promise.all(opened.map((c) => c.end().catch(() => {})))
      throw rejected.reason
    }
    return new RestoreWorkers(opened.map((client) => new Worker(client)), connectOne, serverMajor >= 11)
  }

  get size(): number {
    return this.workers.length
  }

  /** The first failure, if any. */
  get failed(): PgkeepError | null {
    return this.failure
  }

  /** Throws the first failure, if there was one. */
  check(): void {
    if (this.failure) throw this.failure
  }

  /**
   * A worker for one entry, once one is free and no running entry holds a lock that `locks` conflicts
   * with. Throws the failure if the restore failed meanwhile.
   */
  async lease(entry: EntryHeader, locks: readonly TableLock[] = []): Promise<Lease> {
    for (;;) {
      this.check()
      const blocked = [...this.busy].some((l) => locksConflict(l.locks, locks))
      if (!blocked && this.idle.length > 0) {
        const lease = new Lease(this, this.idle.shift()!, entry, locks)
        this.busy.add(lease)
        return lease
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
  }

  /** Waits until every leased entry has finished; throws the failure, if any. */
  async drain(): Promise<void> {
    this.draining = true
    try {
      while (this.busy.size > 0) {
        this.check()
        await new Promise<void>((resolve) => this.waiting.push(resolve))
      }
    } finally {
      this.draining = false
    }
    this.check()
  }

  /** Runs `sql` in every worker (BEGIN, COMMIT), one after the other. */
  async everywhere(sql: string): Promise<void> {
    for (const worker of this.workers) {
      this.check()
      try {
        await worker.client.query(sql)
      } catch (error) {
        this.fail(failed(error, 0, null))
        this.check()
      }
    }
  }

  /**
   * Stops everything: the first failure is kept (later ones, caused by the stop, are not), and every
   * worker's backend is terminated, which rolls back its open transaction.
   */
  fail(error: PgkeepError): void {
    if (this.failure) return
    this.failure = error
    this.wake()
    void this.terminate()
  }

  /** Ends every worker connection and removes the spool files; safe to call more than once. */
  async close(): Promise<void> {
    if (this.terminating) await this.terminating
    await Promise.all(this.workers.map((w) => w.client.end().catch(() => {})))
    await this.spools?.dispose()
  }

  /**
   * @internal whether an index build starting now should go without the server's parallel workers
   * (BUILD_WORKERS): yes while the restore still has work for its sessions, which keep the server's
   * cores at work; no once the leader only waits for the last entries and a session sits idle.
   */
  holdsBuildWorkers(): boolean {
    return this.hasBuildWorkers && this.workers.length > 1 && !(this.draining && this.idle.length > 0)
  }

  /** @internal the spill policy of a COPY block (copy-spill.ts): a worker is free for the next block. */
  mayPass(): boolean {
    return this.idle.length > 0 && this.failure === null
  }

  /** @internal settles at the next release of a worker, or failure (one promise for every caller until then). */
  changed(): Promise<void> {
    this.nextChange ??= new Promise<void>((resolve) => this.waiting.push(() => {
      this.nextChange = null
      resolve()
    }))
    return this.nextChange
  }

  private nextChange: Promise<void> | null = null

  /** @internal the temporary files of the COPY blocks the scan passes. */
  spoolFiles(): SpoolFiles {
    this.spools ??= new SpoolFiles({ budget: 0 })
    return this.spools
  }

  private terminating: Promise<void> | null = null

  private terminate(): Promise<void> {
    this.terminating ??= (async () => {
      const pids = this.workers.map((w) => (w.client as unknown as { processID?: number }).processID).filter((p): p is number => typeof p === 'number')
      let control: pg.Client | null = null
      try {
        control = await this.connectOne()
        await control.query('SELECT pg_catalog.pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids])
      } catch {
        // the connections are ended by close() in any case
      } finally {
        await control?.end().catch(() => {})
      }
    })()
    return this.terminating
  }

  /** @internal a lease's worker is free again. */
  released(lease: Lease): void {
    this.busy.delete(lease)
    this.idle.push(lease.worker)
    this.wake()
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve()
  }
}

/** One entry's use of a worker: its statements and COPY blocks run there in order. */
export class Lease {
  private tail: Promise<void> = Promise.resolve()
  private queued = 0
  private ended = false
  /** Rows COPY put into each table of the entry. */
  rows = 0

  constructor(
    private readonly pool: RestoreWorkers,
    readonly worker: Worker,
    readonly entry: EntryHeader,
    readonly locks: readonly TableLock[],
  ) {}

  /** Queues a statement (of `entry`, for messages: the lease's by default); waits only when many are queued already. */
  async run(sql: string, line: number, settings: Settings, entry: EntryHeader = this.entry): Promise<void> {
    const build = parallelClass(entry) === 'build' && !settings.has(BUILD_WORKERS)
    this.enqueue(async () => {
      await this.worker.apply(settings)
      if (build) await this.worker.holdBuildWorkers(this.pool.holdsBuildWorkers())
      await this.worker.client.query(sql)
    }, line, entry)
    if (this.queued >= MAX_QUEUED) await this.tail
    this.pool.check()
  }

  /**
   * Streams a COPY block to the worker, at most RUN_AHEAD_BYTES ahead of it while the other workers are
   * busy, through a temporary file once one is free (copy-spill.ts): resolves once the block's data has
   * been read from the script, so the caller can read on, to the next block, while the worker loads it.
   */
  async copy(item: CopyItem, settings: Settings): Promise<void> {
    const spill = new CopySpill(this.pool.spoolFiles(), RUN_AHEAD_BYTES, this.pool)
    this.enqueue(async () => {
      await this.worker.apply(settings)
      const stream = this.worker.client.query(copyFrom(item.sql))
      await pipeline(Readable.from(spill.read(), { objectMode: false }), stream)
      this.rows += Number(stream.rowCount ?? 0)
    }, item.line)
    try {
      for await (const chunk of toUtf8(item.data, item.encoding, item.line)) {
        this.pool.check()
        await spill.write(chunk)
      }
      spill.end()
    } catch (error) {
      // the script failed (damaged data): that is the failure, not the COPY the spill's end cuts short
      this.pool.fail(this.pool.failed ?? failed(error, item.line, this.entry))
      spill.destroy(error as Error)
      throw error
    }
    this.pool.check()
  }

  /**
   * Queues work that reads its own input in the worker's session (a table's gzip member, by ranged
   * reads): returns at once, so the caller can lease the next worker meanwhile. `task` resolves with
   * the rows it put in.
   */
  task(task: (client: pg.Client) => Promise<number>, line: number, settings: Settings): void {
    this.enqueue(async () => {
      await this.worker.apply(settings)
      this.rows += await task(this.worker.client)
    }, line)
  }

  /** No more items for this entry: the worker is free once the queued ones have run. */
  end(): Promise<void> {
    if (this.ended) return this.tail
    this.ended = true
    this.tail = this.tail.finally(() => this.pool.released(this))
    return this.tail
  }

  private enqueue(task: () => Promise<void>, line: number, entry: EntryHeader = this.entry): void {
    this.queued++
    this.tail = this.tail.then(async () => {
      if (this.pool.failed) return
      try {
        await task()
      } catch (error) {
        this.pool.fail(this.pool.failed ?? failed(error, line, entry))
      } finally {
        this.queued--
      }
    })
  }
}

/**
 * The setting that lets one index build (CREATE INDEX, a primary key, unique or exclusion constraint) take
 * parallel workers of its own. A worker session sets it to 0 for a build that starts while the restore
 * still has work to hand out, and back to the session's own value (RESET: the server's, the database's,
 * the role's or PGOPTIONS') for one that starts once the leader only waits for the last entries and a
 * session sits idle; a script that sets it itself is followed instead.
 * The restore's `jobs` sessions already keep that many server processes at work: on the 525 MB sample on
 * 2 cores, builds with parallel workers beside the other session's COPY cost 0.75 CPU s more in all and
 * made a `-j2` restore 0.4 s (5 %) slower (bench/README.md, "Index builds without the server's parallel workers").
 */
export const BUILD_WORKERS = 'max_parallel_maintenance_workers'

/** One worker session, and the settings it has applied. */
export class Worker {
  private readonly applied = new Map<string, string>()
  /** Whether this session's index builds are kept from taking parallel workers (BUILD_WORKERS = 0). */
  private buildWorkersHeld = false

  constructor(readonly client: pg.Client) {}

  /** Brings BUILD_WORKERS to 0 (`hold`) or back to the session's own value, when it is not that already. */
  async holdBuildWorkers(hold: boolean): Promise<void> {
    if (hold === this.buildWorkersHeld) return
    await this.client.query(hold ? `SET ${BUILD_WORKERS} = 0` : `RESET ${BUILD_WORKERS}`)
    this.buildWorkersHeld = hold
  }

  /** Runs the setting statements whose value differs from what this session last applied. */
  async apply(settings: Settings): Promise<void> {
    for (const [name, sql] of settings) {
      if (this.applied.get(name) === sql) continue
      await this.client.query(sql)
      this.applied.set(name, sql)
    }
  }
}

/** The ABORTED error of a cancelled parallel restore. */
export function abortedError(signal: AbortSignal): PgkeepError {
  return new PgkeepError('ABORTED', 'the restore was cancelled', { cause: signal.reason })
}
