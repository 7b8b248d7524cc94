// The retention policy and what its rules work on. Pure types: the rules (one file each) and the
// combinator in decide.ts take backups, a policy and the time, and never touch storage.

/** What a rule needs to know about one backup; a BackupRecord is one. */
export interface RetentionCandidate {
  id: string
  createdAt: Date
  pinned: boolean
  verified: { at: Date; ok: boolean } | null
  /**
   * A partial backup (a table or schema selection, or definitions or rows only; BackupRecord.partial).
   * Absent means full.
   */
  partial?: boolean
  /**
   * Present on the base backup of a change archive's chain (its manifest has `changes`): `until` is the
   * commit time of the chain's newest archived transaction (null while it has none).
   */
  chain?: { until: Date | null }
  /**
   * false: a backup the manager would not use (with a signing key: its manifest tampered with, signed
   * with a key not configured, or unsigned while signing is required). It never counts as the newest or
   * the newest verified, nor takes a trusted backup's place among the newest `keepLast`, in a daily …
   * yearly slot or as the newest chain: the trusted backups are decided as if it were not there. It is
   * itself kept by the policy as any other backup is (pinned, maxAgeDays, keepLast and gfs counted over
   * all backups), never by the guarantees, unless no backup at all is trusted (a wrong key, say): then
   * every backup is decided as without signing. Absent means trusted.
   */
  trusted?: boolean
}

/** Grandfather-father-son: keep the newest backup of each of the last N days, ISO weeks, months, years (UTC). */
export interface GfsPolicy {
  daily?: number
  weekly?: number
  monthly?: number
  yearly?: number
}

export interface RetentionPolicy {
  /** Keep every backup at most this many days old. */
  maxAgeDays?: number
  /** Keep the newest N backups. */
  keepLast?: number
  gfs?: GfsPolicy
}

export type GfsPeriod = keyof GfsPolicy

/**
 * Why a backup is kept. `newest` and `newest-verified` are not rules of the policy but guarantees: the
 * newest backup, and the newest one whose verification passed, are never deleted; and since a partial
 * backup cannot stand in for a full one, when that backup is partial the newest *full* one is kept for the
 * same reason too (`newest`: the newest full backup; `newest-verified`: the newest full backup whose
 * verification passed). Only trusted backups count for these guarantees (RetentionCandidate.trusted).
 * `chain`: the base of a
 * change archive's chain that is needed for a restore to a time the policy keeps, or the newest chain
 * (the one the archiver writes to); see chain.ts.
 */
export type RetentionReason = 'pinned' | 'newest' | 'newest-verified' | 'max-age' | 'keep-last' | 'chain' | GfsPeriod

export const DAY_MS = 24 * 60 * 60 * 1000

/** Newest first; equal times by id, so that every rule sees the same order. */
export function newestFirst<T extends Pick<RetentionCandidate, 'id' | 'createdAt'>>(candidates: readonly T[]): T[] {
  return [...candidates].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
}
