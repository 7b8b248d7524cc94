// The rate limit on manual backups, per actor and overall. It is counted from the history (manifests of
// type manual created within the window), so it holds across app instances that share the storage, plus
// the manual backups this instance is still writing (they have no manifest yet). Scheduled backups are
// never limited. A refusal is RATE_LIMITED with `retryAfter`, thrown before any work is done.
import { PgkeepError } from '../errors'
import type { ManagerContext } from './context'
import { DEFAULT_RATE_LIMIT, type WindowLimit } from './rate-limit-options'

/**
 * Admits a manual backup by `actor` or throws RATE_LIMITED. When admitted, the backup counts as in
 * flight on this instance until its `backup:success` or `backup:failure` event; the caller must emit
 * `backup:start` right after this resolves (nothing may fail in between).
 */
export async function admitManualBackup(ctx: ManagerContext, actor: string | null): Promise<void> {
  const limit = ctx.options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : ctx.options.rateLimit
  if (limit === false || (!limit.perActor && !limit.overall)) return
  const state = stateOf(ctx)
  const longest = Math.max(limit.perActor?.windowSeconds ?? 0, limit.overall?.windowSeconds ?? 0) * 1000
  const stored = await manualBackupsSince(ctx, ctx.now().getTime() - longest)
  // From here on nothing awaits: the decision and the reservation are one step for this instance.
  const now = ctx.now().getTime()
  const all = [...stored, ...state.inFlight]
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
      { retryAfter, hint: 'scheduled backups are not limited; the limit is set with the rateLimit option' })
  }
  state.inFlight.push({ actor, at: now })
}

/** Manual backups refused since this manager was created (for the metrics). */
export function refusedManualBackups(ctx: ManagerContext): number {
  return stateOf(ctx).refused
}

// --- internal ---

interface BackupTime {
  actor: string | null
  at: number
}

interface RateLimitState {
  inFlight: BackupTime[]
  refused: number
}

const states = new WeakMap<ManagerContext, RateLimitState>()

function stateOf(ctx: ManagerContext): RateLimitState {
  let state = states.get(ctx)
  if (state) return state
  state = { inFlight: [], refused: 0 }
  const s = state
  const release = (type: string, actor: string | null) => {
    if (type !== 'manual') return
    const i = s.inFlight.findIndex((b) => b.actor === actor)
    if (i >= 0) s.inFlight.splice(i, 1)
  }
  ctx.events.on('backup:success', ({ record }) => release(record.type, record.createdBy))
  ctx.events.on('backup:failure', ({ type, actor }) => release(type, actor))
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
    if (manifest?.type === 'manual') out.push({ actor: manifest.createdBy, at: new Date(manifest.createdAt).getTime() })
  }
  return out
}

function describeWindow(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`
  if (seconds % 60 === 0) return seconds === 60 ? 'minute' : `${seconds / 60} minutes`
  return `${seconds} s`
}
