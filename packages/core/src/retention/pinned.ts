// Rule: a pinned backup is kept forever.
import type { RetentionCandidate } from './policy'

export function keepPinned(candidates: readonly RetentionCandidate[]): Set<string> {
  return new Set(candidates.filter((c) => c.pinned).map((c) => c.id))
}
