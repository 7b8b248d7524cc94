// manager.archive(): the change archiver's lifecycle. It holds the archive lock (one archiver per storage
// folder across app replicas) and its replication slot, checks the prerequisites, and then either resumes
// the newest chain whose slot still exists (of the chains whose base backup the manager would use under its
// signing key, trust.ts: a planted base is never resumed) or begins a chain: a slot created with an
// exported snapshot and a normal manager backup dumped in that snapshot (listed, verified, retained,
// signed, encrypted like any other) whose manifest names the slot. It then streams the slot into the chain's segments until stop(),
// retrying storage and connection failures, and begins a new chain when a table's definition changes.
import type pg from 'pg'
import { resolveConnection } from '../connection/index'
import { isPgkeepError, PgkeepError, type ErrorCode } from '../errors'
import { runArchiver } from '../logical/archiver'
import type { ArchiverExit } from '../logical/archiver-exit'
import { chainPrefixOf, chainWindow } from '../logical/chain'
import { formatLsn } from '../logical/lsn'
import { sealedSegments } from '../logical/sealed-segments'
import type { EncryptionSettings } from '../crypto/encryption-options'
import type { BaseTable } from '../logical/relation-change'
import { readTableDefinitions } from '../logical/table-definitions'
import { valueSettingsOptions } from '../logical/value-settings'
import { connect } from '../connection/connect'
import { quoteIdent } from '../emit/quote'
import { connectForReplication, createSlotWithSnapshot, dropSlot } from '../logical/replication-slot'
import type { BackupManifest } from '../manifest/manifest'
import { assertReplicaIdentities, checkArchivePrerequisites, ensurePublication } from './archive-prerequisites'
import { DEFAULT_PUBLICATION, resolveArchiveOptions, type ArchiveOptions } from './archive-options'
import { archiveSlotName, dropSlotBySql, nextSlot, readSlots, refuseActive, slotFamily, unknownSlotError } from './archive-slots'
import type { ManagerContext } from './context'
import type { ArchiveChainEvent } from './events'
import { withLock } from './locks'
import { forgetPendingSlot, isLeftBehind, readPendingSlot, recordPendingSlot } from './pending-slots'
import { startBackup } from './start-backup'
import { untrustedAlert, untrustedOf, type UntrustedBackup } from './untrusted-backups'

export interface ArchiveHandle {
  /** Settles when the archiver ends: with the summary after stop(), rejected with the PgkeepError that ended it. */
  done: Promise<ArchiveSummary>
  /**
   * Stores what is pending, confirms it and ends the archiver; resolves once `done` has settled. With
   * `dropSlot`, the slot is dropped too: the server keeps no WAL for the archive any more, and the next
   * archive() begins a new chain (the stored chains stay restorable up to where they end).
   */
  stop(options?: { dropSlot?: boolean }): Promise<void>
  status(): ArchiveStatus
}

export interface ArchiveStatus {
  running: boolean
  phase: 'starting' | 'base-backup' | 'streaming' | 'retrying' | 'stopped' | 'failed'
  slot: string | null
  publication: string
  /** The id of the base backup of the chain being written (null before it is known). */
  chainId: string | null
  /** End LSN and last commit time of the newest stored segment of the chain. */
  archivedUpTo: string | null
  archivedUpToTime: Date | null
  /** Segments and transactions this archiver stored (since archive() was called). */
  segments: number
  transactions: number
  /**
   * Set while a schema change has ended the chain and the new base backup is not complete: no restore
   * reaches a commit after `since` until it is.
   */
  pitrGap: { since: Date | null; relation: string; detail: string } | null
  lastError: { code: ErrorCode; message: string; at: Date } | null
}

export interface ArchiveSummary {
  slot: string | null
  /** The chain written last (its base backup's id), or null when none was begun (stopped during the first base backup). */
  chainId: string | null
  /** Chains begun by this archiver, oldest first. */
  chainsStarted: string[]
  segments: number
  transactions: number
  archivedUpTo: string | null
  archivedUpToTime: Date | null
  slotDropped: boolean
}

