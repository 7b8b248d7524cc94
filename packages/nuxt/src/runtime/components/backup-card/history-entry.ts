// One row of the history route's answer (`GET …/history` → `{ backups, total }`), as far as the card reads it.

export interface HistoryEntry {
  id: string
  filename: string
  /** Bytes stored (compressed). */
  size: number
  type: 'manual' | 'scheduled'
  /** ISO date (JSON). */
  createdAt: string
  createdBy?: string | number | null
  pinned?: boolean
  /** A backup of a selection (tables, schemas, exclusions) or of definitions or rows only: not the whole database. */
  partial?: boolean
  /**
   * The signature as checked against the server's signing keys: valid, tampered, unknown-key, unsigned,
   * no-member-checksums (signed, but without the checksums its bytes are checked by), or unchecked (no
   * signing key). Absent from servers before it was answered.
   */
  signature?: 'valid' | 'tampered' | 'unknown-key' | 'unsigned' | 'unchecked' | 'no-member-checksums'
  /**
   * False for a backup the server would refuse to restore, verify or download: tampered with, signed with
   * a key it does not have, signed without member checksums, or unsigned while signatures are required.
   */
  trusted?: boolean
  /** The copies in the replicas (absent without replicas). */
  copies?: { storage: string; status: 'ok' | 'failed' | 'pending' }[]
  /**
   * A base backup of the change archive: the window a restore with `until` can reach (ISO times; `until`
   * null while nothing is archived yet). Absent on other backups.
   */
  recoverable?: { from: string; until: string | null; untilLsn: string | null; segments: number }
}

export interface HistoryAnswer {
  backups: HistoryEntry[]
  total: number
}
