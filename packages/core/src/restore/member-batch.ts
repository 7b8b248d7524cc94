// The table members a parallel restore by members has met in the leader's script but not handed out
// yet, each with the index and key builds of its table that follow in post-data. The leader's script
// holds only markers and definitions, so it reaches post-data at once: the members are then handed out
// largest first (as pg_restore -j orders data by size, so the biggest table does not start last), and
// each table's builds run right after its data, in the same worker and transaction, while the other
// tables still load (as pg_restore builds a table's indexes once its data is in).
import type { ApplyResult } from './apply-script'
import type { MemberItem } from './member-item'
import { tableKey, type TableLock } from './parallel-entries'
import type { Settings } from './restore-workers'
import type { EntryHeader } from './script-item'

/** Statement text held for builds at most; past it, builds run after the data as before. */
export const MAX_BATCHED_BUILD_BYTES = 16 * 1024 * 1024
/**
 * Sequence values the leader sets (a round trip each) before the batch goes out at the latest: a dump
 * of thousands of tables does not keep the workers waiting for its setval() calls.
 */
export const MAX_SEQUENCE_SETS_HELD = 256

const COMMENT_ON_INDEX = /^COMMENT ON INDEX /
const CONCURRENTLY = /^CREATE (?:UNIQUE )?INDEX CONCURRENTLY /i

export interface BatchedBuild {
  sql: string
  line: number
  entry: EntryHeader
  settings: Settings
}

export interface BatchedMember {
  item: MemberItem
  settings: Settings
  table: ApplyResult['tables'][number]
  builds: BatchedBuild[]
}

export class MemberBatch {
  private members: BatchedMember[] = []
  private byTable = new Map<string, BatchedMember>()
  /** Indexes taken with a batched table, by tableKey(schema, index name). */
  private byIndex = new Map<string, BatchedMember>()
  private buildBytes = 0
  /** The build entry whose statements go with a batched table (an entry's later statements follow its first). */
  private joined: { entry: EntryHeader; member: BatchedMember } | null = null

  private sequenceSets = 0

  get size(): number {
    return this.members.length
  }

  /** Whether the batch may wait for a sequence value the leader sets now (false: hand it out first). */
  waitsForSequenceSet(): boolean {
    return this.members.length > 0 && ++this.sequenceSets <= MAX_SEQUENCE_SETS_HELD
  }

  add(item: MemberItem, settings: Settings, table: BatchedMember['table']): void {
    const member: BatchedMember = { item, settings, table, builds: [] }
    this.members.push(member)
    this.byTable.set(tableKey(item.entry.schema, item.entry.name), member)
  }

  /**
   * Takes a post-data build statement when it goes with a batched table: the entry's first statement
   * locks only that table (`locks`, null when its shape is not known), or the entry's first statement
   * was taken. False: it is not one, and the batch should be handed out before it runs.
   */
  addBuild(build: BatchedBuild, locks: readonly TableLock[] | null): boolean {
    // CREATE INDEX CONCURRENTLY cannot run in a transaction (pg_dump never writes it)
    if (CONCURRENTLY.test(build.sql)) return false
    let member = this.joined?.entry === build.entry ? this.joined.member : undefined
    if (!member && locks?.length === 1) member = this.byTable.get(locks[0]!.table)
    return member !== undefined && this.join(member, build)
  }

  /**
   * Takes the comment on an index that was taken with its table (`COMMENT ON INDEX`, right after the
   * index in a dump): the index exists only in that worker's transaction until the data commit.
   */
  addComment(comment: BatchedBuild): boolean {
    const index = /^INDEX ([^"\s]+)$/.exec(comment.entry.name)?.[1]
    const member = index === undefined ? undefined : this.byIndex.get(tableKey(comment.entry.schema, index))
    return member !== undefined && COMMENT_ON_INDEX.test(comment.sql) && this.join(member, comment)
  }

  private join(member: BatchedMember, build: BatchedBuild): boolean {
    if (this.buildBytes + build.sql.length > MAX_BATCHED_BUILD_BYTES) return false
    this.buildBytes += build.sql.length
    member.builds.push(build)
    this.joined = { entry: build.entry, member }
    if (build.entry.type === 'INDEX') this.byIndex.set(tableKey(build.entry.schema, build.entry.name), member)
    return true
  }

  /** The batched members, largest (inflated size) first; the batch is empty after. */
  take(): BatchedMember[] {
    const taken = [...this.members].sort((a, b) => b.item.uncompressed - a.item.uncompressed)
    this.members = []
    this.byTable.clear()
    this.byIndex.clear()
    this.buildBytes = 0
    this.sequenceSets = 0
    this.joined = null
    return taken
  }
}
