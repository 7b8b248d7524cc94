// One occurrence of a scheduled job, run at most once across every app instance that shares the
// database and the storage. Two guards: the job's advisory lock (`schedule:<job>`, tried, never waited
// for), so two instances never run the job at the same time; and a claim object per occurrence
// (`<keyPrefix>schedule/<job>/<occurrence>.json`), written under that lock before the work starts,
// so an instance whose timer fires late, after the lock was released, sees the occurrence was taken
// (whether that run succeeded or failed) and skips it.
import { Readable } from 'node:stream'
import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import { readText } from '../history/read-text'
import type { ManagerContext } from '../manager/context'
import { hasDatabase, withLocalLock, withLock } from '../manager/locks'

export type ScheduledJob = 'backup' | 'cleanup'

/** Claims kept per job; older ones are removed (a claim only matters around its occurrence). */
const CLAIMS_KEPT = 100

/** This process, as named in the claims it writes. */
const INSTANCE = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`

export type OccurrenceResult<T> =
  | { outcome: 'ran'; value: T }
  | { outcome: 'skipped-running' }
  | { outcome: 'skipped-done'; claim: OccurrenceClaim | null }

export interface OccurrenceClaim {
  job: ScheduledJob
  scheduledFor: string
  claimedAt: string
  instance: string
}

export function claimFolder(ctx: ManagerContext, job: ScheduledJob): string {
  return `${ctx.options.keyPrefix}schedule/${job}/`
}

export function claimKey(ctx: ManagerContext, job: ScheduledJob, scheduledFor: Date): string {
  return `${claimFolder(ctx, job)}${scheduledFor.toISOString().replace(/[:.]/g, '-')}.json`
}

/**
 * Runs `work` for the occurrence unless another instance is running the job (`skipped-running`) or
 * has already claimed this occurrence (`skipped-done`). An error of `work` is thrown (the claim stays:
 * a failed occurrence is not run again by a slower instance; the next occurrence is the retry).
 */
export async function runOccurrence<T>(ctx: ManagerContext, job: ScheduledJob, scheduledFor: Date, work: () => Promise<T>): Promise<OccurrenceResult<T>> {
  const guarded = async (): Promise<OccurrenceResult<T>> => {
    const key = claimKey(ctx, job, scheduledFor)
    if (await ctx.storage.stat(key)) return { outcome: 'skipped-done', claim: await readClaim(ctx, key) }
    const claim: OccurrenceClaim = { job, scheduledFor: scheduledFor.toISOString(), claimedAt: ctx.now().toISOString(), instance: INSTANCE }
    await ctx.storage.put(key, Readable.from([Buffer.from(JSON.stringify(claim))]), { contentType: 'application/json' })
    await pruneClaims(ctx, job).catch(() => {})
    return { outcome: 'ran', value: await work() }
  }
  // Without a database there is no lock shared with other processes; the claim still holds across them.
  const locked = hasDatabase(ctx)
    ? await withLock(ctx, `schedule:${job}`, 'exclusive', guarded)
    : await withLocalLock(ctx, `schedule:${job}`, 'exclusive', guarded)
  return locked.acquired ? locked.value : { outcome: 'skipped-running' }
}

// --- internal ---

async function readClaim(ctx: ManagerContext, key: string): Promise<OccurrenceClaim | null> {
  try {
    return JSON.parse(await readText(ctx.storage, key, 64 * 1024)) as OccurrenceClaim
  } catch {
    return null
  }
}

async function pruneClaims(ctx: ManagerContext, job: ScheduledJob): Promise<void> {
  const keys: string[] = []
  for await (const object of ctx.storage.list(claimFolder(ctx, job))) keys.push(object.key)
  // ISO times sort chronologically as text.
  keys.sort()
  for (const key of keys.slice(0, Math.max(0, keys.length - CLAIMS_KEPT))) await ctx.storage.remove(key)
}
