// manager.archive(): a base backup dumped in the slot's exported snapshot (with `changes` in its manifest)
// and segments beside it that, replayed onto a restore of the base, give the source back; resumed after a
// stop without a transaction lost or stored twice; refused when another archiver runs; the slot dropped by
// stop({ dropSlot }) and dropArchiveSlot(); the S3 endpoint killed mid-stream and restarted on the same
// port and folder; and the prerequisites, each failing with the error that names its fix.
// Logical decoding needs wal_level = logical: an embedded server of the default major (as the logical
// decoding test starts it); the machine's server (wal_level = replica) serves for the wal_level error.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { compareDatabases, createDatabase, isEmbeddedMajor, runSql, startEmbeddedServer, startS3Server, withClient, type S3Server } from '@pgkeep/testkit'
import { findFreePort } from '@pgkeep/testkit/free-port'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, isPgkeepError, s3Storage, type BackupManager, type ManagerEvents, type PgkeepError } from '../../src/index'
import { archiveSlotName } from '../../src/manager/archive-slots'
import { chainPrefixOf } from '../../src/logical/chain'
import { fsStorage } from '../../src/storage/fs-storage'
import { logicalServers } from './logical-servers'
import { pendingRecords } from './pending-records'
import { archivedMarks, Ledger, LEDGER_ACCOUNTS, LEDGER_SCHEMA, waitFor } from './ledger-workload'

const pgDefault = inject('pgDefault')
// an embedded server of the default major with wal_level = logical (logical-servers.ts)
const logical = await logicalServers('archive')
const { workDir } = logical
const server = logical.servers.find((s) => s.major === inject('pgDefault').major) ?? logical.servers[0]!
afterAll(() => logical.stop())

async function slotsOf(url: string, like: string): Promise<{ slot_name: string; active: boolean }[]> {
  return runSql(url, `SELECT slot_name, active FROM pg_replication_slots WHERE slot_name LIKE '${like}%' ORDER BY slot_name`)
}

function recordEvents<E extends keyof ManagerEvents>(manager: BackupManager, event: E): ManagerEvents[E][] {
  const seen: ManagerEvents[E][] = []
  manager.on(event, (e) => { seen.push(e) })
  return seen
}

/** Restores the chain's base backup into a fresh database (the restore replays its segments), and compares with the source. */
async function replayMatches(manager: BackupManager, chainId: string, sourceUrl: string): Promise<{ transactions: number }> {
  const copy = await createDatabase(server.url, { prefix: 'archive_copy' })
  try {
    // a base backup's restore replays its chain; a transaction stored twice would fail here on the ledger's primary key
    const restored = await manager.restore(chainId, { target: copy.url })
    const summary = restored.replay!
    const diff = await compareDatabases(sourceUrl, copy.url)
    expect(diff.differences).toEqual([])
    const [total] = await runSql<{ total: string }>(copy.url, 'SELECT sum(balance)::text AS total FROM accounts')
    expect(total!.total).toBe(String(LEDGER_ACCOUNTS * 1000))
    return { transactions: summary.transactions }
  } finally {
    await copy.drop()
  }
}

async function expectError(promise: Promise<unknown>, code: string, pattern: RegExp, hint?: RegExp): Promise<PgkeepError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(isPgkeepError(error), String(error)).toBe(true)
  const e = error as PgkeepError
  expect(e.code, e.message).toBe(code)
  expect(e.message).toMatch(pattern)
  if (hint) expect(e.hint).toMatch(hint)
  return e
}

