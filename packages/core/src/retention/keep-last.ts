// Rule: keep the newest `keepLast` backups.
import { newestFirst, type RetentionCandidate } from './policy'

export function keepLastN(candidates: readonly RetentionCandidate[], keepLast: number | undefined): Set<string> {
  if (keepLast === undefined || keepLast <= 0) return new Set()
  return new Set(newestFirst(candidates).slice(0, keepLast).map((c) => c.id))
}
