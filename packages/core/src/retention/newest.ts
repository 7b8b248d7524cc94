// Guarantees that hold whatever the policy: the newest backup is never deleted, and neither is the
// newest one whose last verification passed (so a bad newest backup never leaves no good one). A partial
// backup (a table selection, definitions or rows only) cannot stand in for a full one: when the newest
// (verified) backup is partial, the newest full (verified) backup is kept as well, so that a selective
// backup never leaves the database without a full one. With a signing key, decide.ts hands these only
// the backups the manager would use (a planted unsigned or tampered newest must not protect itself in
// place of the real ones).
import { newestFirst, type RetentionCandidate } from './policy'

/** The newest backup, and the newest full one when that is partial (0, 1 or 2 ids). */
export function newestBackups(candidates: readonly RetentionCandidate[]): string[] {
  return newestAndNewestFull(newestFirst(candidates))
}

/** The newest backup whose verification passed, and the newest full such one when that is partial. */
export function newestVerifiedBackups(candidates: readonly RetentionCandidate[]): string[] {
  return newestAndNewestFull(newestFirst(candidates.filter((c) => c.verified?.ok === true)))
}

// --- internal ---

function newestAndNewestFull(sorted: readonly RetentionCandidate[]): string[] {
  const newest = sorted[0]
  if (newest === undefined) return []
  if (newest.partial !== true) return [newest.id]
  const full = sorted.find((c) => c.partial !== true)
  return full === undefined ? [newest.id] : [newest.id, full.id]
}
