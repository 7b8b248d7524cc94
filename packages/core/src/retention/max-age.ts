// Rule: keep every backup created at most `maxAgeDays` days before `now` (the boundary is kept).
// A backup dated after `now` (a clock running ahead) is young, so kept.
import { DAY_MS, type RetentionCandidate } from './policy'

export function keepWithinMaxAge(candidates: readonly RetentionCandidate[], maxAgeDays: number | undefined, now: Date): Set<string> {
  if (maxAgeDays === undefined) return new Set()
  const oldest = now.getTime() - maxAgeDays * DAY_MS
  return new Set(candidates.filter((c) => c.createdAt.getTime() >= oldest).map((c) => c.id))
}
