// Applies a script with worker sessions, as pg_restore -j does, reading it once from start to end:
// pre-data in the leader's session; each table's data entry in a free worker (its COPY block streamed
// there as the scan reaches it: the scan waits for the worker, so memory holds a chunk per worker, not
// a block; a backup's members are batched and handed out largest first, each with its table's builds,
// see member-batch.ts); then post-data with index and primary-key/unique builds at once, foreign keys
// at once after them, and every other entry alone. Data goes in inside one open transaction per
// session, committed only once the last table's data is in, so a failure before then leaves no rows.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { adaptStatement, failed, memberCopyOptions, selectedItems, type ApplyOptions, type ApplyResult } from './apply-script'
import { toUtf8 } from './copy-transcode'
import { sectionOf } from './entry-kinds'
import { copyMember } from './member-copy'
import { MemberBatch } from './member-batch'
import type { MemberItem } from './member-item'
import { parallelClass, tableLocks, type ParallelClass } from './parallel-entries'
import type { RestoreWorkers, Lease, Settings } from './restore-workers'
import type { CopyItem, EntryHeader, ScriptItem } from './script-item'

export interface ParallelApplyOptions extends Omit<ApplyOptions, 'inTransaction'> {
  workers: RestoreWorkers
}

type Phase = 'pre' | 'data' | 'post'

export async function applyParallel(leader: pg.Client, items: AsyncIterable<ScriptItem | MemberItem>, options: ParallelApplyOptions): Promise<ApplyResult> {
  const { workers } = options
  const result: ApplyResult = { statements: 0, entries: 0, tables: [], skipped: [] }
  const loaded: { table: ApplyResult['tables'][number]; lease: Lease }[] = []
  let lastEntry: EntryHeader | null = null
  let settings: Settings = new Map()
  let phase: Phase = 'pre'
  let inTransaction = false
  /** The class of the post-data entries running now (null: none, or one alone). */
  let wave: ParallelClass | null = null
  let lease: Lease | null = null

  const endLease = () => {
    if (lease) void lease.end()
    lease = null
  }
  const onLeader = async (sql: string, line: number, entry: EntryHeader | null) => {
    try {
      await leader.query(sql)
    } catch (error) {
      throw failed(error, line, entry)
    }
  }
  const batch = new MemberBatch()
  /** Hands the batched members out, largest first, each followed by its table's builds in the same worker. */
  const handOut = async () => {
    for (const member of batch.take()) {
      const l = await workers.lease(member.item.entry)
      loaded.push({ table: member.table, lease: l })
      l.task((client) => copyMember(client, member.item, memberCopyOptions(options, result.skipped)), member.item.line, member.settings)
      for (const build of member.builds) await l.run(build.sql, build.line, build.settings, build.entry)
      void l.end()
    }
  }
  const finishData = async () => {
    await handOut()
    endLease()
    await workers.drain()
    await workers.everywhere('COMMIT')
    if (inTransaction) await onLeader('COMMIT', 0, null)
    inTransaction = false
    phase = 'post'
  }

  try {
    for await (const item of selectedItems(items, options, result)) {
      workers.check()
      const entry = item.entry
      if (entry) lastEntry = entry
      if (lease && lease.entry !== entry) endLease()
      let sql: string | null = null
      if (item.kind === 'statement') {
        sql = adaptStatement(item, { noOwner: options.noOwner, inTransaction, targetMajor: options.targetMajor }, result.skipped)
        if (sql === null) continue
        const setting = settingName(sql)
        if (setting) {
          // in the leader now, in each worker before the next thing it runs
          await onLeader(sql, item.line, entry)
          const next = new Map(settings)
          next.delete(setting)
          settings = next.set(setting, sql)
          result.statements++
          continue
        }
      }
      const kind = parallelClass(entry)

      if (kind === 'data' && phase !== 'post') {
        if (phase === 'pre') {
          phase = 'data'
          await onLeader('BEGIN', 0, null)
          inTransaction = true
          await workers.everywhere('BEGIN')
        }
        if (item.kind === 'member' && !lease) {
          // read by the worker that loads it, once the batch is handed out: the scan goes on at once
          const table = { schema: entry!.schema ?? '', name: entry!.name, rows: 0 }
          result.tables.push(table)
          batch.add(item, settings, table)
          result.statements++
          continue
        }
        await handOut()
        if (!lease) {
          lease = await workers.lease(entry!)
          const table = { schema: entry!.schema ?? '', name: entry!.name, rows: 0 }
          result.tables.push(table)
          loaded.push({ table, lease })
        }
        if (item.kind === 'member') {
          lease.task((client) => copyMember(client, item, memberCopyOptions(options, result.skipped)), item.line, settings)
          endLease()
        } else if (item.kind === 'copy') await lease.copy(item, settings)
        else await lease.run(sql!, item.line, settings)
        result.statements++
        continue
      }
      // sequence values, large objects: in the leader's data transaction, while the tables load
      if (phase === 'data' && entry && sectionOf(entry) === 'DATA') {
        // a few sequence values are quick: the batch waits for the builds after them; anything else goes after it
        if (entry.type !== 'SEQUENCE SET' || !batch.waitsForSequenceSet()) await handOut()
        if (item.kind === 'member') await memberOnLeader(leader, item, options, result)
        else if (item.kind === 'copy') await copyOnLeader(leader, item, result)
        else await onLeader(sql!, item.line, entry)
        result.statements++
        continue
      }
      if (phase === 'data' && batch.size > 0 && item.kind === 'statement' && entry) {
        const build = { sql: sql!, line: item.line, entry, settings }
        if (kind === 'build' ? batch.addBuild(build, tableLocks(sql!)) : entry.type === 'COMMENT' && batch.addComment(build)) {
          result.statements++
          continue
        }
      }
      if (phase === 'data') await finishData()

      if ((kind === 'build' || kind === 'fk') && item.kind === 'statement') {
        if (phase === 'pre') phase = 'post'
        if (lease) {
          // the entry's next statement (ALTER INDEX … SET STATISTICS): after its first, in its worker
          await lease.run(sql!, item.line, settings)
          result.statements++
          continue
        }
        const locks = tableLocks(sql!)
        if (locks) {
          // foreign keys need the keys they reference: all builds finish first
          if (wave !== kind) await workers.drain()
          wave = kind
          lease = await workers.lease(entry!, locks)
          await lease.run(sql!, item.line, settings)
          result.statements++
          continue
        }
      }
      // anything else: alone, in the leader, after whatever runs before it
      if (wave !== null) {
        endLease()
        await workers.drain()
        wave = null
      }
      if (item.kind === 'member') await memberOnLeader(leader, item, options, result)
      else if (item.kind === 'copy') await copyOnLeader(leader, item, result)
      else await onLeader(sql!, item.line, entry)
      result.statements++
    }
    if (phase === 'data') await finishData()
    endLease()
    await workers.drain()
    for (const { table, lease: l } of loaded) table.rows = l.rows
    return result
  } catch (error) {
    workers.fail(workers.failed ?? failed(error, 0, lastEntry))
    if (inTransaction) await leader.query('ROLLBACK').catch(() => {})
    throw workers.failed ?? error
  }
}

