// Restoring a base backup of the change archive to a point in time: before anything is applied, the
// target is checked against the chain's recoverable window and every segment the replay needs is read
// and checked against its sha256; after the base's whole script, the segments are replayed (each source
// transaction in a transaction of its own, with session_replication_role = replica: the source's triggers
// and foreign-key checks ran when the changes were made) and the sequences sampled with the last replayed
// segment are set, never lower than the base's values.
import type pg from 'pg'
import { connect, resolveConnection, type ConnectionParams } from '../connection/index'
import { quoteIdent } from '../emit/quote'
import { PgkeepError } from '../errors'
import { chainPrefixOf } from '../logical/chain'
import { formatLsn, parseLsn } from '../logical/lsn'
import { checkedSegmentEvents, listSegments, pastTarget, replayArchive, type ArchivedSegment, type ReplaySummary, type ReplayTarget } from '../logical/replay-archive'
import type { SegmentManifest } from '../logical/change-segment'
import { TempFolder } from '../storage/temp-folder'
import type { BackupManifest } from '../manifest/manifest'
import type { StorageDriver } from '../storage/driver'
import { recoverableFrom } from './recoverable-window'

/** `until` as restore options take it: a time, `{ lsn: '16/B374D848' }` or `{ xid: 1234 }`. */
export type UntilTarget = Date | { lsn: string } | { xid: number }

/** What a point-in-time restore replayed (RestoreSummary.replay). */
export interface ReplayReport {
  /** The target asked for, or null for "everything archived". */
  target: { time: string } | { lsn: string } | { xid: number } | null
  /** Segments read and checked. */
  segments: number
  transactions: number
  /** Rows inserted, updated or deleted. */
  rows: number
  /** The last replayed transaction's commit time (ISO) and commit LSN, or null when none was replayed. */
  lastCommitAt: string | null
  lastCommitLsn: string | null
  /** Sequences set from the last replayed segment's samples. */
  sequences: number
}

export interface ReplayPlan {
  storage: StorageDriver
  prefix: string
  target: ReplayTarget | undefined
  report: ReplayReport['target']
  segments: ArchivedSegment[]
}

/**
 * Checks `until` against the chain of `manifest` and reads every segment the replay needs (sha256), so a
 * bad target or a damaged archive is refused before the target database is touched.
 */
export async function planReplay(storage: StorageDriver, manifest: BackupManifest, until: UntilTarget | undefined): Promise<ReplayPlan> {
  if (!manifest.changes) {
    throw new PgkeepError('OPTIONS_INVALID', `backup ${manifest.id} is not part of a change archive (it is not a base backup made by the archiver), so it can only be restored as it was taken, without until`)
  }
  const prefix = chainPrefixOf(manifest.storagePath)
  const all = await listSegments(storage, prefix)
  const fromLsn = parseLsn(manifest.changes.startLsn)
  const from = recoverableFrom(manifest, all[0]?.manifest)
  const last = all.at(-1)?.manifest
  const untilTime = last ? new Date(last.lastCommitAt) : from
  const untilLsn = last ? parseLsn(last.endLsn) : fromLsn
  const window = `backup ${manifest.id} is recoverable from ${from.toISOString()} to ${untilTime.toISOString()} (WAL ${formatLsn(fromLsn)} to ${formatLsn(untilLsn)}${last ? '' : ': nothing is archived after the base backup yet'})`

  let target: ReplayTarget | undefined
  let report: ReplayReport['target'] = null
  if (until instanceof Date) {
    if (until.getTime() < from.getTime()) throw new PgkeepError('OPTIONS_INVALID', `until ${until.toISOString()} is before the base backup's consistent point: ${window}`)
    if (until.getTime() > untilTime.getTime()) throw new PgkeepError('OPTIONS_INVALID', `until ${until.toISOString()} is after the newest archived commit: ${window}`)
    target = until
    report = { time: until.toISOString() }
  } else if (until && 'lsn' in until) {
    const lsn = parseLsn(until.lsn)
    if (lsn < fromLsn) throw new PgkeepError('OPTIONS_INVALID', `until WAL position ${until.lsn} is before the base backup's consistent point: ${window}`)
    if (lsn > untilLsn) throw new PgkeepError('OPTIONS_INVALID', `until WAL position ${until.lsn} is after the newest archived commit: ${window}`)
    target = { lsn }
    report = { lsn: formatLsn(lsn) }
  } else if (until) {
    target = { xid: until.xid }
    report = { xid: until.xid }
  }

  const needed = all.filter((s) => !startsPast(s.manifest, target))
  checkContinuity(needed)
  await refuseOrphans(storage, prefix, all, needed)
  // Read and checked now (streamed, through a temporary file); the replay reads them again and checks again.
  const xid = target && !(target instanceof Date) && 'xid' in target ? target.xid : null
  let found = false
  const segments: ArchivedSegment[] = []
  const temp = new TempFolder('plan')
  try {
    for (const segment of needed) {
      for await (const event of checkedSegmentEvents(storage, segment, temp)) {
        if (event.kind === 'begin' && event.xid === xid) found = true
      }
      segments.push(segment)
      if (found) break
    }
  } finally {
    await temp.remove()
  }
  if (xid !== null && !found) throw new PgkeepError('OPTIONS_INVALID', `until transaction ${xid} is not in the change archive: ${window}`)
  return { storage, prefix, target, report, segments }
}

