// The rate limit on manual backups, per actor and overall. It is counted from the history (manifests of
// type manual created within the window), so it holds across app instances that share the storage, plus
// the manual backups this instance is still writing (they have no manifest yet) and those it admitted
// that failed or were cancelled (they leave nothing in storage, so they count, in memory, on this
// instance only: otherwise a backup failing at once could be started without end against the database).
// Each counts from when it was admitted, as a stored one counts from its start. A refused backup
// (RATE_LIMITED itself, options refused before admission) never counts. Scheduled backups are never
// limited. A refusal is RATE_LIMITED with `retryAfter`, thrown before any work is done.
import { PgkeepError } from '../errors'
import type { ManagerContext } from './context'
import { DEFAULT_RATE_LIMIT, type WindowLimit } from './rate-limit-options'

/**
 * Admits manual backup `id` by `actor` or throws RATE_LIMITED. When admitted, the backup counts as in
 * flight on this instance until its `backup:success` (its manifest counts from then on) or its
 * `backup:failure` (it counts as failed, in memory, until it leaves the window); the caller must emit
 * `backup:start` right after this resolves (nothing may fail in between).
 */
export async function admitManualBackup(ctx: ManagerContext, actor: string | null, id: string): Promise<void> {
  const limit = ctx.options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : ctx.options.rateLimit
  if (limit === false || (!limit.perActor && !limit.overall)) return
  const state = stateOf(ctx)
  const longest = Math.max(limit.perActor?.windowSeconds ?? 0, limit.overall?.windowSeconds ?? 0) * 1000
  const stored = await manualBackupsSince(ctx, ctx.now().getTime() - longest)
  // From here on nothing awaits: the decision and the reservation are one step for this instance.
  const now = ctx.now().getTime()
  // Failed backups older than every window are of no more use.
  state.failed = state.failed.filter((b) => b.at > now - longest)
  // A backup whose failure came after its manifest was stored (its history row, say) is counted once.
  const storedIds = new Set(stored.map((b) => b.id))
  const all = [...stored, ...state.inFlight, ...state.failed.filter((b) => !storedIds.has(b.id))]
  const waits: { scope: string; limit: WindowLimit; retryAfter: number }[] = []
  const check = (scope: string, l: WindowLimit | undefined, counted: BackupTime[]) => {
    if (!l) return
    const inWindow = counted.map((b) => b.at).filter((at) => at > now - l.windowSeconds * 1000).sort((a, b) => a - b)
    if (inWindow.length < l.max) return
    // The next backup is allowed once all but max-1 of these have left the window.
    const leaving = inWindow[inWindow.length - l.max]!
    waits.push({ scope, limit: l, retryAfter: Math.max(1, Math.ceil((leaving + l.windowSeconds * 1000 - now) / 1000)) })
  }
  check(actor === null ? 'unattributed manual backups' : `actor ${actor}`, limit.perActor, all.filter((b) => b.actor === actor))
  check('all actors', limit.overall, all)
  if (waits.length > 0) {
    state.refused++
    const retryAfter = Math.max(...waits.map((w) => w.retryAfter))
    const first = waits[0]!
    throw new PgkeepError('RATE_LIMITED',
      `too many manual backups: at most ${first.limit.max} per ${describeWindow(first.limit.windowSeconds)} for ${first.scope}; try again in ${retryAfter} s`,
      { retryAfter, hint: 'scheduled backups are not limited; a failed or cancelled manual backup counts too (on the instance that ran it); the limit is set with the rateLimit option' })
  }
  state.inFlight.push({ id, actor, at: now })
}

/** Manual backups refused since this manager was created (for the metrics). */
export function refusedManualBackups(ctx: ManagerContext): number {
  return stateOf(ctx).refused
}

// --- internal ---

interface BackupTime {
  id: string
  actor: string | null
  /** When it was admitted (a stored backup: its createdAt), epoch ms. */
  at: number
}

interface RateLimitState {
  /** Admitted on this instance, not yet settled. */
  inFlight: BackupTime[]
  /** Admitted on this instance and failed or cancelled, within the longest window (pruned at each admission). */
  failed: BackupTime[]
  refused: number
}

const states = new WeakMap<ManagerContext, RateLimitState>()

function stateOf(ctx: ManagerContext): RateLimitState {
  let state = states.get(ctx)
  if (state) return state
  state = { inFlight: [], failed: [], refused: 0 }
  const s = state
  const settle = (type: string, id: string, failed: boolean) => {
    if (type !== 'manual') return
    const i = s.inFlight.findIndex((b) => b.id === id)
    if (i < 0) return
    const [backup] = s.inFlight.splice(i, 1)
    if (failed) s.failed.push(backup!)
  }
  ctx.events.on('backup:success', ({ record }) => settle(record.type, record.id, false))
  ctx.events.on('backup:failure', ({ type, id }) => settle(type, id, true))
  states.set(ctx, state)
  return state
}

/** Manual backups in the history created at or after `since` (epoch ms), read newest first. */
async function manualBackupsSince(ctx: ManagerContext, since: number): Promise<BackupTime[]> {
  const out: BackupTime[] = []
  for (const { key, time } of await ctx.index.keys()) {
    // The key's time is the backup's start, which is its createdAt: older keys are outside every window.
    if (time < since) break
    // A manifest that does not read back is not a backup, and must not block new ones.
    const manifest = await ctx.index.read(key).catch(() => null)
    if (manifest?.type === 'manual') out.push({ id: manifest.id, actor: manifest.createdBy, at: new Date(manifest.createdAt).getTime() })
  }
  return out
}

function describeWindow(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`
  if (seconds % 60 === 0) return seconds === 60 ? 'minute' : `${seconds / 60} minutes`
  return `${seconds} s`
}
