// Applies a script's items to a database as psql -v ON_ERROR_STOP=1 would: each statement as it is
// (simple query protocol), each COPY block streamed through COPY FROM STDIN with backpressure. Entries
// the selection leaves out are skipped whole; a failure names the entry, the SQLSTATE and the line.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { PgkeepError } from '../errors'
import { toUtf8 } from './copy-transcode'
import type { EntryFilter } from './select-entries'
import { copyMember } from './member-copy'
import type { MemberItem } from './member-item'
import type { CopyItem, EntryHeader, MetaItem, ScriptItem, StatementItem } from './script-item'
import { ANY_STATEMENT, strictStatementPolicy, type StatementPolicy } from './statement-policy'
import { describeConnectionError } from './connection-lost'

export interface ApplyOptions {
  filter: EntryFilter
  /** Leave out ALTER … OWNER TO. */
  noOwner: boolean
  /** Major version of the target server, for session settings it does not know. */
  targetMajor: number
  /**
   * The restore runs in one transaction of its own: the script's own BEGIN/COMMIT (pg_dump wraps large
   * objects in them) are left out, or they would end it early.
   */
  inTransaction: boolean
  signal?: AbortSignal
  onEntry?: (entry: EntryHeader) => void
  /** Checks every statement before it is sent (strict restore); refusals throw SCRIPT_REFUSED. */
  policy?: StatementPolicy
  /** Member items (a pgkeep backup read by members): their own statements are checked strictly unless this is set. */
  allowAnyStatement?: boolean
  maxStatementBytes?: number
}

export interface ApplyResult {
  statements: number
  entries: number
  tables: { schema: string; name: string; rows: number }[]
  /** Statements left out because the target cannot take them (e.g. SET transaction_timeout before 17). */
  skipped: string[]
}

const OWNER_TO = /^ALTER [A-Z ]+ [\s\S]+ OWNER TO [\s\S]+;$/
const CLIENT_ENCODING = /^SET\s+client_encoding\s*(?:=|TO)\s*[^;]*;$/i
const TRANSACTION_CONTROL = /^(?:BEGIN|COMMIT|END|START TRANSACTION)(?:\s+(?:WORK|TRANSACTION))?\s*;$/i
/** GRANT/REVOKE privilege lists (also inside ALTER DEFAULT PRIVILEGES). */
const PRIVILEGES = /\b(GRANT|REVOKE(?: GRANT OPTION FOR)?) ([A-Z][A-Z, ]*?) ON /
/** Session settings that only newer servers know: a dump of a newer server still restores into an older one. */
const NEWER_SETTINGS: [RegExp, number][] = [[/^SET transaction_timeout\b/i, 17]]

export async function applyScript(client: pg.Client, items: AsyncIterable<ScriptItem | MemberItem>, options: ApplyOptions): Promise<ApplyResult> {
  const result: ApplyResult = { statements: 0, entries: 0, tables: [], skipped: [] }
  for await (const item of selectedItems(items, options, result)) {
    const entry = item.entry
    if (item.kind === 'member') {
      const rows = await copyMember(client, item, memberCopyOptions(options, result.skipped))
      result.statements++
      result.tables.push({ schema: item.entry.schema ?? '', name: item.entry.name, rows })
      continue
    }
    if (item.kind === 'statement') {
      const sql = adaptStatement(item, options, result.skipped)
      if (sql === null) continue
      try {
        await client.query(sql)
      } catch (error) {
        throw failed(error, item.line, entry)
      }
      result.statements++
      continue
    }
    const copy = client.query(copyFrom(item.sql))
    try {
      await pipeline(Readable.from(toUtf8(item.data, item.encoding, item.line)), copy)
    } catch (error) {
      throw failed(error, item.line, entry)
    }
    result.statements++
    if (entry && entry.type === 'TABLE DATA') result.tables.push({ schema: entry.schema ?? '', name: entry.name, rows: Number(copy.rowCount ?? 0) })
  }
  return result
}

/**
 * The script's statements and COPY blocks, each checked by the policy (strict restore) before it is
 * passed on; backslash commands other than \restrict / \unrestrict are refused; an aborted signal stops it.
 */
/**
 * The checked items of the entries the filter keeps (a left-out COPY block is read through), counting
 * each new entry in `result.entries` and announcing it with onEntry.
 */
export async function* selectedItems(items: AsyncIterable<ScriptItem | MemberItem>, options: Pick<ApplyOptions, 'filter' | 'policy' | 'signal' | 'onEntry'>, result: ApplyResult): AsyncGenerator<StatementItem | CopyItem | MemberItem> {
  let lastEntry: EntryHeader | null = null
  for await (const item of checkedItems(items, options.policy, options.signal)) {
    const entry = item.entry
    if (!options.filter(entry)) {
      if (item.kind === 'copy') for await (const _ of item.data) { /* skip the block */ }
      continue
    }
    if (entry && entry !== lastEntry) {
      lastEntry = entry
      result.entries++
      options.onEntry?.(entry)
    }
    yield item
  }
}