const RETRYABLE: ErrorCode[] = ['STORAGE_UNREACHABLE', 'STORAGE_FAILED', 'CONNECT_FAILED']
const MAX_BACKOFF_SECONDS = 30
/** Tries of a base backup that could not lock a table. */
const BASE_ATTEMPTS = 3

/** Starts the archiver. Invalid options throw OPTIONS_INVALID at once; every other failure rejects `done`. */
export function startArchive(ctx: ManagerContext, input: ArchiveOptions = {}): ArchiveHandle {
  const o = resolveArchiveOptions({ ...ctx.options.archive, ...input })
  // Segments are sealed as the backups are: encrypted with `encryption`, manifests signed with `signing`.
  const segmentStorage = sealedSegments(ctx.storage, {
    encryption: ctx.options.encryption as EncryptionSettings | undefined,
    signing: ctx.options.signing,
    relationsFromManifests: true,
  })
  const publication = o.publication ?? DEFAULT_PUBLICATION
  const actor = o.actor ?? 'pgkeep archive'
  const controller = new AbortController()
  let dropOnStop = false
  const state: ArchiveStatus = {
    running: true, phase: 'starting', slot: null, publication, chainId: null, archivedUpTo: null, archivedUpToTime: null,
    segments: 0, transactions: 0, pitrGap: null, lastError: null,
  }
  const chainsStarted: string[] = []
  let slotDropped = false

  const summary = (): ArchiveSummary => ({
    slot: state.slot, chainId: state.chainId, chainsStarted: [...chainsStarted], segments: state.segments, transactions: state.transactions,
    archivedUpTo: state.archivedUpTo, archivedUpToTime: state.archivedUpToTime, slotDropped,
  })

  const run = async (): Promise<ArchiveSummary> => {
    const locked = await withLock(ctx, 'archive', 'exclusive', () => archive())
    if (!locked.acquired) {
      throw new PgkeepError('CONFLICT', `another archiver of this storage (key prefix "${ctx.options.keyPrefix}") is running: it holds the archive lock`, {
        hint: 'one archiver runs per storage folder across every instance; stop the other one first (or give this one its own key prefix and slot)',
      })
    }
    return locked.value
  }

  const archive = async (): Promise<ArchiveSummary> => {
    const stopSignal = controller.signal
    // What the server and the storage hold: prerequisites, publication, the archive's slots and newest chain.
    const plan = await ctx.withDatabase(async (client) => {
      const { rows } = await client.query<{ db: string }>('SELECT pg_catalog.current_database() AS db')
      const database = rows[0]!.db
      const base = o.slot ?? archiveSlotName(database)
      const family = slotFamily(base)
      const slots = await readSlots(client, family)
      const foreign = slots.find((s) => s.database !== rows[0]!.db)
      if (foreign) {
        throw new PgkeepError('CONFLICT', `the replication slot ${foreign.name} belongs to the database ${foreign.database ?? '(none)'}, not ${rows[0]!.db}`, {
          hint: 'name another slot for this database\'s archive (option archive.slot, PGKEEP_ARCHIVE_SLOT, --slot)',
        })
      }
      refuseActive(slots)
      // Only chains whose base backup the manager would use (as restore decides): under a signing key, a
      // base manifest planted or changed by someone who can write the storage is never resumed, so the
      // real chain goes on; the newer ones passed over are named by a `backups-untrusted` alert.
      const { chains, untrusted, passedOver } = await chainsOf(ctx, family)
      const chain = chains[0] ?? null
      const distrusted = untrustedAlert(ctx, passedOver, 'archive')
      if (distrusted) ctx.events.emit('alert', distrusted)
      // A slot the server invalidated (max_slot_wal_keep_size removed WAL it still needed) can never stream:
      // it is dropped, whoever it served, and the chain that used it ends where its segments end.
      // One only a chain the manager would not use names is not that chain's end: it is named as such.
      let lost: { slot: string; chain: BackupManifest | null; untrusted?: UntrustedBackup } | null = null
      for (const s of slots.filter((x) => x.walStatus === 'lost')) {
        await dropSlotBySql(client, s.name)
        const namedBy = untrusted.find((u) => u.slot === s.name)
        if (chain && chain.changes!.slot === s.name) lost = { slot: s.name, chain }
        else if (!lost) lost = { slot: s.name, chain: null, ...(namedBy ? { untrusted: namedBy } : {}) }
      }
      const live = slots.filter((s) => s.walStatus !== 'lost')
      const resume = chain && live.some((s) => s.name === chain.changes!.slot) ? chain : null
      // The one other slot this storage may drop: that of the chain the resumed one followed after a schema
      // change (its drop was interrupted). Any other slot of the family may be another storage's live
      // archive (the same database archived elsewhere, or an archiver pointed at the wrong storage): never
      // dropped (that would lose its changes), refused before anything is created. The resumed chain's own
      // manifest says it followed another chain, and that chain read the family's other slot (nextSlot()),
      // so the slot is known without the previous base's manifest: one the manager would not use (changed
      // in the storage) neither keeps the leftover slot nor names another to drop.
      const replaced = resume?.changes!.previousChain ? nextSlot(base, resume.changes!.slot) : null
      // A slot this storage's archiver created for a base backup it never completed (killed meanwhile) is
      // recorded as pending and unread since (pending-slots.ts): dropped below, after the checks.
      const leftBehind: string[] = []
      for (const s of live) {
        if (s.name === resume?.changes!.slot || s.name === replaced) continue
        if (!isLeftBehind(s, await readPendingSlot(ctx.storage, ctx.options.keyPrefix, s.name), database)) {
          throw unknownSlotError(s.name, `${ctx.storage.kind} storage, key prefix "${ctx.options.keyPrefix}"`, untrusted.find((u) => u.slot === s.name))
        }
        leftBehind.push(s.name)
      }
      await checkArchivePrerequisites(client, { needSlot: !resume })
      // before the publication is created: publishing a table without a replica identity breaks its UPDATE and DELETE
      await assertReplicaIdentities(client, publication)
      await ensurePublication(client, publication)
      // The slot of the chain the resumed one replaced (its drop was interrupted) is dropped.
      for (const s of live) {
        if (s.name !== replaced) continue
        await dropSlotBySql(client, s.name)
        chainEvent({ reason: 'slot-without-chain', chainId: null, slot: s.name, pitrGap: false,
          message: `dropped the replication slot ${s.name}: no stored chain continues from it (chain ${resume!.id} replaced the one that used it after a schema change)` })
      }
      for (const name of leftBehind) {
        const record = await readPendingSlot(ctx.storage, ctx.options.keyPrefix, name)
        await dropSlotBySql(client, name)
        await forgetPendingSlot(ctx.storage, ctx.options.keyPrefix, name)
        chainEvent({ reason: 'slot-without-chain', chainId: null, slot: name, pitrGap: false,
          message: `dropped the replication slot ${name}: this storage's archiver created it at ${record?.createdAt ?? 'an earlier start'} for a base backup that never completed (the archiver was stopped or killed during it), and nothing has read it since` })
      }
      // records of slots that are gone, or that a stored chain now names, are of no more use
      for (const name of family) {
        if (leftBehind.includes(name)) continue
        if (live.some((s) => s.name === name) && name !== resume?.changes!.slot) continue
        await forgetPendingSlot(ctx.storage, ctx.options.keyPrefix, name)
      }
      return { base, chain, resume, lost, database }
    })
    state.slot = plan.resume ? plan.resume.changes!.slot : plan.base

    if (stopSignal.aborted) return finish(null)
    let current: Chain
    if (plan.resume) {
      const window = await chainWindow(ctx.storage, plan.resume.storagePath)
      state.chainId = plan.resume.id
      state.archivedUpTo = window.untilLsn
      state.archivedUpToTime = window.until
      // resumed: the base's tables by name (the definitions of those the chain has archived come from its segments)
      current = { manifest: plan.resume, replication: null, baseTables: plan.resume.tables.map((t) => ({ schema: t.schema, name: t.name })) }
    } else {
      const reason = plan.chain ? 'slot-gone' : 'first'
      // where the chain whose slot is gone ends: no restore reaches between there and the new base backup
      const ended = plan.chain ? await chainWindow(ctx.storage, plan.chain.storagePath) : null
      const endedAt = ended ? `${ended.until?.toISOString() ?? 'its base backup'}${ended.untilLsn ? ` (${ended.untilLsn})` : ''}` : ''
      const began = await beginChain(plan.base, undefined)
      if (!began) return finish(null)
      current = began
      chainEvent({ reason, chainId: began.manifest.id, slot: plan.base, pitrGap: false,
        message: plan.chain
          ? plan.lost?.chain
            ? `began chain ${began.manifest.id}: the slot ${plan.lost.slot} of the newest chain ${plan.chain.id} was invalidated (the server removed WAL it still needed under max_slot_wal_keep_size) and dropped, so that chain ends where its segments end, at ${endedAt}; no restore reaches a commit between then and this base backup`
            : `began chain ${began.manifest.id}: the slot of the newest chain ${plan.chain.id} is gone, so that chain ends where its segments end, at ${endedAt}; no restore reaches between its end and this base backup${plan.lost ? `; ${lostSlotNote(plan.lost)}` : ''}`
          : `began chain ${began.manifest.id} with the slot ${plan.base}${plan.lost ? ` (${lostSlotNote(plan.lost)})` : ''}` })
    }
    ctx.events.emit('archive:start', { slot: state.slot, publication, chainId: current.manifest.id, resumed: plan.resume !== null, at: ctx.now() })

    for (;;) {
      const exit = await stream(current)
      if (exit.reason === 'stopped') return finish(current.replication)
      // A table's definition changed: this chain cannot go past it. A new slot and base backup begin the next one.
      const old = current
      const oldSlot = state.slot!
      state.pitrGap = { since: state.archivedUpToTime, relation: exit.relation, detail: exit.detail }
      chainEvent({ reason: 'schema-change', chainId: null, slot: oldSlot, previousChain: old.manifest.id, pitrGap: true,
        message: `${exit.relation}: ${exit.detail}. Chain ${old.manifest.id} ends at ${formatLsn(exit.archivedUpTo)}; a new base backup begins the next chain, and until it is complete no restore reaches past ${state.archivedUpToTime?.toISOString() ?? 'the end of the old chain'}` })
      const slot = nextSlot(plan.base, oldSlot)
      let began: Awaited<ReturnType<typeof beginChain>>
      try {
        began = await beginChain(slot, old.manifest.id)
      } catch (error) {
        // the old slot stays: the next start resumes the old chain, meets the change again and tries again
        await closeSoon(old.replication)
        throw error
      }
      if (!began) return finish(old.replication)
      // The old slot goes once the new chain holds everything after it.
      await dropOld(old.replication, oldSlot)
      current = began
      state.slot = slot
      state.pitrGap = null
      chainEvent({ reason: 'schema-change', chainId: began.manifest.id, slot, previousChain: old.manifest.id, pitrGap: false,
        message: `began chain ${began.manifest.id} after the schema change (${exit.relation}: ${exit.detail}); no restore reaches a commit between the end of chain ${old.manifest.id} and this base backup` })
    }

    /** The slot (exported snapshot) and the base backup dumped in it; null when stopped meanwhile. */
    async function beginChain(slot: string, previousChain: string | undefined): Promise<(Chain & { replication: pg.Client }) | null> {
      // a table created since the start without a replica identity: its UPDATE and DELETE already fail
      // under a FOR ALL TABLES publication; the archiver stops with the error that names it and the fix
      if (previousChain) await ctx.withDatabase((client) => assertReplicaIdentities(client, publication))
      const replication = await connectForReplication(replicationConfig(ctx, o.segmentSeconds))
      try {
        const created = await createSlotWithSnapshot(replication, slot)
        state.phase = 'base-backup'
        const changes = { slot, publication, startLsn: formatLsn(created.consistentPoint), ...(previousChain ? { previousChain } : {}) }
        // until the base's manifest names the slot, this record says whose it is (pending-slots.ts)
        await recordPendingSlot(ctx.storage, ctx.options.keyPrefix, { slot, database: plan.database, consistentPoint: changes.startLsn, createdAt: ctx.now().toISOString() })
        // What the base holds, read in its snapshot: a table whose definition differs when its first change
        // arrives (altered between the base and that change) ends the chain instead of failing a replay.
        const baseTables = await ctx.withDatabase((client) => tablesInSnapshot(client, created.snapshot))
        // The replication connection stays idle while the dump runs, so that the snapshot stays importable:
        // a dump that could not lock a table (a TRUNCATE or DDL waiting) is tried again in the same snapshot.
        let record: Awaited<ReturnType<typeof startBackup>['done']>
        for (let attempt = 1; ; attempt++) {
          try {
            record = await startBackup(ctx, { type: 'manual', actor, signal: stopSignal }, { snapshot: created.snapshot, changes }).done
            break
          } catch (error) {
            if (stopSignal.aborted || !isPgkeepError(error) || error.code !== 'LOCK_TIMEOUT' || attempt >= BASE_ATTEMPTS) throw error
            ctx.events.emit('archive:error', { code: error.code, message: `the base backup failed: ${error.message}`, ...(error.hint ? { hint: error.hint } : {}), willRetry: true, retryInSeconds: attempt, at: ctx.now() })
            await sleep(attempt * 1000, stopSignal)
          }
        }
        const manifest = await ctx.find(record.id)
        // the manifest names the slot now; a record left by a failed removal is removed at the next start
        await forgetPendingSlot(ctx.storage, ctx.options.keyPrefix, slot).catch(() => {})
        chainsStarted.push(manifest.id)
        state.chainId = manifest.id
        state.archivedUpTo = null
        state.archivedUpToTime = null
        await ctx.auditOutcome('archive', actor, manifest.id, { detail: { event: 'chain', slot, startLsn: changes.startLsn, ...(previousChain ? { previousChain } : {}) } })
        return { manifest, replication, baseTables }
      } catch (error) {
        // A slot without a completed base backup is of no use: dropped (the replication connection is idle again).
        const dropped = await dropSlot(replication, slot).then(() => true, () => false)
        if (dropped) await forgetPendingSlot(ctx.storage, ctx.options.keyPrefix, slot).catch(() => {})
        await replication.end().catch(() => {})
        if (stopSignal.aborted && isPgkeepError(error) && error.code === 'ABORTED') return null
        throw error
      }
    }

    /** Streams the slot into the chain until stopped or a schema change; storage and connection failures are retried. */
    async function stream(chain: Chain): Promise<ArchiverExit> {
      let failures = 0
      for (;;) {
        // an ordinary session beside the stream: each segment samples the sequences on it
        let sql: pg.Client | null = null
        try {
          chain.replication ??= await connectForReplication(replicationConfig(ctx, o.segmentSeconds))
          sql = await connect(resolveConnection(ctx.connection, ctx.env), { applicationName: 'pgkeep archive' })
          state.phase = 'streaming'
          return await runArchiver({
            replication: chain.replication,
            sql,
            baseTables: chain.baseTables,
            slot: state.slot!,
            publications: [publication],
            storage: segmentStorage,
            prefix: chainPrefixOf(chain.manifest.storagePath),
            ...(o.segmentBytes !== undefined ? { segmentBytes: o.segmentBytes } : {}),
            ...(o.segmentSeconds !== undefined ? { segmentSeconds: o.segmentSeconds } : {}),
            signal: stopSignal,
            onSegment: (m) => {
              failures = 0
              state.segments++
              state.transactions += m.transactions
              state.archivedUpTo = m.endLsn
              state.archivedUpToTime = new Date(m.lastCommitAt)
              ctx.events.emit('archive:segment', {
                chainId: chain.manifest.id, slot: state.slot!, firstCommitLsn: m.firstCommitLsn, endLsn: m.endLsn,
                firstCommitAt: new Date(m.firstCommitAt), lastCommitAt: new Date(m.lastCommitAt), transactions: m.transactions, size: m.size, at: ctx.now(),
              })
            },
          })
        } catch (error) {
          // The connection may be broken: a new one reads the slot from its confirmed position (what is stored is skipped).
          await closeSoon(chain.replication)
          chain.replication = null
          if (stopSignal.aborted) return { reason: 'stopped', archivedUpTo: 0n }
          const e = asPgkeepError(error)
          const willRetry = RETRYABLE.includes(e.code) && (o.retries === undefined || failures < o.retries)
          failures++
          const wait = Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(failures - 1, 5))
          state.lastError = { code: e.code, message: e.message, at: ctx.now() }
          ctx.events.emit('archive:error', { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), willRetry, ...(willRetry ? { retryInSeconds: wait } : {}), at: ctx.now() })
          if (!willRetry) throw e
          state.phase = 'retrying'
          await sleep(wait * 1000, stopSignal)
          if (stopSignal.aborted) return { reason: 'stopped', archivedUpTo: 0n }
        } finally {
          await sql?.end().catch(() => {})
        }
      }
    }

    async function dropOld(replication: pg.Client | null, slot: string): Promise<void> {
      if (replication) {
        try {
          await dropSlot(replication, slot)
          await replication.end().catch(() => {})
          return
        } catch {
          await closeSoon(replication)
        }
      }
      await ctx.withDatabase((client) => dropSlotBySql(client, slot))
    }

    /** Ends the archiver after a stop: drops the slot when asked, closes the replication connection. */
    async function finish(replication: pg.Client | null): Promise<ArchiveSummary> {
      if (dropOnStop && state.slot) {
        let dropped = false
        if (replication) dropped = await dropSlot(replication, state.slot).then(() => true, () => false)
        await closeSoon(replication)
        if (!dropped) await ctx.withDatabase((client) => dropSlotBySql(client, state.slot!))
        slotDropped = true
      } else {
        await closeSoon(replication)
      }
      return summary()
    }
  }

  function chainEvent(e: Omit<ArchiveChainEvent, 'at'>): void {
    ctx.events.emit('archive:chain', { ...e, at: ctx.now() })
  }

  const done = ctx.audited('archive', actor, () => state.chainId, run, (s) => ({
    event: 'stop', slot: s.slot, chains: s.chainsStarted.length, segments: s.segments, transactions: s.transactions, archivedUpTo: s.archivedUpTo, slotDropped: s.slotDropped,
  })).then((s) => {
    state.running = false
    state.phase = 'stopped'
    ctx.events.emit('archive:stop', { slot: s.slot ?? '', chainId: s.chainId, archivedUpTo: s.archivedUpTo, slotDropped: s.slotDropped, at: ctx.now() })
    return s
  }, (error: unknown) => {
    state.running = false
    state.phase = 'failed'
    const e = asPgkeepError(error)
    state.lastError = { code: e.code, message: e.message, at: ctx.now() }
    // retried failures were reported as they happened; this one ends the archiver
    ctx.events.emit('archive:error', { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), willRetry: false, at: ctx.now() })
    throw e
  })
  done.catch(() => {})

  return {
    done,
    async stop(options = {}) {
      if (options.dropSlot) dropOnStop = true
      controller.abort('stop() was called')
      await done.catch(() => {})
    },
    status: () => ({ ...state, ...(state.pitrGap ? { pitrGap: { ...state.pitrGap } } : {}), ...(state.lastError ? { lastError: { ...state.lastError } } : {}) }),
  }
}

