// The combinator: a backup is kept when any rule keeps it, and the reasons say which; everything else
// is deleted. The newest backup and the newest verified-ok backup are always kept (with, when one of them
// is partial, the newest full one of its kind: newest.ts), and so are the chains
// of the change archive a kept time needs (chain.ts).
import { keepChains } from './chain'
import { keepGfs } from './gfs'
import { keepLastN } from './keep-last'
import { keepWithinMaxAge } from './max-age'
import { newestBackups, newestVerifiedBackups } from './newest'
import { keepPinned } from './pinned'
import { newestFirst, type RetentionCandidate, type RetentionPolicy, type RetentionReason } from './policy'

export interface RetentionDecision {
  /** Newest first, each with every reason it is kept for. */
  keep: { id: string; reasons: RetentionReason[] }[]
  /** Ids to delete, newest first. */
  remove: string[]
}

/**
 * @example
 * decideRetention(await backups.list(), { maxAgeDays: 30, gfs: { monthly: 12 } }, new Date())
 */
export function decideRetention(candidates: readonly RetentionCandidate[], policy: RetentionPolicy, now: Date): RetentionDecision {
  const gfs = keepGfs(candidates, policy.gfs)
  const rules: [RetentionReason, Set<string>][] = [
    ['pinned', keepPinned(candidates)],
    ['newest', new Set(newestBackups(candidates))],
    ['newest-verified', new Set(newestVerifiedBackups(candidates))],
    ['max-age', keepWithinMaxAge(candidates, policy.maxAgeDays, now)],
    ['keep-last', keepLastN(candidates, policy.keepLast)],
    ['daily', gfs.daily],
    ['weekly', gfs.weekly],
    ['monthly', gfs.monthly],
    ['yearly', gfs.yearly],
    ['chain', keepChains(candidates, policy.maxAgeDays, now)],
  ]
  const decision: RetentionDecision = { keep: [], remove: [] }
  for (const candidate of newestFirst(candidates)) {
    const reasons = rules.filter(([, ids]) => ids.has(candidate.id)).map(([reason]) => reason)
    if (reasons.length > 0) decision.keep.push({ id: candidate.id, reasons })
    else decision.remove.push(candidate.id)
  }
  return decision
}
