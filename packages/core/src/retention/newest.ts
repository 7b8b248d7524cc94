// Guarantees that hold whatever the policy: the newest backup is never deleted, and neither is the
// newest one whose last verification passed (so a bad newest backup never leaves no good one).
import { newestFirst, type RetentionCandidate } from './policy'

export function newestBackup(candidates: readonly RetentionCandidate[]): string | null {
  return newestFirst(candidates)[0]?.id ?? null
}

export function newestVerifiedBackup(candidates: readonly RetentionCandidate[]): string | null {
  return newestFirst(candidates.filter((c) => c.verified?.ok === true))[0]?.id ?? null
}