export interface DropArchiveResult {
  /** Slots dropped (none when the archive had none). */
  dropped: string[]
  /**
   * The publication dropped with them: pgkeep's own (`pgkeep_archive`) once no logical slot of the
   * database is left, so that the tables it published no longer need a replica identity; null when kept
   * (a publication the application named is never dropped).
   */
  publicationDropped: string | null
  /** The newest chain: it stays in storage, restorable up to `until` (its newest segment). */
  chain: { id: string; until: Date | null; untilLsn: string | null } | null
}

/**
 * Drops the archive's slot(s) without running an archiver: the server stops keeping WAL for it. CONFLICT
 * when an archiver runs (it holds the archive lock or reads the slot); stop that one with `dropSlot` instead.
 */
export async function dropArchiveSlot(ctx: ManagerContext, input: Pick<ArchiveOptions, 'slot' | 'actor' | 'publication'> = {}): Promise<DropArchiveResult> {
  const o = resolveArchiveOptions({
    ...(ctx.options.archive?.slot ? { slot: ctx.options.archive.slot } : {}),
    ...(ctx.options.archive?.publication ? { publication: ctx.options.archive.publication } : {}),
    ...input,
  })
  const actor = o.actor ?? 'pgkeep archive --drop'
  return ctx.audited('archive', actor, (r: DropArchiveResult) => r.chain?.id ?? null, async () => {
    const locked = await withLock(ctx, 'archive', 'exclusive', () => ctx.withDatabase(async (client) => {
      const { rows } = await client.query<{ db: string }>('SELECT pg_catalog.current_database() AS db')
      const family = slotFamily(o.slot ?? archiveSlotName(rows[0]!.db))
      const slots = await readSlots(client, family)
      refuseActive(slots)
      const dropped: string[] = []
      for (const s of slots) if (await dropSlotBySql(client, s.name, 0)) dropped.push(s.name)
      for (const name of family) await forgetPendingSlot(ctx.storage, ctx.options.keyPrefix, name)
      const publicationDropped = await dropOwnPublication(client, o.publication ?? DEFAULT_PUBLICATION)
      const chain = await newestChain(ctx, family)
      const window = chain ? await chainWindow(ctx.storage, chain.storagePath) : null
      return { dropped, publicationDropped, chain: chain ? { id: chain.id, until: window!.until, untilLsn: window!.untilLsn } : null }
    }))
    if (!locked.acquired) {
      throw new PgkeepError('CONFLICT', 'an archiver of this storage is running (it holds the archive lock): its slot is not dropped under it', {
        hint: 'stop that archiver with its slot instead: stop({ dropSlot: true }), or pgkeep archive --drop once it has ended',
      })
    }
    return locked.value
  }, (r) => ({ event: 'drop', dropped: r.dropped, publicationDropped: r.publicationDropped }))
}