/** Refuses, before the restore, a role that cannot set session_replication_role (superuser, or on 15+ GRANT SET ON PARAMETER). */
export async function checkReplayRole(target: string | ConnectionParams | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const client = await connect(resolveConnection(target, env), { applicationName: 'pgkeep' })
  try {
    await setReplicaRole(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/** Replays the plan on `client` (the restore's session, after the base's script) and sets the sampled sequences. */
export async function runReplay(client: pg.Client, plan: ReplayPlan, options: { signal?: AbortSignal; onTransaction?: (transactions: number) => void } = {}): Promise<ReplayReport> {
  await setReplicaRole(client)
  let last: ReplaySummary | null = null
  let done: ReplaySummary
  try {
    done = await replayArchive(client, plan.storage, plan.prefix, plan.target, {
      segments: plan.segments,
      ...(options.signal ? { signal: options.signal } : {}),
      onTransaction: (s) => { last = s; options.onTransaction?.(s.transactions) },
    })
  } catch (error) {
    throw replayFailure(error, last)
  }
  const sequences = done.lastSegment?.sequences ? await setSequences(client, done.lastSegment.sequences) : 0
  await client.query('RESET session_replication_role')
  return {
    target: plan.report,
    segments: plan.segments.length,
    transactions: done.transactions,
    rows: done.rows,
    lastCommitAt: done.lastCommitAt?.toISOString() ?? null,
    lastCommitLsn: done.lastCommitLsn === null ? null : formatLsn(done.lastCommitLsn),
    sequences,
  }
}

// --- internal ---

/** A segment whose first transaction is past the target already (a time has its whole millisecond). */
function startsPast(segment: SegmentManifest, target: ReplayTarget | undefined): boolean {
  if (target instanceof Date) return new Date(segment.firstCommitAt).getTime() > target.getTime()
  if (target && 'lsn' in target) return pastTarget(target)({ commitTime: 0n, commitLsn: parseLsn(segment.firstCommitLsn) })
  return false
}

/** Segments overlapping one another would replay a transaction twice. */
function checkContinuity(segments: ArchivedSegment[]): void {
  const first = segments[0]
  if (first?.manifest.previousEndLsn) {
    throw new PgkeepError('BACKUP_CORRUPT', `change segment ${first.key} follows one that ended at ${first.manifest.previousEndLsn}, which is not in the archive: the chain's first segments are missing`)
  }
  for (let i = 1; i < segments.length; i++) {
    const before = segments[i - 1]!
    const segment = segments[i]!
    if (parseLsn(segment.manifest.firstCommitLsn) < parseLsn(before.manifest.endLsn)) {
      throw new PgkeepError('BACKUP_CORRUPT', `change segments ${before.key} and ${segment.key} overlap (${segment.manifest.firstCommitLsn} is before ${before.manifest.endLsn}): the archive holds some transactions twice`)
    }
    const previous = segment.manifest.previousEndLsn
    if (previous !== undefined && previous !== before.manifest.endLsn) {
      throw new PgkeepError('BACKUP_CORRUPT', `change segment ${segment.key} follows one that ended at ${previous}, but the segment before it in the archive ends at ${before.manifest.endLsn}: a segment between them is missing (data and manifest)`)
    }
  }
}

/**
 * Segment data without a manifest in the range to replay means a missing manifest (an archiver crash
 * between the two leaves one whose first LSN a later, complete segment repeats: that one is harmless).
 */
async function refuseOrphans(storage: StorageDriver, prefix: string, all: ArchivedSegment[], needed: ArchivedSegment[]): Promise<void> {
  if (needed.length === 0) return
  const known = new Set(all.map((s) => s.key))
  const firsts = new Set(all.map((s) => s.manifest.firstCommitLsn))
  const lo = parseLsn(needed[0]!.manifest.firstCommitLsn)
  const hi = parseLsn(needed.at(-1)!.manifest.endLsn)
  for await (const object of storage.list(prefix)) {
    const match = /([0-9A-F]{16})-([0-9A-F]{16})\.changes\.gz$/.exec(object.key)
    if (!match || known.has(object.key)) continue
    const first = BigInt(`0x${match[1]}`)
    if (first >= lo && first <= hi && !firsts.has(formatLsn(first))) {
      throw new PgkeepError('BACKUP_CORRUPT', `change segment ${object.key} has no manifest (.segment.json): the archive between ${formatLsn(lo)} and ${formatLsn(hi)} is incomplete`)
    }
  }
}

async function setReplicaRole(client: pg.ClientBase): Promise<void> {
  try {
    await client.query('SET session_replication_role = replica')
  } catch (error) {
    const e = error as { code?: string; message?: string }
    throw new PgkeepError(e.code === '42501' ? 'PERMISSION_DENIED' : 'RESTORE_FAILED', `replaying the change archive needs session_replication_role = replica (the source already ran the triggers and foreign-key checks of every archived change), and the restoring role cannot set it: ${e.message ?? String(error)}`, {
      cause: error,
      hint: 'restore as a superuser, or on PostgreSQL 15 and later: GRANT SET ON PARAMETER session_replication_role TO <role>; or restore the base backup alone (replay: false)',
    })
  }
}

/** The failure, with what the target holds now: the base and every whole transaction replayed before it. */
export function replayFailure(error: unknown, done: ReplaySummary | null): unknown {
  if (!(error instanceof PgkeepError)) return error
  const state = done && done.transactions > 0
    ? `the target holds the base backup and the ${done.transactions} transactions committed up to ${done.lastCommitAt!.toISOString()} (${formatLsn(done.lastCommitLsn!)}), each whole; none after`
    : 'the target holds the base backup; no archived transaction was replayed'
  const failure = new PgkeepError(error.code, `${error.message} (${state})`, { cause: error.cause ?? error, ...(error.hint ? { hint: error.hint } : {}) })
  withoutState.set(failure, error.message)
  return failure
}

/** A replay's failure message without what the target holds: the message before replayFailure() said it. */
const withoutState = new WeakMap<PgkeepError, string>()

/**
 * The failure of a replay into a database the restore created, once that database was dropped again:
 * what it held is gone, so the message says so instead of what it held (other failures pass as they are).
 */
export function afterCreatedDropped(failure: unknown): unknown {
  const message = failure instanceof PgkeepError ? withoutState.get(failure) : undefined
  if (message === undefined) return failure
  const error = failure as PgkeepError
  return new PgkeepError(error.code, `${message} (the database the restore created was dropped again: nothing of it is left)`, { cause: error.cause, ...(error.hint ? { hint: error.hint } : {}) })
}

/** setval() for each sampled sequence whose value is ahead of the target's (in the sequence's direction); returns how many were set. */
async function setSequences(client: pg.ClientBase, sampled: NonNullable<SegmentManifest['sequences']>): Promise<number> {
  let set = 0
  await client.query('BEGIN')
  try {
    for (const s of sampled) {
      const name = `${quoteIdent(s.schema)}.${quoteIdent(s.name)}`
      const found = await client.query<{ inc: string }>(
        'SELECT s.seqincrement::text AS inc FROM pg_catalog.pg_sequence s WHERE s.seqrelid = pg_catalog.to_regclass($1)',
        [name],
      )
      if (found.rows.length === 0) continue // not in this restore (a sequence the base did not hold)
      const current = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text AS last_value, is_called FROM ${name}`)
      const ascending = BigInt(found.rows[0]!.inc) > 0n
      const now = BigInt(current.rows[0]!.last_value)
      const value = BigInt(s.value)
      const ahead = ascending ? value > now : value < now
      if (!ahead && !(value === now && s.isCalled && !current.rows[0]!.is_called)) continue
      await client.query('SELECT pg_catalog.setval(pg_catalog.to_regclass($1), $2::bigint, $3)', [name, s.value, s.isCalled])
      set++
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw new PgkeepError('RESTORE_FAILED', `setting the archived sequence values failed: ${(error as Error).message}`, { cause: error })
  }
  return set
}
