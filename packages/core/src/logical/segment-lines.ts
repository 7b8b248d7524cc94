// The lines of a change segment and how they are written and read. Version 2 (written now): the
// relations line, then for each transaction a begin line (all a replay needs to decide whether the
// transaction is past its target), one line per change, and a commit line; no line holds more than one
// change, so neither side ever needs a whole transaction in memory. Version 1 (still read): the
// relations line, then one line per transaction holding all its changes.
import type { Lsn } from './lsn'
import type { PgoutputMessage } from './pgoutput'

export type Relation = Extract<PgoutputMessage, { tag: 'relation' }>
export type RowChange = Extract<PgoutputMessage, { tag: 'insert' | 'update' | 'delete' | 'truncate' }>

/** A version 2 begin line: `commitLsn` is the begin message's final LSN, where the commit record starts. */
export interface BeginLine {
  tag: 'begin'
  xid: number
  commitLsn: Lsn
  /** Microseconds since 2000-01-01, as the server sent it. */
  commitTime: bigint
}

/** A version 2 commit line. */
export interface CommitLine {
  tag: 'commit'
  /** End of the commit record: the position to confirm once this transaction is stored. */
  endLsn: Lsn
}

/** What a segment holds, line by line, whatever its version. */
export type SegmentEvent =
  | { kind: 'relations'; relations: Relation[] }
  | { kind: 'begin'; xid: number; commitLsn: Lsn; commitTime: bigint }
  | { kind: 'change'; change: RowChange }
  | { kind: 'commit'; endLsn: Lsn }

const BIGINT_FIELDS = new Set(['commitLsn', 'endLsn', 'commitTime', 'lsn', 'finalLsn'])

/** One line's JSON, bigints as decimal strings (read back by decodeLine for the fields that hold them). */
export function encodeLine(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

export function decodeLine<T>(line: string): T {
  return JSON.parse(line, (k, v: unknown) => (BIGINT_FIELDS.has(k) && typeof v === 'string' ? BigInt(v) : v)) as T
}

/** The tables a change refers to (a truncate may name several). */
export function changedRelations(change: RowChange): number[] {
  return change.tag === 'truncate' ? change.relations : [change.relation]
}