/**
 * Drops pgkeep's own publication (`pgkeep_archive`, the name pgkeep creates) once no logical pgoutput slot
 * of this database is left to read it (another archive of the same database may share it). A publication
 * the application named is never dropped. The name dropped, or null.
 */
async function dropOwnPublication(client: pg.Client, publication: string): Promise<string | null> {
  if (publication !== DEFAULT_PUBLICATION) return null
  const { rows } = await client.query<{ readers: number; exists: boolean }>(`
    SELECT (SELECT pg_catalog.count(*)::int FROM pg_catalog.pg_replication_slots
             WHERE database = pg_catalog.current_database() AND slot_type = 'logical' AND plugin = 'pgoutput') AS readers,
           EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1) AS exists`, [publication])
  if (!rows[0]!.exists || rows[0]!.readers > 0) return null
  try {
    await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(publication)}`)
  } catch (error) {
    throw new PgkeepError((error as { code?: string }).code === '42501' ? 'PERMISSION_DENIED' : 'CATALOG_QUERY_FAILED',
      `dropped the archive's slot, but unable to drop the publication ${publication}: ${(error as Error).message}`, {
        cause: error, hint: `have its owner or a superuser run DROP PUBLICATION ${publication}`,
      })
  }
  return publication
}

// --- internal ---

