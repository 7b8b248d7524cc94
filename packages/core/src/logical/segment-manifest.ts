// The manifest stored beside each change segment (written last), and the keys a segment is stored under.
import type { Lsn } from './lsn'

export interface SegmentManifest {
  format: 'pgkeep-changes'
  /** 2: one line per change (written now); 1: one line per transaction (still read). See segment-lines.ts. */
  formatVersion: 1 | 2
  slot: string
  /** Commit LSN of the first transaction and end LSN of the last, as PostgreSQL prints them. */
  firstCommitLsn: string
  endLsn: string
  firstCommitAt: string
  lastCommitAt: string
  transactions: number
  /** Rows changed per table (`schema.name`). */
  rows: Record<string, number>
  /** Bytes stored. */
  size: number
  /** Of the bytes stored. */
  sha256: string
  /**
   * End LSN of the segment stored before this one in the chain (absent on a chain's first segment, and in
   * segments of older versions): a restore that finds another end before it knows a segment is missing.
   */
  previousEndLsn?: string
  /**
   * Every sequence's value, sampled after the segment's last commit (sample-sequences.ts): at least its
   * value at any commit in the segment. The backup manifest's shape. Absent when the archiver had no SQL
   * connection.
   */
  sequences?: { schema: string; name: string; value: string; isCalled: boolean }[]
  /**
   * Every enum type's labels in sort order, sampled with the sequences (enum-labels.ts): the replay adds
   * those the target lacks (an ALTER TYPE … ADD VALUE after the base) before the segment's transactions.
   */
  enums?: { schema: string; name: string; labels: string[] }[]
  /** What the change log does not hold, seen when the segment was closed: unreadable sequences, unlogged tables, large objects. */
  warnings?: string[]
}

/** What a segment's manifest carries besides its transactions (the archiver's SQL connection reads it). */
export interface SegmentExtras {
  previousEndLsn?: string
  sequences?: SegmentManifest['sequences']
  enums?: SegmentManifest['enums']
  warnings?: string[]
}

const hex16 = (lsn: Lsn) => lsn.toString(16).toUpperCase().padStart(16, '0')

export function segmentKeys(prefix: string, first: Lsn, end: Lsn): { key: string; manifestKey: string } {
  const base = `${prefix}${hex16(first)}-${hex16(end)}`
  return { key: `${base}.changes.gz`, manifestKey: `${base}.segment.json` }
}
