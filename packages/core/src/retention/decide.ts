// The combinator: a backup is kept when any rule keeps it, and the reasons say which; everything else
// is deleted. The newest backup and the newest verified-ok backup are always kept (with, when one of them
// is partial, the newest full one of its kind: newest.ts), and so are the chains
// of the change archive a kept time needs (chain.ts). With a signing key, backups the manager would not
// use (RetentionCandidate.trusted false) never stand in for a trusted one: the trusted backups are
// decided as if they were not there, and they are decided by the policy alone, never by the guarantees.
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
  const trusted = candidates.filter((c) => c.trusted !== false)
  // Nothing trusted (a wrong key?) or everything: every backup is decided as without signing.
  const mixed = trusted.length > 0 && trusted.length < candidates.length
  const forTrusted = keptBy(mixed ? trusted : candidates, policy, now, true)
  const forUntrusted = mixed ? keptBy(candidates, policy, now, false) : forTrusted
  const decision: RetentionDecision = { keep: [], remove: [] }
  for (const candidate of newestFirst(candidates)) {
    const rules = candidate.trusted === false ? forUntrusted : forTrusted
    const reasons = rules.filter(([, ids]) => ids.has(candidate.id)).map(([reason]) => reason)
    if (reasons.length > 0) decision.keep.push({ id: candidate.id, reasons })
    else decision.remove.push(candidate.id)
  }
  return decision
}

// --- internal ---

/** What each rule keeps of `candidates`; without `guarantees`, the newest, newest verified and newest chain are not kept as such. */
function keptBy(candidates: readonly RetentionCandidate[], policy: RetentionPolicy, now: Date, guarantees: boolean): [RetentionReason, Set<string>][] {
  const gfs = keepGfs(candidates, policy.gfs)
  return [
    ['pinned', keepPinned(candidates)],
    ['newest', new Set(guarantees ? newestBackups(candidates) : [])],
    ['newest-verified', new Set(guarantees ? newestVerifiedBackups(candidates) : [])],
    ['max-age', keepWithinMaxAge(candidates, policy.maxAgeDays, now)],
    ['keep-last', keepLastN(candidates, policy.keepLast)],
    ['daily', gfs.daily],
    ['weekly', gfs.weekly],
    ['monthly', gfs.monthly],
    ['yearly', gfs.yearly],
    ['chain', keepChains(candidates, policy.maxAgeDays, now, { newest: guarantees })],
  ]
}