/** What a chain event says of an invalidated slot dropped that no chain the manager would use names. */
function lostSlotNote(lost: { slot: string; untrusted?: UntrustedBackup }): string {
  const namedBy = lost.untrusted ? ` (only the chain of backup ${lost.untrusted.id} names it, and that base backup does not check out under the signing key)` : ''
  return `the slot ${lost.slot}, invalidated by max_slot_wal_keep_size, was dropped${namedBy}`
}

/** The newest stored base backup the manager would use whose manifest names one of these slots. */
async function newestChain(ctx: ManagerContext, family: string[]): Promise<BackupManifest | null> {
  return (await chainsOf(ctx, family)).chains[0] ?? null
}

/**
 * The stored base backups whose manifests name one of these slots, newest first: `chains`, those the
 * manager would use (untrustedOf(), as restore decides); `untrusted`, those it would not under its signing
 * key (tampered with, an unknown key, no member checksums, unsigned while required), with the slot each
 * names; `passedOver`, the untrusted ones newer than the newest chain it would use.
 */
async function chainsOf(ctx: ManagerContext, family: string[]): Promise<{ chains: BackupManifest[]; untrusted: (UntrustedBackup & { slot: string })[]; passedOver: UntrustedBackup[] }> {
  const chains: BackupManifest[] = []
  const untrusted: (UntrustedBackup & { slot: string })[] = []
  const passedOver: UntrustedBackup[] = []
  for (const manifest of await ctx.index.list()) {
    if (!manifest.changes || !family.includes(manifest.changes.slot)) continue
    const distrust = untrustedOf(ctx, manifest)
    if (distrust === null) {
      chains.push(manifest)
      continue
    }
    untrusted.push({ ...distrust, slot: manifest.changes.slot })
    if (chains.length === 0) passedOver.push(distrust)
  }
  return { chains, untrusted, passedOver }
}