export async function* checkedItems(items: AsyncIterable<ScriptItem | MemberItem>, policy: StatementPolicy | undefined, signal?: AbortSignal): AsyncGenerator<StatementItem | CopyItem | MemberItem> {
  // a statement strict restore judges by the item after it (a role switch): passed on once that one passed
  let held: StatementItem | CopyItem | MemberItem | null = null
  for await (const item of items) {
    if (signal?.aborted) throw new PgkeepError('ABORTED', 'the restore was cancelled', { cause: signal.reason })
    if (item.kind === 'meta') {
      refuseMeta(item)
      continue
    }
    // a member is judged here as the COPY block it stands for; its own statements where it is read
    const verdict = policy ? policy.check(item.kind === 'member' ? memberAsCopy(item) : item) : 'ok'
    if (held) yield held
    held = null
    if (verdict === 'hold') held = item
    else yield item
  }
  policy?.finish()
  if (held) yield held
}

/** The options copyMember() runs a member with, from the apply's. */
export function memberCopyOptions(options: Pick<ApplyOptions, 'noOwner' | 'targetMajor' | 'allowAnyStatement' | 'maxStatementBytes'>, skipped: string[]) {
  return {
    noOwner: options.noOwner,
    targetMajor: options.targetMajor,
    ...(options.maxStatementBytes !== undefined ? { maxStatementBytes: options.maxStatementBytes } : {}),
    policy: options.allowAnyStatement ? () => ANY_STATEMENT : strictStatementPolicy,
    skipped,
  }
}

/** The COPY block a member item stands for, as the leader's policy judges it (the member's own COPY is judged when read). */
function memberAsCopy(item: MemberItem): CopyItem {
  const name = (part: string) => `"${part.replaceAll('"', '""')}"`
  const table = item.entry.schema === null ? name(item.entry.name) : `${name(item.entry.schema)}.${name(item.entry.name)}`
  return { kind: 'copy', sql: `COPY ${table} FROM stdin;`, line: item.line, entry: item.entry, encoding: 'UTF8', data: (async function* () {})() }
}

/**
 * The text to send for a statement, adapted to the target (or null: leave it out), as the options say.
 * What is left out because the target cannot take it is noted in `skipped`.
 */
export function adaptStatement(item: StatementItem, options: Pick<ApplyOptions, 'noOwner' | 'inTransaction' | 'targetMajor'>, skipped: string[]): string | null {
  if (options.noOwner && OWNER_TO.test(item.sql)) return null
  if (options.inTransaction && TRANSACTION_CONTROL.test(item.sql)) return null
  // The splitter has already read the script in its encoding; this connection stays UTF-8.
  if (CLIENT_ENCODING.test(item.sql)) return null
  const newer = NEWER_SETTINGS.find(([pattern, major]) => pattern.test(item.sql) && options.targetMajor < major)
  if (newer) {
    skipped.push(`line ${item.line}: ${item.sql} (PostgreSQL ${options.targetMajor} does not have it)`)
    return null
  }
  let sql = item.sql
  if (options.targetMajor < 17) {
    // MAINTAIN (17+) cannot be granted on older servers: leave it out of the privilege list.
    const adapted = withoutMaintain(sql)
    if (adapted !== sql) {
      skipped.push(`line ${item.line}: MAINTAIN in ${sql.split('\n')[0]} (PostgreSQL ${options.targetMajor} does not have it)`)
      if (adapted === null) return null
      sql = adapted
    }
  }
  return sql
}

/** Throws for a backslash command other than \restrict / \unrestrict (which guard psql against meta-commands in data; nothing here runs them anyway). */
export function refuseMeta(item: MetaItem): void {
  if (item.command === 'restrict' || item.command === 'unrestrict') return
  throw new PgkeepError('SCRIPT_INVALID', `line ${item.line}: the script runs the psql command \\${item.command}, which a restore into one database cannot follow`, {
    hint: item.command === 'connect' || item.command === 'c' ? 'make the dump without --create, and restore into the database you want (createDatabase; pgkeep restore -C)' : undefined,
  })
}

/** The error a failed statement or COPY becomes: RESTORE_FAILED (SERVER_LIMIT for out of shared memory), naming the entry and line. */
export function failed(error: unknown, line: number, entry: EntryHeader | null): PgkeepError {
  if (error instanceof PgkeepError) return error
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as { code?: string; message?: string }
  const where = entry ? `${entry.type} ${entry.schema ? `${entry.schema}.` : ''}${entry.name}` : 'the script preamble'
  // a node system error's code (EPIPE, EPERM) is not a SQLSTATE, though it may look like one
  const system = 'errno' in e || 'syscall' in e
  const sqlstate = !system && e.code && /^[0-9A-Z]{5}$/.test(e.code) ? ` (SQLSTATE ${e.code})` : ''
  if (e.code === '53200') {
    return new PgkeepError('SERVER_LIMIT', `restoring ${where} failed at line ${line}: ${e.message ?? String(error)}${sqlstate}`, {
      cause: error,
      hint: 'a restore in one transaction holds a lock on every object it creates until it commits: raise max_locks_per_transaction on the target server, or restore with singleTransaction: false (pgkeep restore --no-single-transaction)',
    })
  }
  return new PgkeepError('RESTORE_FAILED', `restoring ${where} failed at line ${line}: ${describeConnectionError(e)}${sqlstate}`, { cause: error })
}

/** The statement with MAINTAIN taken out of its privilege list; null when nothing else was in it. */
function withoutMaintain(sql: string): string | null {
  const match = PRIVILEGES.exec(sql)
  if (!match || !/\bMAINTAIN\b/.test(match[2]!)) return sql
  const rest = match[2]!.split(',').map((p) => p.trim()).filter((p) => p !== 'MAINTAIN')
  if (rest.length === 0) return null
  return sql.slice(0, match.index) + `${match[1]} ${rest.join(',')} ON ` + sql.slice(match.index + match[0].length)
}