/** A COPY block the leader runs itself (table data after post-data began, large objects' data). */
async function copyOnLeader(leader: pg.Client, item: CopyItem, result: ApplyResult): Promise<void> {
  const copy = leader.query(copyFrom(item.sql))
  try {
    await pipeline(Readable.from(toUtf8(item.data, item.encoding, item.line)), copy)
  } catch (error) {
    throw failed(error, item.line, item.entry)
  }
  if (item.entry?.type === 'TABLE DATA') result.tables.push({ schema: item.entry.schema ?? '', name: item.entry.name, rows: Number(copy.rowCount ?? 0) })
}

/** A member the leader reads itself (table data after post-data began). */
async function memberOnLeader(leader: pg.Client, item: MemberItem, options: ParallelApplyOptions, result: ApplyResult): Promise<void> {
  const rows = await copyMember(leader, item, memberCopyOptions(options, result.skipped))
  result.tables.push({ schema: item.entry.schema ?? '', name: item.entry.name, rows })
}

/**
 * The session setting a statement changes (lower case: `search_path`, `role`, `session authorization`),
 * or null. SET LOCAL (undone at commit) is not one.
 */
export function settingName(sql: string): string | null {
  const set = SET.exec(sql)
  if (set) return /^(?:local|transaction|constraints)$/i.test(set[1]!) ? null : set[1]!.toLowerCase().replace(/\s+/g, ' ')
  const reset = RESET.exec(sql)
  if (reset) return reset[1]!.toLowerCase().replace(/\s+/g, ' ')
  const config = SET_CONFIG.exec(sql)
  return config ? config[1]!.toLowerCase() : null
}

const SET = /^SET\s+(?:SESSION\s+(?!AUTHORIZATION\b))?(SESSION\s+AUTHORIZATION|[A-Za-z_][\w.$]*)\b/i
const RESET = /^RESET\s+(SESSION\s+AUTHORIZATION|[A-Za-z_][\w.$]*)\s*;$/i
const SET_CONFIG = /^SELECT\s+(?:pg_catalog\.)?set_config\s*\(\s*'([^']+)'\s*,[\s\S]*,\s*false\s*\)\s*;$/i