/**
 * The replication connection's settings. runArchiver closes a segment when a message arrives; on an idle
 * server the only messages are the walsender's keepalives, sent every wal_sender_timeout / 2. The session's
 * wal_sender_timeout is set to twice the segment time (at least 10 s), so that a segment waits about one
 * segment time more at most, and a walsender whose archiver is gone notices it as soon. The value settings
 * come after the user's own options, so they win over a PGOPTIONS too.
 */
function replicationConfig(ctx: ManagerContext, segmentSeconds: number | undefined): pg.ClientConfig {
  const config = resolveConnection(ctx.connection, ctx.env).toClientConfig(0, undefined, 'pgkeep archive')
  const timeoutMs = Math.max(10_000, Math.round((segmentSeconds ?? 60) * 2000))
  // the values pgoutput prints are printed with this session's settings: forced to ones every server reads
  // back exactly (value-settings.ts), whatever the source database or role sets (DateStyle, TimeZone, …)
  config.options = `${config.options ? `${config.options} ` : ''}-c wal_sender_timeout=${timeoutMs} ${valueSettingsOptions()}`
  return config
}

/** Closes a connection that may be broken without waiting long for a server that does not answer. */
async function closeSoon(client: pg.Client | null): Promise<void> {
  if (!client) return
  await Promise.race([client.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 2000).unref())])
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

function asPgkeepError(error: unknown): PgkeepError {
  if (isPgkeepError(error)) return error
  return new PgkeepError('INTERNAL', `the archiver failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
}

/** A chain the archiver writes to: its base's manifest, the replication session (null until opened), the base's tables. */
interface Chain {
  manifest: BackupManifest
  replication: pg.Client | null
  baseTables: BaseTable[]
}

/** The base's table definitions, read in the slot's exported snapshot (importable while the replication session is idle). */
async function tablesInSnapshot(client: pg.Client, snapshot: string): Promise<BaseTable[]> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY')
  try {
    await client.query(`SET TRANSACTION SNAPSHOT '${snapshot.replaceAll("'", "''")}'`)
    return await readTableDefinitions(client)
  } finally {
    await client.query('COMMIT').catch(() => {})
  }
}
