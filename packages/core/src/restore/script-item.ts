// What splitScript yields: the statements, COPY blocks and backslash commands of a plain SQL script, in
// script order, each as psql would send or run it. Types only.

/**
 * The pg_dump TOC comment in force: `-- [Data for |Statistics for ]Name: <tag>; Type: <desc>; Schema: <ns>;
 * Owner: <owner>[; Tablespace: <ts>]` (pg_backup_archiver.c `_printTocEntry`).
 */
export interface EntryHeader {
  /** The entry's tag, e.g. `parent`, `FUNCTION add(a integer, b integer)`, `TABLE parent`. */
  name: string
  /** The entry's description, e.g. `TABLE`, `TABLE DATA`, `FK CONSTRAINT`. */
  type: string
  /** `null` where pg_dump printed `-`. */
  schema: string | null
  /** `null` where pg_dump printed `-`; `''` where it printed nothing (an empty owner). */
  owner: string | null
  tablespace?: string
  /** The header said `Data for Name:` (TABLE DATA, BLOBS, sequence data). */
  isData: boolean
  /** The header said `Statistics for Name:` (pg_dump 18 statistics). */
  isStatistics: boolean
  /** 1-based line of the header comment. */
  line: number
}

/** One SQL statement, as psql sends it: from its first token to its `;` (included), lines joined by `\n`. */
export interface StatementItem {
  kind: 'statement'
  sql: string
  /** 1-based line where the statement starts. */
  line: number
  /** The most recent TOC header before the statement, if any. */
  entry: EntryHeader | null
}

/** A `COPY … FROM stdin` statement followed by its inline data. */
export interface CopyItem {
  kind: 'copy'
  sql: string
  line: number
  entry: EntryHeader | null
  /**
   * The script's `client_encoding` when the COPY started (`UTF8` unless the script set another): the
   * encoding of the bytes in `data`.
   */
  encoding: string
  /**
   * The raw data lines up to, not including, the `\.` line, in chunks of at most the input's chunk size.
   * Read it before asking for the next item; whatever is left unread is skipped then. Readable once.
   */
  data: AsyncIterable<Buffer>
}

/** A backslash command outside any statement: `\restrict KEY`, `\unrestrict KEY`, `\connect …`, or any other. */
export interface MetaItem {
  kind: 'meta'
  /** The name without the backslash, e.g. `restrict`, `connect`, `c`. */
  command: string
  /** The rest of the line, trimmed of spaces, tabs and \r; quotes are left as written. */
  args: string
  line: number
}

export type ScriptItem = StatementItem | CopyItem | MetaItem

export interface SplitScriptOptions {
  /**
   * The largest statement (or single token, or backslash-command line) held in memory, in bytes; a longer
   * one is SCRIPT_INVALID. COPY data does not count: it streams.
   * @default 268435456 (256 MiB)
   */
  maxStatementBytes?: number
  /**
   * When the script opened `\restrict KEY` (pg_dump plain output since the August 2025 minor releases),
   * ending without the matching `\unrestrict KEY` is SCRIPT_INVALID: that is how a dump cut exactly
   * between two statements is noticed. psql itself does not check this.
   * @default true
   */
  requireUnrestrict?: boolean
}
