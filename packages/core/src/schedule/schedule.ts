// backups.schedule(): scheduled backups and cleanups with croner. Each occurrence runs at most once
// across the app instances on one database (see occurrence.ts) and never overlaps a run of the same job
// still going on this instance (croner's `protect`). A failed run raises an `alert` and the schedule
// goes on; stop() ends the timers and waits for a running occurrence to finish.
import { Cron } from 'croner'
import type { BackupRecord } from '../backup/backup-record'
import { isPgkeepError, PgkeepError } from '../errors'
import type { CleanupResult } from '../manager/cleanup'
import type { ManagerContext } from '../manager/context'
import type { ScheduleOutcome } from '../manager/events'
import { runOccurrence, type ScheduledJob } from './occurrence'
import { resolveScheduleOptions, type ResolvedScheduleOptions, type ScheduleOptions } from './schedule-options'

export interface ScheduleHandle {
  /** The backup pattern in force, or false. */
  readonly backup: string | false
  /** The cleanup pattern in force, or false. */
  readonly cleanup: string | false
  /** The IANA time zone the patterns are read in. */
  readonly timezone: string
  /** The next `count` occurrences of each job (none once stopped). @default count 5 */
  nextRuns(count?: number): { backup: Date[]; cleanup: Date[] }
  /** Whether this instance is running a job of the schedule now. */
  isBusy(): boolean
  /**
   * Ends the timers and waits for a running occurrence to finish; with `abort`, a backup in progress
   * is cancelled instead (it fails with ABORTED and leaves nothing in storage).
   */
  stop(options?: { abort?: boolean }): Promise<void>
}

/** What the jobs do: the manager's create() and cleanup(). */
export interface ScheduledWork {
  /** `signal` aborts the backup when the schedule is stopped with `abort`. */
  backup(scheduledFor: Date, signal: AbortSignal): Promise<BackupRecord>
  cleanup(): Promise<CleanupResult>
}

const active = new WeakSet<ManagerContext>()

export function startSchedule(ctx: ManagerContext, input: ScheduleOptions | undefined, work: ScheduledWork): ScheduleHandle {
  const o = resolveScheduleOptions(input)
  if (active.has(ctx)) throw new PgkeepError('CONFLICT', 'this backup manager already has a schedule; stop() it before scheduling again')
  const timezone = o.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone
  const running = new Set<Promise<unknown>>()
  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p)
    return p.finally(() => running.delete(p))
  }
  const stopping = new AbortController()
  const aborting = new AbortController()
  const crons: Partial<Record<ScheduledJob, Cron>> = {}

  for (const job of ['backup', 'cleanup'] as const) {
    const pattern = o[job]
    if (pattern === false) continue
    crons[job] = new Cron(pattern, { timezone, protect: true, catch: true }, (self) => {
      if (stopping.signal.aborted) return
      // The occurrence this trigger is for: croner fires at or after it, never before.
      const scheduledFor = self.previousRuns(1, new Date(Date.now() + 1))[0] ?? new Date()
      return track(runJob(ctx, o, job, scheduledFor, work, stopping.signal, aborting.signal))
    })
  }
  active.add(ctx)
  void track(audit(ctx, o.actor, { event: 'start', backup: o.backup, cleanup: o.cleanup, timezone }))

  let stopped: Promise<void> | null = null
  return {
    backup: o.backup,
    cleanup: o.cleanup,
    timezone,
    nextRuns(count = 5) {
      if (!Number.isInteger(count) || count < 1 || count > 1000) throw new PgkeepError('OPTIONS_INVALID', `nextRuns count must be a whole number from 1 to 1000, not ${count}`)
      const next = (job: ScheduledJob) => (stopping.signal.aborted || !crons[job] ? [] : crons[job]!.nextRuns(count))
      return { backup: next('backup'), cleanup: next('cleanup') }
    },
    isBusy: () => Object.values(crons).some((c) => c.isBusy()),
    stop(options) {
      if (options?.abort) aborting.abort(new Error('the schedule was stopped'))
      stopped ??= (async () => {
        stopping.abort()
        for (const cron of Object.values(crons)) cron.stop()
        // Wait until nothing runs: a run may still be starting its audit when the first wait ends.
        while (running.size > 0) await Promise.allSettled([...running])
        await audit(ctx, o.actor, { event: 'stop' })
        active.delete(ctx)
      })()
      return stopped
    },
  }
}

// --- internal ---

/** What a cron trigger runs for one occurrence (exported so that tests drive occurrences with fixed dates). */
export async function runJob(ctx: ManagerContext, o: ResolvedScheduleOptions, job: ScheduledJob, scheduledFor: Date, work: ScheduledWork, stopping: AbortSignal, aborting: AbortSignal = new AbortController().signal): Promise<void> {
  const report = (outcome: ScheduleOutcome) => ctx.events.emit('schedule:run', { job, scheduledFor, outcome, at: ctx.now() })
  try {
    // Whether a cleanup stayed busy (a backup was being written the whole time); a backup is never busy.
    const result = await runOccurrence(ctx, job, scheduledFor, async () =>
      job === 'backup' ? (await work.backup(scheduledFor, aborting), false) : (await cleanupUntilFree(o, work, stopping)).busy)
    if (result.outcome !== 'ran') return report(result.outcome)
    report(result.value ? 'busy' : 'ran')
  } catch (error) {
    report('failed')
    const code = isPgkeepError(error) ? error.code : 'INTERNAL'
    const message = error instanceof Error ? error.message : String(error)
    ctx.events.emit('alert', {
      kind: job === 'backup' ? 'scheduled-backup-failed' : 'scheduled-cleanup-failed',
      message: `the scheduled ${job} of ${scheduledFor.toISOString()} failed: ${message}`,
      at: ctx.now(),
      detail: { scheduledFor: scheduledFor.toISOString(), code, message },
    })
  }
}

/** cleanup() answers busy while a backup is being written: try again a while, unless the schedule stops. */
async function cleanupUntilFree(o: ResolvedScheduleOptions, work: ScheduledWork, stopping: AbortSignal): Promise<CleanupResult> {
  let result = await work.cleanup()
  for (let attempt = 0; result.busy && attempt < o.busyRetries && !stopping.aborted; attempt++) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, o.busyRetryMs)
      function done() {
        clearTimeout(timer)
        stopping.removeEventListener('abort', done)
        resolve()
      }
      stopping.addEventListener('abort', done, { once: true })
    })
    if (stopping.aborted) break
    result = await work.cleanup()
  }
  return result
}

function audit(ctx: ManagerContext, actor: string | null, detail: Record<string, unknown>): Promise<void> {
  return ctx.audit.append({ actor, action: 'schedule', target: null, outcome: 'success', detail }).then(
    () => undefined,
    (error: unknown) => ctx.events.emit('alert', { kind: 'audit-failed', message: `the audit trail could not be written: ${String(error)}`, at: ctx.now() }),
  )
}
