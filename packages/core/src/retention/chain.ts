// Rule for the change archive: a chain (a base backup and its segments) is one piece, kept or removed
// whole. A restore to a time T needs the chain whose base was taken before T and whose segments reach T,
// so with maxAgeDays a base older than the window is still kept while its chain's last commit falls
// inside the window: recovering to a time in the window's first hours needs it. The newest chain is kept
// whatever the policy: it is the one the archiver is writing to.
import { DAY_MS, newestFirst, type RetentionCandidate } from './policy'

/** `newest: false` leaves out the newest chain's guarantee (for backups that are not trusted: decide.ts). */
export function keepChains(candidates: readonly RetentionCandidate[], maxAgeDays: number | undefined, now: Date, { newest: keepNewest = true } = {}): Set<string> {
  const bases = candidates.filter((c) => c.chain !== undefined)
  const keep = new Set<string>()
  const newest = newestFirst(bases)[0]
  if (newest && keepNewest) keep.add(newest.id)
  if (maxAgeDays !== undefined) {
    const windowStart = now.getTime() - maxAgeDays * DAY_MS
    for (const base of bases) {
      const until = base.chain!.until
      if (until !== null && until.getTime() >= windowStart) keep.add(base.id)
    }
  }
  return keep
}
