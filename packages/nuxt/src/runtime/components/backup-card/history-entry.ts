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
  /** The copies in the replicas (absent without replicas). */
  copies?: { storage: string; status: 'ok' | 'failed' | 'pending' }[]
}

export interface HistoryAnswer {
  backups: HistoryEntry[]
  total: number
}