describe(`manager.archive() on PostgreSQL ${server.major}`, () => {
  it('makes a base backup with changes in its manifest and segments that replay to the source; resumes after stop; refuses a second archiver; stop({ dropSlot }) leaves no slot', async () => {
    const db = await createDatabase(server.url, { prefix: 'archive_src' })
    const dir = join(workDir, 'fs-archive')
    const storage = fsStorage({ dir })
    const manager = createBackupManager({ connectionString: db.url, storage, archive: { segmentSeconds: 1 } })
    const slot = archiveSlotName(db.name)
    await runSql(db.url, LEDGER_SCHEMA)
    try {
      const chains = recordEvents(manager, 'archive:chain')
      const starts = recordEvents(manager, 'archive:start')
      const segments = recordEvents(manager, 'archive:segment')
      await withClient(db.url, async (conn) => {
        const ledger = new Ledger(conn)
        const handle = manager.archive()
        // transfers while the slot is created and the base backup runs: each lands in the dump or in the stream, once
        while (starts.length === 0 && handle.status().running) await ledger.transfers(3, { truncate: false })
        if (!handle.status().running) await handle.done // shows why it ended
        expect(handle.status()).toMatchObject({ running: true, slot, publication: 'pgkeep_archive' })
        const chainId = starts[0]!.chainId
        expect(starts[0]).toMatchObject({ slot, resumed: false })
        expect(chains).toEqual([expect.objectContaining({ reason: 'first', chainId, slot, pitrGap: false })])

        const manifest = await manager.manifest(chainId)
        expect(manifest.changes).toEqual({ slot, publication: 'pgkeep_archive', startLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) })
        expect(manifest.type).toBe('manual')
        expect((await manager.list()).map((r) => r.id)).toContain(chainId)
        const [pub] = await runSql<{ puballtables: boolean }>(db.url, "SELECT puballtables FROM pg_publication WHERE pubname = 'pgkeep_archive'")
        expect(pub?.puballtables).toBe(true)

        // a second archiver of the same storage: refused by the archive lock
        const other = createBackupManager({ connectionString: db.url, storage: fsStorage({ dir }) })
        await expectError(other.archive().done, 'CONFLICT', /archive lock/)
        // one of another folder on the same slot: refused by the slot, naming the process that reads it
        const elsewhere = createBackupManager({ connectionString: db.url, storage: fsStorage({ dir }), keyPrefix: 'elsewhere/' })
        await waitFor('the slot to be read', async () => (await slotsOf(db.url, slot)).some((s) => s.active))
        await expectError(elsewhere.archive().done, 'CONFLICT', new RegExp(`slot ${slot} is being read by the server process \\d+`), /pg_terminate_backend/)

        await ledger.transfers(40)
        const marks = await ledger.mark()
        await waitFor('the mark to be archived', async () => (await archivedMarks(storage, chainPrefixOf(manifest.storagePath))) === marks)
        await handle.stop()
        const summary = await handle.done
        expect(summary).toMatchObject({ slot, chainId, chainsStarted: [chainId], slotDropped: false })
        expect(summary.segments).toBe(segments.length)
        expect(summary.segments).toBeGreaterThan(0)
        expect(summary.archivedUpTo).toBe(segments.at(-1)!.endLsn)
        expect(handle.status()).toMatchObject({ running: false, phase: 'stopped' })
        await waitFor('the slot to be released', async () => (await slotsOf(db.url, slot)).every((s) => !s.active))
        expect(await slotsOf(db.url, slot)).toEqual([{ slot_name: slot, active: false }])
        const first = await replayMatches(manager, chainId, db.url)
        expect(first.transactions).toBe(summary.transactions)

        // stopped: the writes go on; the next archive() resumes the chain from the slot, nothing lost or twice
        await ledger.transfers(20)
        const again = manager.archive()
        await ledger.transfers(20)
        const marks2 = await ledger.mark()
        await waitFor('the second mark to be archived', async () => (await archivedMarks(storage, chainPrefixOf(manifest.storagePath))) === marks2)
        expect(starts.at(-1)).toMatchObject({ chainId, resumed: true, slot })
        expect(chains).toHaveLength(1) // no new chain
        await again.stop({ dropSlot: true })
        expect(await again.done).toMatchObject({ chainId, chainsStarted: [], slotDropped: true })
        expect(await slotsOf(db.url, slot)).toEqual([])
        await replayMatches(manager, chainId, db.url)
        expect(await manager.list()).toHaveLength(1) // the resume made no base backup

        const audit = await manager.auditLog({ action: 'archive' })
        expect(audit.map((a) => [a.outcome, a.detail?.event])).toEqual(expect.arrayContaining([['success', 'stop'], ['success', 'chain'], ['refused', undefined]]))
      })
    } finally {
      await runSql(db.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slot}%' AND NOT active`).catch(() => {})
      await db.drop()
    }
  }, 240_000)

  it('leaves alone a slot no chain of its storage names (CONFLICT naming how to drop it); dropArchiveSlot() leaves no slot and names the chain kept', async () => {
    const db = await createDatabase(server.url, { prefix: 'archive_orphan' })
    const storage = fsStorage({ dir: join(workDir, 'fs-orphan') })
    await runSql(db.url, `${LEDGER_SCHEMA} CREATE PUBLICATION app_pub FOR TABLE accounts, ledger;`)
    const slot = 'orphan_slot'
    // a slot left by an archiver killed during its first base backup, or another storage's archive: no chain here names it
    await runSql(db.url, `SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`)
    const manager = createBackupManager({ connectionString: db.url, storage, archive: { slot, publication: 'app_pub', segmentSeconds: 1 } })
    try {
      const chains = recordEvents(manager, 'archive:chain')
      await expectError(manager.archive().done, 'CONFLICT', new RegExp(`slot ${slot} exists, but no chain in this storage .* it is left alone`), new RegExp(`pg_drop_replication_slot\\('${slot}'\\)`))
      expect(await slotsOf(db.url, slot)).toEqual([{ slot_name: slot, active: false }])
      expect(chains).toEqual([])
      await runSql(db.url, `SELECT pg_drop_replication_slot('${slot}')`)
      const handle = manager.archive()
      await waitFor('the archiver to stream', () => handle.status().phase === 'streaming' || !handle.status().running, 120_000)
      expect(chains.map((c) => [c.reason, c.slot])).toEqual([['first', slot]])
      // while it runs, the slot is not dropped under it
      await expectError(manager.dropArchiveSlot(), 'CONFLICT', /archiver of this storage is running/)
      await handle.stop()
      const summary = await handle.done
      const result = await manager.dropArchiveSlot()
      // a publication the application named is never dropped
      expect(result).toEqual({ dropped: [slot], publicationDropped: null, chain: expect.objectContaining({ id: summary.chainId }) })
      expect(await slotsOf(db.url, slot)).toEqual([])
      expect(await runSql(db.url, "SELECT pubname FROM pg_publication")).toEqual([{ pubname: 'app_pub' }])
      // the next archive() sees the chain's slot gone: a new chain
      const next = manager.archive()
      await waitFor('the new chain', () => chains.length === 2 || !next.status().running, 120_000)
      expect(chains[1]).toMatchObject({ reason: 'slot-gone', slot })
      expect(chains[1]!.chainId).not.toBe(summary.chainId)
      await next.stop({ dropSlot: true })
      await next.done
      expect(await slotsOf(db.url, slot)).toEqual([])
    } finally {
      await runSql(db.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slot}%' AND NOT active`).catch(() => {})
      await db.drop()
    }
  }, 240_000)

  it('drops a slot its storage recorded as pending only when it is of this database and unread since: else CONFLICT, left alone', async () => {
    const db = await createDatabase(server.url, { prefix: 'archive_pending' })
    const dir = join(workDir, 'fs-pending')
    await runSql(db.url, `${LEDGER_SCHEMA} CREATE PUBLICATION app_pub FOR TABLE accounts, ledger;`)
    const slot = 'pending_slot'
    const createSlot = async () => {
      const [created] = await runSql<{ lsn: string }>(db.url, `SELECT lsn::text FROM pg_create_logical_replication_slot('${slot}', 'pgoutput')`)
      // what the record's check rests on: an unread slot's confirmed position is its consistent point
      expect(await runSql(db.url, `SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = '${slot}'`)).toEqual([created])
      return created!.lsn
    }
    const record = (folder: string, database: string, consistentPoint: string) => {
      mkdirSync(join(folder, 'backups', 'archive', 'pending-slots'), { recursive: true })
      writeFileSync(join(folder, 'backups', 'archive', 'pending-slots', `${slot}.json`), JSON.stringify({ slot, database, consistentPoint, createdAt: new Date().toISOString() }))
    }
    const managerOf = (folder: string) => createBackupManager({ connectionString: db.url, storage: fsStorage({ dir: folder }), archive: { slot, publication: 'app_pub', segmentSeconds: 1 } })
    const manager = managerOf(dir)
    let handle: ReturnType<BackupManager['archive']> | null = null
    try {
      const chains = recordEvents(manager, 'archive:chain')
      let lsn = await createSlot()
      // recorded for another database of the server: not this archive's
      record(dir, 'another_db', lsn)
      await expectError(manager.archive().done, 'CONFLICT', new RegExp(`slot ${slot} exists, but no chain in this storage`))
      expect(await slotsOf(db.url, slot)).toEqual([{ slot_name: slot, active: false }])
      // recorded for this database and unread: the leftover of a killed base backup, dropped, and the chain begins
      record(dir, db.name, lsn)
      const running = manager.archive()
      handle = running
      await waitFor('the archiver to stream', () => running.status().phase === 'streaming' || !running.status().running, 120_000)
      expect(chains.map((c) => [c.reason, c.slot])).toEqual([['slot-without-chain', slot], ['first', slot]])
      expect(chains[0]!.message).toMatch(/created it at .* for a base backup that never completed/)
      expect(pendingRecords(dir)).toEqual([])
      await running.stop({ dropSlot: true })
      await running.done
      handle = null
      // recorded, but something has read the slot since: someone else's, left alone (in a storage of its own,
      // whose record is all it knows of the slot: the first storage's chain names it now)
      const other = join(workDir, 'fs-pending-other')
      lsn = await createSlot()
      record(other, db.name, lsn)
      await runSql(db.url, 'UPDATE accounts SET balance = balance WHERE id = 1')
      // the slot advances only as far as WAL is flushed (the test servers may commit asynchronously)
      await waitFor('the slot to be read past its consistent point', async () => {
        const [moved] = await runSql<{ lsn: string }>(db.url, `SELECT (pg_replication_slot_advance('${slot}', pg_current_wal_lsn())).end_lsn::text AS lsn`)
        return moved!.lsn !== lsn
      })
      await expectError(managerOf(other).archive().done, 'CONFLICT', new RegExp(`slot ${slot} exists, but no chain in this storage`))
      expect(await slotsOf(db.url, slot)).toEqual([{ slot_name: slot, active: false }])
    } finally {
      await handle?.stop()
      await runSql(db.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slot}%' AND NOT active`).catch(() => {})
      await db.drop()
    }
  }, 240_000)

  it('an archiver of another (empty) storage leaves the live archive\'s slot alone: refused, and the first storage\'s chain continues without a commit lost', async () => {
    const db = await createDatabase(server.url, { prefix: 'archive_two' })
    const st1 = fsStorage({ dir: join(workDir, 'fs-st1') })
    const m1 = createBackupManager({ connectionString: db.url, storage: st1, archive: { segmentSeconds: 1 } })
    const slot = archiveSlotName(db.name)
    await runSql(db.url, LEDGER_SCHEMA)
    try {
      await withClient(db.url, async (conn) => {
        const ledger = new Ledger(conn)
        const starts = recordEvents(m1, 'archive:start')
        const h1 = m1.archive()
        await waitFor('the archiver to stream', () => h1.status().phase === 'streaming' || !h1.status().running, 120_000)
        if (!h1.status().running) await h1.done
        const chainId = h1.status().chainId!
        await ledger.transfers(10)
        await h1.stop()
        // commits while it is stopped: only its slot holds them
        await ledger.transfers(20)

        const m2 = createBackupManager({ connectionString: db.url, storage: fsStorage({ dir: join(workDir, 'fs-empty') }), archive: { segmentSeconds: 1 } })
        const chains2 = recordEvents(m2, 'archive:chain')
        const h2 = m2.archive()
        await waitFor('the second archiver to stream or end', () => h2.status().phase === 'streaming' || !h2.status().running, 120_000)
        await h2.stop()
        await expectError(h2.done, 'CONFLICT', new RegExp(`slot ${slot} exists, but no chain in this storage`), /pgkeep archive --drop|pg_drop_replication_slot/)
        expect(chains2).toEqual([])
        expect(await m2.list()).toEqual([])
        expect(await slotsOf(db.url, slot)).toEqual([{ slot_name: slot, active: false }])

        // the first storage's archiver resumes its chain from its slot: nothing lost
        const chains1 = recordEvents(m1, 'archive:chain')
        const again = m1.archive()
        await ledger.transfers(5)
        const marks = await ledger.mark()
        const manifest = await m1.manifest(chainId)
        await waitFor('the mark to be archived', async () => (await archivedMarks(st1, chainPrefixOf(manifest.storagePath))) === marks, 120_000)
        expect(starts.at(-1)).toMatchObject({ chainId, resumed: true, slot })
        expect(chains1).toEqual([])
        await again.stop({ dropSlot: true })
        await again.done
        await replayMatches(m1, chainId, db.url)
      })
    } finally {
      await runSql(db.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slot}%' AND NOT active`).catch(() => {})
      await db.drop()
    }
  }, 240_000)

  it('refuses to publish tables without a replica identity, before creating anything, naming them and the fix; dropArchiveSlot() drops pgkeep_archive', async () => {
    const db = await createDatabase(server.url, { prefix: 'archive_ident' })
    const manager = createBackupManager({ connectionString: db.url, storage: fsStorage({ dir: join(workDir, 'fs-ident') }), archive: { segmentSeconds: 1 } })
    const slot = archiveSlotName(db.name)
    await runSql(db.url, `
      CREATE TABLE nopk (k integer, v text); INSERT INTO nopk VALUES (1, 'a');
      CREATE TABLE nothing (id integer PRIMARY KEY); ALTER TABLE nothing REPLICA IDENTITY NOTHING;
      CREATE TABLE byindex (id integer NOT NULL, v text); CREATE UNIQUE INDEX byindex_id ON byindex (id);
      ALTER TABLE byindex REPLICA IDENTITY USING INDEX byindex_id; DROP INDEX byindex_id;
      CREATE TABLE withpk (id integer PRIMARY KEY, v text); INSERT INTO withpk VALUES (1, 'a');
      CREATE TABLE whole (k integer); ALTER TABLE whole REPLICA IDENTITY FULL;
      CREATE UNLOGGED TABLE scratch (k integer);`)
    try {
      const h = manager.archive()
      await waitFor('the archiver to stream or end', () => h.status().phase === 'streaming' || !h.status().running, 120_000)
      await h.stop()
      await expectError(h.done, 'CONFLICT', /UPDATE and DELETE of 3 tables without a replica identity .*: public\.byindex, public\.nopk, public\.nothing\./,
        /ALTER TABLE public\.byindex REPLICA IDENTITY FULL.*No publication was created/)
      // nothing was created, and the application's writes go on
      expect(await runSql(db.url, 'SELECT pubname FROM pg_publication')).toEqual([])
      expect(await slotsOf(db.url, slot)).toEqual([])
      await runSql(db.url, "UPDATE nopk SET v = 'b'; DELETE FROM nopk WHERE k = 2;")

      // fixed: the archiver starts, and the writes still work under its publication
      await runSql(db.url, `ALTER TABLE nopk REPLICA IDENTITY FULL; ALTER TABLE nothing REPLICA IDENTITY DEFAULT;
        ALTER TABLE byindex REPLICA IDENTITY DEFAULT; ALTER TABLE byindex ADD PRIMARY KEY (id);`)
      const ok = manager.archive()
      await waitFor('the archiver to stream', () => ok.status().phase === 'streaming' || !ok.status().running, 120_000)
      if (!ok.status().running) await ok.done
      await runSql(db.url, "UPDATE nopk SET v = 'c'; UPDATE withpk SET v = 'b'; DELETE FROM nothing;")
      await ok.stop()
      await ok.done
      // a PK-less table created while stopped: the next start refuses, naming it (the publication exists: the hint says how to drop it)
      await runSql(db.url, 'CREATE TABLE later (k integer)')
      const refused = await expectError(manager.archive().done, 'CONFLICT', /UPDATE and DELETE of a table without a replica identity .*: public\.later\./)
      expect(refused.hint).toMatch(/publication pgkeep_archive exists already.*pgkeep archive --drop/)
      await runSql(db.url, 'ALTER TABLE later REPLICA IDENTITY FULL')

      // dropArchiveSlot(): the slot and pgkeep's own publication go, the tables need no replica identity any more
      const result = await manager.dropArchiveSlot()
      expect(result).toMatchObject({ dropped: [slot], publicationDropped: 'pgkeep_archive' })
      expect(await runSql(db.url, 'SELECT pubname FROM pg_publication')).toEqual([])
      await runSql(db.url, 'ALTER TABLE later REPLICA IDENTITY NOTHING; UPDATE later SET k = 1;')
    } finally {
      await runSql(db.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slot}%' AND NOT active`).catch(() => {})
      await db.drop()
    }
  }, 240_000)

  it('with a named publication, checks only the tables it publishes, partitions of a published root included', async () => {
    const db = await createDatabase(server.url, { prefix: 'archive_named' })
    const slot = archiveSlotName(db.name)
    await runSql(db.url, `
      CREATE TABLE outside (k integer);
      CREATE TABLE withpk (id integer PRIMARY KEY);
      CREATE TABLE parts (k integer, at date) PARTITION BY RANGE (at);
      CREATE TABLE parts_2026 PARTITION OF parts FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
      CREATE PUBLICATION app_pub FOR TABLE withpk, parts WITH (publish_via_partition_root = true);
      CREATE PUBLICATION inserts_only FOR TABLE outside WITH (publish = 'insert');`)
    try {
      const named = createBackupManager({ connectionString: db.url, storage: fsStorage({ dir: join(workDir, 'fs-named') }), archive: { publication: 'app_pub', segmentSeconds: 1 } })
      const h = named.archive()
      await waitFor('the archiver to stream or end', () => h.status().phase === 'streaming' || !h.status().running, 120_000)
      await h.stop()
      await expectError(h.done, 'CONFLICT', /of a table without a replica identity .*: public\.parts_2026\./)
      expect(await slotsOf(db.url, slot)).toEqual([])
      // a publication of inserts only breaks no update: started (outside has no primary key)
      const inserts = createBackupManager({ connectionString: db.url, storage: fsStorage({ dir: join(workDir, 'fs-inserts') }), archive: { publication: 'inserts_only', segmentSeconds: 1 } })
      const ok = inserts.archive()
      await waitFor('the archiver to stream', () => ok.status().phase === 'streaming' || !ok.status().running, 120_000)
      if (!ok.status().running) await ok.done
      await ok.stop({ dropSlot: true })
      await ok.done
      // dropArchiveSlot() never drops a publication the application named
      expect(await inserts.dropArchiveSlot()).toMatchObject({ publicationDropped: null })
      expect((await runSql<{ pubname: string }>(db.url, 'SELECT pubname FROM pg_publication ORDER BY 1')).map((r) => r.pubname)).toEqual(['app_pub', 'inserts_only'])
    } finally {
      await runSql(db.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slot}%' AND NOT active`).catch(() => {})
      await db.drop()
    }
  }, 240_000)

  it('a table without a replica identity created while it runs: the archiver stops at the new chain its first change begins, naming it; the old chain resumes once it is fixed', async () => {
    const db = await createDatabase(server.url, { prefix: 'archive_later' })
    const manager = createBackupManager({ connectionString: db.url, storage: fsStorage({ dir: join(workDir, 'fs-later') }), archive: { segmentSeconds: 1 } })
    const slot = archiveSlotName(db.name)
    await runSql(db.url, LEDGER_SCHEMA)
    try {
      const chains = recordEvents(manager, 'archive:chain')
      const h = manager.archive()
      await waitFor('the archiver to stream', () => h.status().phase === 'streaming' || !h.status().running, 120_000)
      if (!h.status().running) await h.done
      const first = h.status().chainId!
      // FOR ALL TABLES publishes it at once: its updates fail from its creation on (pgkeep cannot prevent that)
      await runSql(db.url, 'CREATE TABLE later (k integer); INSERT INTO later VALUES (1);')
      await expect(runSql(db.url, 'UPDATE later SET k = 2')).rejects.toThrow(/does not have a replica identity/)
      await waitFor('the archiver to end or begin a chain', () => !h.status().running || chains.length > 2, 120_000)
      await h.stop()
      await expectError(h.done, 'CONFLICT', /UPDATE and DELETE of a table without a replica identity .*: public\.later\./, /publication pgkeep_archive exists already/)
      expect(chains.map((c) => [c.reason, c.chainId])).toEqual([['first', first], ['schema-change', null]])
      // the old slot stays: fixed, the next start resumes the old chain, meets the change and begins the next one
      expect((await slotsOf(db.url, slot)).map((s) => s.slot_name)).toEqual([slot])
      await runSql(db.url, 'ALTER TABLE later REPLICA IDENTITY FULL; UPDATE later SET k = 2;')
      const again = manager.archive()
      await waitFor('the next chain', () => chains.length === 4 || !again.status().running, 120_000)
      if (!again.status().running) await again.done
      expect(chains.slice(2).map((c) => c.reason)).toEqual(['schema-change', 'schema-change'])
      expect(chains[3]).toMatchObject({ previousChain: first, slot: `${slot}_2` })
      await again.stop({ dropSlot: true })
      await again.done
    } finally {
      await runSql(db.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slot}%' AND NOT active`).catch(() => {})
      await db.drop()
    }
  }, 240_000)

  it('begins a new chain when max_slot_wal_keep_size invalidated the slot (wal_status lost), saying which commits are not recoverable', async () => {
    if (!isEmbeddedMajor(server.major)) return
    const own = await startEmbeddedServer({ major: server.major, dataDir: join(workDir, 'pg-lost'), settings: { max_slot_wal_keep_size: '1MB', wal_keep_size: 0 } })
    try {
      const db = await createDatabase(own.url, { prefix: 'archive_lost' })
      const manager = createBackupManager({ connectionString: db.url, storage: fsStorage({ dir: join(workDir, 'fs-lost') }), archive: { segmentSeconds: 1 } })
      const slot = archiveSlotName(db.name)
      await runSql(db.url, LEDGER_SCHEMA)
      const chains = recordEvents(manager, 'archive:chain')
      await withClient(db.url, async (conn) => {
        const ledger = new Ledger(conn)
        const h = manager.archive()
        await waitFor('the archiver to stream', () => h.status().phase === 'streaming' || !h.status().running, 120_000)
        if (!h.status().running) await h.done
        const first = h.status().chainId!
        await ledger.transfers(10)
        await h.stop()
        // stopped: more WAL than max_slot_wal_keep_size, switched and checkpointed away
        for (let i = 0; i < 4; i++) {
          await runSql(db.url, "INSERT INTO notes SELECT g, repeat('x', 1000) FROM generate_series(1, 3000) g; SELECT pg_switch_wal(); CHECKPOINT;")
        }
        await waitFor('the slot to be lost', async () => {
          const [row] = await runSql<{ wal_status: string }>(db.url, `SELECT wal_status FROM pg_replication_slots WHERE slot_name = '${slot}'`)
          if (row?.wal_status !== 'lost') await runSql(db.url, "INSERT INTO notes SELECT g, repeat('y', 1000) FROM generate_series(1, 3000) g; SELECT pg_switch_wal(); CHECKPOINT;")
          return row?.wal_status === 'lost'
        })
        const next = manager.archive()
        await waitFor('the new chain', () => chains.length === 2 || !next.status().running, 120_000)
        if (!next.status().running) await next.done
        expect(chains[1]).toMatchObject({ reason: 'slot-gone', slot })
        expect(chains[1]!.chainId).not.toBe(first)
        expect(chains[1]!.message).toMatch(new RegExp(`slot ${slot} of the newest chain ${first} was invalidated .*max_slot_wal_keep_size.* no restore reaches a commit between then and this base backup`))
        await ledger.transfers(5)
        const marks = await ledger.mark()
        const manifest = await manager.manifest(chains[1]!.chainId!)
        await waitFor('the mark to be archived', async () => (await archivedMarks(manager.storage, chainPrefixOf(manifest.storagePath))) === marks, 120_000)
        await next.stop({ dropSlot: true })
        await next.done
      })
      await db.drop()
    } finally {
      await own.stop()
    }
  }, 300_000)

  it('keeps archiving through an S3 endpoint killed mid-stream and restarted on the same port and folder: nothing lost, nothing twice', async () => {
    const db = await createDatabase(server.url, { prefix: 'archive_s3' })
    const directory = mkdtempSync(join(workDir, 's3-'))
    const port = await findFreePort()
    let s3: S3Server | null = await startS3Server({ port, directory })
    const bucket = `archive-${randomBytes(4).toString('hex')}`
    const storage = s3Storage({ endPoint: s3.endPoint, port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, pathStyle: true, bucket })
    const manager = createBackupManager({ connectionString: db.url, storage, archive: { segmentSeconds: 1 } })
    const slot = archiveSlotName(db.name)
    await runSql(db.url, LEDGER_SCHEMA)
    let handle: ReturnType<BackupManager['archive']> | null = null
    try {
      const errors = recordEvents(manager, 'archive:error')
      const segments = recordEvents(manager, 'archive:segment')
      await withClient(db.url, async (conn) => {
        const ledger = new Ledger(conn, 3)
        const h = manager.archive()
        handle = h
        await waitFor('the archiver to stream', () => h.status().phase === 'streaming' || !h.status().running, 120_000)
        const chainId = h.status().chainId!
        await ledger.transfers(20)
        await waitFor('a segment', () => segments.length > 0)
        // the endpoint dies while a segment is open (its transactions received, not yet stored), and writes go on
        const before = segments.length
        await ledger.transfers(5)
        await s3!.stop()
        s3 = null
        await ledger.transfers(40)
        await waitFor('a storage error', () => errors.length > 0)
        expect(segments.length).toBe(before)
        expect(errors[0]).toMatchObject({ willRetry: true, code: expect.stringMatching(/^STORAGE_/) })
        expect(h.status().running).toBe(true)
        s3 = await startS3Server({ port, directory })
        await ledger.transfers(20)
        const marks = await ledger.mark()
        const record = await manager.get(chainId)
        await waitFor('the mark to be archived', async () => (await archivedMarks(storage, chainPrefixOf(record.storagePath))) === marks, 120_000)
        await h.stop({ dropSlot: true })
        await h.done
        await replayMatches(manager, chainId, db.url)
        expect(await slotsOf(db.url, slot)).toEqual([])
      })
    } finally {
      if (!s3) s3 = await startS3Server({ port, directory })
      await (handle as ReturnType<BackupManager['archive']> | null)?.stop({ dropSlot: true })
      await s3?.stop()
      await runSql(db.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slot}%' AND NOT active`).catch(() => {})
      await db.drop()
    }
  }, 300_000)

  it('names the fix for each missing prerequisite', async () => {
    const dir = join(workDir, 'fs-prereq')
    // wal_level = replica: the machine's server
    const onReplica = createBackupManager({ connectionString: pgDefault.url, storage: fsStorage({ dir }) })
    const [level] = await runSql<{ wal_level: string }>(pgDefault.url, 'SHOW wal_level')
    if (level!.wal_level !== 'logical') {
      await expectError(onReplica.archive().done, 'SERVER_LIMIT', /needs wal_level = logical; this server has wal_level = /, /rds\.logical_replication.*cloudsql\.logical_decoding/)
    }

    const db = await createDatabase(server.url, { prefix: 'archive_prereq' })
    const role = `archive_role_${process.pid}`
    await runSql(db.url, `CREATE ROLE ${role} LOGIN; GRANT ALL ON SCHEMA public TO ${role}; CREATE TABLE t (id integer PRIMARY KEY);`)
    const asRole = db.url.replace(/\/\/[^@/]*@/, `//${role}@`).replace(/\/\/(?![^/]*@)/, `//${role}@`)
    try {
      const noReplication = createBackupManager({ connectionString: asRole, storage: fsStorage({ dir }) })
      await expectError(noReplication.archive().done, 'PERMISSION_DENIED', /REPLICATION attribute/, /ALTER ROLE .* REPLICATION/)
      await runSql(db.url, `ALTER ROLE ${role} REPLICATION`)
      // a role that may replicate but not create a publication for all tables
      await expectError(createBackupManager({ connectionString: asRole, storage: fsStorage({ dir }) }).archive().done,
        'PERMISSION_DENIED', /unable to create the publication pgkeep_archive/, /CREATE PUBLICATION pgkeep_archive FOR ALL TABLES/)
      // a named publication that does not exist
      await expectError(createBackupManager({ connectionString: db.url, storage: fsStorage({ dir }), archive: { publication: 'nope' } }).archive().done,
        'OPTIONS_INVALID', /publication nope does not exist/)
      expect(() => createBackupManager({ connectionString: db.url, storage: fsStorage({ dir }) }).archive({ slot: 'Bad-Name' })).toThrow(/slot: must be 1 to 61 lower-case/)
      expect(await slotsOf(db.url, archiveSlotName(db.name))).toEqual([])
    } finally {
      await db.drop()
      await runSql(server.url, `DROP ROLE IF EXISTS ${role}`).catch(() => {})
    }
  }, 120_000)
})

describe('archiveSlotName', () => {
  it('is the database name when it makes a slot name, else made one with a hash; at most 61 characters', () => {
    expect(archiveSlotName('shop')).toBe('pgkeep_shop')
    expect(archiveSlotName('Shop')).toMatch(/^pgkeep_shop_[0-9a-f]{8}$/)
    expect(archiveSlotName('Shop')).not.toBe(archiveSlotName('shop'))
    const long = archiveSlotName('x'.repeat(63))
    expect(long).toHaveLength(61)
    expect(archiveSlotName('my-db.eu')).toMatch(/^pgkeep_my_db_eu_[0-9a-f]{8}$/)
    for (const n of ['a', 'Ünïcödé', 'x'.repeat(63), 'with space']) expect(archiveSlotName(n)).toMatch(/^[a-z0-9_]{1,61}$/)
  })
})
