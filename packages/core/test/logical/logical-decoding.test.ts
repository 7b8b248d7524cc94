// The ground point-in-time recovery stands on: a logical slot created with an exported snapshot, a dump in
// that snapshot, and the slot's pgoutput stream decoded in TypeScript. The dump holds exactly what was
// committed before the slot's consistent point and the stream exactly what was committed after it; a
// confirmed position is never sent again, an unconfirmed one is. Replayed onto the restored dump, the
// stream gives the source back, and replayed up to a commit, the source as it was at that commit.
// Logical decoding needs wal_level = logical: the test starts its own embedded server (the kit starts
// them so) of the default server's major, plus every server in PGKEEP_TEST_MAJORS.
import { readFile } from 'node:fs/promises'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareDatabases, createDatabase, isEmbeddedMajor, runSql, startEmbeddedServer, withClient, type EmbeddedServer } from '@pgkeep/testkit'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { restore } from '../../src/index'
import { ChangeApplier } from '../../src/logical/apply-changes'
import { archivedUpTo, runArchiver } from '../../src/logical/archiver'
import { readSegment, type SegmentManifest } from '../../src/logical/change-segment'
import { listSegments, replayArchive } from '../../src/logical/replay-archive'
import { fsStorage } from '../../src/storage/fs-storage'
import type { StorageDriver } from '../../src/storage/driver'
import { streamChanges, type Change } from '../../src/logical/change-stream'
import { formatLsn, parseLsn } from '../../src/logical/lsn'
import type { PgoutputMessage, TupleValue } from '../../src/logical/pgoutput'
import { connectForReplication, createSlotWithSnapshot, dropSlot } from '../../src/logical/replication-slot'
import { dumpToFile } from '../helpers/dump-to-file'

const pgDefault = inject('pgDefault')
const pgServers = inject('pgServers')
const own: EmbeddedServer[] = []
const workDir = mkdtempSync(join(tmpdir(), 'pgkeep-logical-'))
chmodSync(workDir, 0o755)

async function logicalServers(): Promise<{ url: string; major: number }[]> {
  const servers = Object.values(pgServers) // embedded, started with wal_level = logical
  if (!servers.some((s) => s.major === pgDefault.major) && isEmbeddedMajor(pgDefault.major)) {
    const server = await startEmbeddedServer({ major: pgDefault.major, dataDir: join(workDir, `pg${pgDefault.major}`) })
    own.push(server)
    servers.push({ url: server.url, major: server.major })
  }
  return servers
}
const servers = await logicalServers()

afterAll(async () => {
  for (const server of own) await server.stop()
  rmSync(workDir, { recursive: true, force: true })
})

const text = (values: TupleValue[]) => values.map((v) => (v.kind === 'text' ? v.value : v.kind))

/**
 * Reads the stream until `commits` transactions with a data change have been seen; returns every change,
 * relation messages included. PostgreSQL 13 and 14 also send transactions that changed no
 * published table (an autoanalyze of the source's tables, under load, is one): they are not the test's
 * and are left out (their relation messages are kept).
 */
async function collect(stream: AsyncIterable<Change>, commits: number): Promise<Change[]> {
  const seen: Change[] = []
  let n = 0
  let pending: Change[] | null = null
  let changed = false
  for await (const change of stream) {
    const tag = change.message.tag
    if (tag === 'begin') {
      pending = [change]
      changed = false
    } else if (tag === 'commit' && pending) {
      if (changed) seen.push(...pending, change)
      else seen.push(...pending.filter((c) => c.message.tag === 'relation' || c.message.tag === 'type'))
      pending = null
      if (changed && ++n === commits) break
    } else if (pending) {
      if (tag !== 'relation' && tag !== 'type') changed = true
      pending.push(change)
    } else {
      seen.push(change)
    }
  }
  return seen
}

/** The data changes of each transaction, as short lines. */
function transactions(changes: Change[]): string[][] {
  const names = new Map<number, string>()
  const out: string[][] = []
  let current: string[] = []
  for (const { message: m } of changes) {
    if (m.tag === 'relation') names.set(m.oid, `${m.schema}.${m.name}`)
    else if (m.tag === 'begin') current = []
    else if (m.tag === 'commit') out.push(current)
    else if (m.tag === 'insert') current.push(`insert ${names.get(m.relation)} ${text(m.row).join(',')}`)
    else if (m.tag === 'update') current.push(`update ${names.get(m.relation)} ${m.old ? `old ${text(m.old).join(',')} ` : m.key ? `key ${text(m.key).join(',')} ` : ''}new ${text(m.row).join(',')}`)
    else if (m.tag === 'delete') current.push(`delete ${names.get(m.relation)} ${m.old ? `old ${text(m.old).join(',')}` : `key ${text(m.key!).join(',')}`}`)
    else if (m.tag === 'truncate') current.push(`truncate ${m.relations.map((r) => names.get(r)).join(',')}${m.restartIdentity ? ' restart identity' : ''}`)
  }
  return out
}

describe.each(servers)('logical change stream on PostgreSQL $major', ({ url, major }) => {
  it('a dump in the slot\'s snapshot and the stream after it meet exactly; confirmed transactions are not sent again', async () => {
    const db = await createDatabase(url, { prefix: 'logical_src' })
    await runSql(db.url, `
      CREATE TABLE accounts (id integer PRIMARY KEY, balance bigint NOT NULL, note text);
      CREATE TABLE events (a integer, b text);
      ALTER TABLE events REPLICA IDENTITY FULL;
      INSERT INTO accounts VALUES (1, 100, 'one'), (2, 200, 'two'), (3, 300, NULL);
      INSERT INTO events VALUES (1, 'x'), (2, 'y');
      CREATE PUBLICATION pgkeep_all FOR ALL TABLES;`)
    const slot = `pgkeep_test_${major}_${process.pid}`
    const replication = await connectForReplication({ connectionString: db.url })
    let dropped = false
    try {
      const created = await createSlotWithSnapshot(replication, slot)
      expect(created.name).toBe(slot)
      expect(formatLsn(created.consistentPoint)).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)

      // committed after the slot: in the stream, not in the dump
      await runSql(db.url, "INSERT INTO accounts VALUES (4, 400, 'four')")
      const { file } = await dumpToFile({ connection: db.url, snapshot: created.snapshot, dataOnly: true, tables: ['public.accounts'] })
      const dumped = (await readFile(file, 'utf8')).split('\n').filter((l) => /^\d+\t/.test(l))
      expect(dumped).toEqual(['1\t100\tone', '2\t200\ttwo', '3\t300\t\\N'])

      await runSql(db.url, `
        BEGIN;
        UPDATE accounts SET balance = balance - 50 WHERE id = 1;
        UPDATE accounts SET balance = balance + 50 WHERE id = 2;
        DELETE FROM accounts WHERE id = 3;
        COMMIT;`)
      await runSql(db.url, 'BEGIN; INSERT INTO accounts VALUES (9, 9, NULL); ROLLBACK;')
      await runSql(db.url, "UPDATE events SET b = 'z' WHERE a = 2")
      await runSql(db.url, 'TRUNCATE events')

      const first = streamChanges(replication, { slot, publications: ['pgkeep_all'] })
      const changes = await collect(first, 4)
      expect(transactions(changes)).toEqual([
        ['insert public.accounts 4,400,four'],
        ['update public.accounts new 1,50,one', 'update public.accounts new 2,250,two', 'delete public.accounts key 3,null,null'],
        ['update public.events old 2,y new 2,z'],
        ['truncate public.events'],
      ])
      const relation = changes.find((c) => c.message.tag === 'relation' && c.message.name === 'accounts')!.message as Extract<PgoutputMessage, { tag: 'relation' }>
      expect(relation.columns.map((c) => [c.name, c.key])).toEqual([['id', true], ['balance', false], ['note', false]])
      expect(relation.replicaIdentity).toBe('d')
      const commits = changes.filter((c) => c.message.tag === 'commit').map((c) => c.message as Extract<PgoutputMessage, { tag: 'commit' }>)
      expect(commits[0]!.commitLsn).toBeGreaterThanOrEqual(created.consistentPoint)
      // commit times are real and in order
      for (let i = 1; i < commits.length; i++) expect(commits[i]!.commitTime).toBeGreaterThanOrEqual(commits[i - 1]!.commitTime)

      // the first two transactions are stored: confirm through the second commit's end
      first.confirm(commits[1]!.endLsn)
      await first.end()
      await replication.end()
      const [state] = await runSql<{ confirmed: string }>(db.url, `SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = '${slot}'`)
      expect(parseLsn(state!.confirmed)).toBeGreaterThanOrEqual(commits[1]!.endLsn)

      // a new reader gets the third and fourth again, and not the first two
      const again = await connectForReplication({ connectionString: db.url })
      try {
        const second = streamChanges(again, { slot, publications: ['pgkeep_all'] })
        expect(transactions(await collect(second, 2))).toEqual([['update public.events old 2,y new 2,z'], ['truncate public.events']])
        await second.end()
        await dropSlot(again, slot)
        dropped = true
      } finally {
        await again.end()
      }
      const left = await runSql(db.url, `SELECT 1 FROM pg_replication_slots WHERE slot_name = '${slot}'`)
      expect(left).toEqual([])
    } finally {
      await replication.end().catch(() => {})
      if (!dropped) await runSql(db.url, `SELECT pg_drop_replication_slot('${slot}') FROM pg_replication_slots WHERE slot_name = '${slot}'`).catch(() => {})
      await db.drop()
    }
  }, 120_000)

  it('the base dump plus the replayed stream is the source; replayed up to a point, the source as it was then', async () => {
    const db = await createDatabase(url, { prefix: 'ledger_src' })
    const accounts = 40
    await runSql(db.url, `
      CREATE TABLE accounts (id integer PRIMARY KEY, balance bigint NOT NULL, memo text);
      CREATE TABLE ledger (id bigint PRIMARY KEY, from_id integer NOT NULL, to_id integer NOT NULL, amount integer NOT NULL, note text);
      CREATE TABLE tags (a integer, b jsonb);
      ALTER TABLE tags REPLICA IDENTITY FULL;
      INSERT INTO accounts SELECT g, 1000, CASE WHEN g % 10 = 0 THEN (SELECT string_agg(md5(g::text || h::text), '') FROM generate_series(1, 300) h) END FROM generate_series(1, ${accounts}) g;
      INSERT INTO tags VALUES (1, '{"k": 1}'), (1, '{"k": 1}'), (2, NULL);
      CREATE PUBLICATION pgkeep_all FOR ALL TABLES;`)
    const slot = `pgkeep_ledger_${major}_${process.pid}`
    const replication = await connectForReplication({ connectionString: db.url })
    const copies = [await createDatabase(url, { prefix: 'ledger_all' }), await createDatabase(url, { prefix: 'ledger_mid' })]
    let commits = 0
    const tx = async (sql: string) => { await runSql(db.url, `BEGIN; ${sql}; COMMIT;`); commits++ }
    let ledgerId = 0
    const transfers = async (n: number, seed: number) => {
      for (let i = 0; i < n; i++) {
        const from = 1 + ((i * 7 + seed) % accounts)
        const to = 1 + ((i * 13 + seed + 1) % accounts)
        const amount = 1 + ((i + seed) % 30)
        await tx(`UPDATE accounts SET balance = balance - ${amount} WHERE id = ${from};
                  UPDATE accounts SET balance = balance + ${amount} WHERE id = ${to};
                  INSERT INTO ledger VALUES (${++ledgerId}, ${from}, ${to}, ${amount}, ${i % 4 === 0 ? 'NULL' : `'t${i}'`})`)
        if (i % 9 === 8) await tx(`DELETE FROM ledger WHERE id = ${ledgerId - 3}`)
      }
    }
    const state = async (at: string) => {
      const rows = await runSql<{ t: string }>(at, `
        SELECT 'accounts ' || coalesce(string_agg(a::text, '|' ORDER BY a.id), '') AS t FROM accounts a
        UNION ALL SELECT 'ledger ' || coalesce(string_agg(l::text, '|' ORDER BY l.id), '') FROM ledger l
        UNION ALL SELECT 'tags ' || coalesce(string_agg(g::text, '|' ORDER BY g::text), '') FROM tags g
        UNION ALL SELECT 'total ' || sum(balance) FROM accounts`)
      return rows.map((r) => r.t)
    }
    try {
      const created = await createSlotWithSnapshot(replication, slot)
      const { file } = await dumpToFile({ connection: db.url, snapshot: created.snapshot })

      await transfers(30, 1)
      await tx(`UPDATE tags SET b = '{"k": 2}' WHERE a = 1 AND b = '{"k": 1}'`) // two equal rows: REPLICA IDENTITY FULL changes both
      await tx('DELETE FROM tags WHERE b IS NULL')
      const [mid] = await runSql<{ lsn: string }>(db.url, 'SELECT pg_current_wal_insert_lsn()::text AS lsn')
      const midState = await state(db.url)
      const midCommits = commits
      await transfers(30, 5)
      await tx(`UPDATE accounts SET memo = 'short now' WHERE id = 10`)
      await tx('TRUNCATE tags')
      await tx(`INSERT INTO tags VALUES (3, '[1, 2]')`)
      // one transaction whose inserts the replay joins per table and columns (1,200 rows: several
      // statements), with changes to rows it just inserted in between: the order of effects holds
      await tx(`INSERT INTO ledger SELECT g, 1, 2, 0, 'bulk ' || g FROM generate_series(100001, 101200) g;
                UPDATE ledger SET note = 'changed after its insert' WHERE id = 101150;
                INSERT INTO tags VALUES (4, '{}');
                INSERT INTO ledger VALUES (101201, 1, 2, 0, NULL);
                DELETE FROM ledger WHERE id = 101160;
                INSERT INTO ledger (id, from_id, to_id, amount) VALUES (101202, 3, 4, 0);
                INSERT INTO ledger VALUES (101203, 1, 2, 0, E'it''s a \\\\ backslash\\nand a newline');
                UPDATE tags SET b = '{"q": "it''s \\"quoted\\""}' WHERE a = 4`)
      expect(midState.at(-1)).toBe(`total ${accounts * 1000}`)

      const stream = streamChanges(replication, { slot, publications: ['pgkeep_all'] })
      const changes = await collect(stream, commits)
      await stream.end()

      // everything: the source
      await restore(file, { target: copies[0]!.url })
      await withClient(copies[0]!.url, async (client) => {
        const applier = new ChangeApplier(client)
        for (const { message } of changes) await applier.apply(message)
        expect(applier.progress.transactions).toBe(commits)
      })
      const diff = await compareDatabases(db.url, copies[0]!.url)
      expect(diff.differences).toEqual([])
      expect(await state(copies[0]!.url)).toEqual(await state(db.url))

      // up to the midpoint: the transactions committed before it, and nothing after
      await restore(file, { target: copies[1]!.url })
      await withClient(copies[1]!.url, async (client) => {
        const applier = new ChangeApplier(client)
        const stop = parseLsn(mid!.lsn)
        let skipping = false
        for (const { message } of changes) {
          if (message.tag === 'begin') skipping = message.finalLsn >= stop
          if (skipping && message.tag !== 'relation') continue
          await applier.apply(message)
        }
        expect(applier.progress.transactions).toBe(midCommits)
      })
      expect(await state(copies[1]!.url)).toEqual(midState)
    } finally {
      await replication.end().catch(() => {})
      await runSql(db.url, `SELECT pg_drop_replication_slot('${slot}') FROM pg_replication_slots WHERE slot_name = '${slot}'`).catch(() => {})
      for (const copy of copies) await copy.drop()
      await db.drop()
    }
  }, 180_000)

  it('a stream whose connection ends before it is read: no uncaught error, and the first read fails with the reason', async () => {
    const db = await createDatabase(url, { prefix: 'logical_end' })
    await runSql(db.url, 'CREATE TABLE t (id integer PRIMARY KEY); CREATE PUBLICATION pgkeep_all FOR ALL TABLES;')
    const slot = `pgkeep_test_end_${major}_${process.pid}`
    const replication = await connectForReplication({ connectionString: db.url })
    const uncaught: unknown[] = []
    const collectUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', collectUncaught)
    try {
      await createSlotWithSnapshot(replication, slot)
      await runSql(db.url, 'INSERT INTO t VALUES (1)')
      const stream = streamChanges(replication, { slot, publications: ['pgkeep_all'] })
      // wait until the server streams, then end the connection while nobody reads the stream
      let active = false
      for (let waited = 0; !active && waited < 5000; waited += 50) {
        const rows = await runSql<{ n: string }>(db.url, `SELECT count(*) AS n FROM pg_replication_slots WHERE slot_name = '${slot}' AND active_pid IS NOT NULL`)
        active = rows[0]!.n === '1'
        if (!active) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(active).toBe(true)
      await replication.end()
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(uncaught).toEqual([])
      const read = (async () => {
        for await (const _change of stream) { /* what arrived before the end may come first */ }
      })()
      const outcome = await Promise.race([
        read.then(() => 'ended without an error', (error: Error & { code?: string }) => `${error.code}: ${error.message}`),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5000)),
      ])
      expect(outcome).toMatch(/^CONNECT_FAILED: unable to stream the replication slot .*: Connection terminated$/)
    } finally {
      process.off('uncaughtException', collectUncaught)
      await replication.end().catch(() => {})
      await runSql(db.url, `SELECT pg_drop_replication_slot('${slot}') FROM pg_replication_slots WHERE slot_name = '${slot}'`).catch(() => {})
      await db.drop()
    }
  }, 60_000)

  it('the archiver stores whole transactions in segments; after a crash between storing and confirming it resends nothing twice, and the archive replays to the source', async () => {
    const db = await createDatabase(url, { prefix: 'archive_src' })
    const copy = await createDatabase(url, { prefix: 'archive_copy' })
    await runSql(db.url, `
      CREATE TABLE accounts (id integer PRIMARY KEY, balance bigint NOT NULL);
      INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, 20) g;
      CREATE PUBLICATION pgkeep_all FOR ALL TABLES;`)
    const slot = `pgkeep_archive_${major}_${process.pid}`
    const dir = join(workDir, `archive-${major}`)
    const storage = fsStorage({ dir })
    const prefix = 'changes/'
    let commits = 0
    const transfer = async (i: number) => {
      await runSql(db.url, `BEGIN; UPDATE accounts SET balance = balance - ${i} WHERE id = ${1 + (i % 20)}; UPDATE accounts SET balance = balance + ${i} WHERE id = ${1 + ((i * 7) % 20)}; COMMIT;`)
      commits++
    }
    const segments: SegmentManifest[] = []
    const archivedTransactions = () => segments.reduce((n, m) => n + m.transactions, 0)
    const until = async (what: () => boolean) => { for (let i = 0; i < 600 && !what(); i++) await new Promise((r) => setTimeout(r, 50)); expect(what()).toBe(true) }
    const first = await connectForReplication({ connectionString: db.url })
    try {
      const created = await createSlotWithSnapshot(first, slot)
      const { file } = await dumpToFile({ connection: db.url, snapshot: created.snapshot })

      // run 1: a segment per commit (segmentSeconds 0); stopped by its signal
      const stop1 = new AbortController()
      const run1 = runArchiver({ replication: first, slot, publications: ['pgkeep_all'], storage, prefix, segmentSeconds: 0, signal: stop1.signal, onSegment: (m) => segments.push(m) })
      for (let i = 1; i <= 10; i++) await transfer(i)
      await until(() => archivedTransactions() === 10)
      const [at10] = await runSql<{ now: Date; rows: string }>(db.url, "SELECT clock_timestamp() AS now, string_agg(a::text, '|' ORDER BY id) AS rows FROM accounts a")
      stop1.abort()
      await run1
      await first.end()

      // run 2 "crashes" right after storing its first segment: stored, never confirmed
      for (let i = 11; i <= 15; i++) await transfer(i)
      const crashing: StorageDriver = { ...storage, put: async (key, body, o) => { const r = await storage.put(key, body, o); if (key.endsWith('.segment.json')) throw new Error('crash after storing'); return r } }
      const second = await connectForReplication({ connectionString: db.url })
      try {
        await expect(runArchiver({ replication: second, slot, publications: ['pgkeep_all'], storage: crashing, prefix, segmentSeconds: 0 })).rejects.toThrow('crash after storing')
      } finally {
        await second.end()
      }
      const afterCrash = await archivedUpTo(storage, prefix)

      // run 3: the server resends from the last confirmed position; what the archive holds is skipped
      for (let i = 16; i <= 20; i++) await transfer(i)
      const third = await connectForReplication({ connectionString: db.url })
      const stop3 = new AbortController()
      const later: SegmentManifest[] = []
      const run3 = runArchiver({ replication: third, slot, publications: ['pgkeep_all'], storage, prefix, segmentSeconds: 0, signal: stop3.signal, onSegment: (m) => later.push(m) })
      await until(() => later.reduce((n, m) => n + m.transactions, 0) === 9)
      stop3.abort()
      await run3
      await third.end()
      expect(afterCrash).toBeGreaterThan(0n)

      // every transaction once, in commit order, across all segments
      const all = await listSegments(storage, prefix)
      expect(all.reduce((n, s) => n + s.manifest.transactions, 0)).toBe(commits)
      let last = 0n
      for (const { key, manifest } of all) {
        for (const t of (await readSegment(storage, key, manifest)).transactions) {
          expect(t.commitLsn).toBeGreaterThan(last)
          last = t.commitLsn
        }
      }
      await restore(file, { target: copy.url })
      const replayed = await withClient(copy.url, (client) => replayArchive(client, storage, prefix))
      expect(replayed).toMatchObject({ transactions: commits, lastCommitLsn: last })
      const diff = await compareDatabases(db.url, copy.url)
      expect(diff.differences).toEqual([])

      // up to a time: the ten transfers committed before it, none after
      const earlier = await createDatabase(url, { prefix: 'archive_at10' })
      try {
        await restore(file, { target: earlier.url })
        const partial = await withClient(earlier.url, (client) => replayArchive(client, storage, prefix, new Date(at10!.now)))
        expect(partial.transactions).toBe(10)
        const [rows] = await runSql<{ rows: string }>(earlier.url, "SELECT string_agg(a::text, '|' ORDER BY id) AS rows FROM accounts a")
        expect(rows!.rows).toBe(at10!.rows)
      } finally {
        await earlier.drop()
      }
    } finally {
      await first.end().catch(() => {})
      await runSql(db.url, `SELECT pg_drop_replication_slot('${slot}') FROM pg_replication_slots WHERE slot_name = '${slot}'`).catch(() => {})
      await copy.drop()
      await db.drop()
    }
  }, 180_000)

  it('stopped with transactions waiting for their segment, the archiver stores them and confirms them before it ends', async () => {
    const db = await createDatabase(url, { prefix: 'archive_stop' })
    await runSql(db.url, 'CREATE TABLE notes (id integer PRIMARY KEY, body text); CREATE PUBLICATION pgkeep_all FOR ALL TABLES;')
    const slot = `pgkeep_stop_${major}_${process.pid}`
    const storage = fsStorage({ dir: join(workDir, `stop-${major}`) })
    const replication = await connectForReplication({ connectionString: db.url })
    try {
      await createSlotWithSnapshot(replication, slot)
      const stop = new AbortController()
      let waiting = 0
      // a segment an hour long: nothing is stored until the stop
      const run = runArchiver({ replication, slot, publications: ['pgkeep_all'], storage, prefix: 'changes/', segmentSeconds: 3600, signal: stop.signal, onPending: (n) => { waiting = n } })
      // between them transactions that change no published row (13 and 14 send them, empty): not archived
      for (let i = 1; i <= 3; i++) {
        await runSql(db.url, `INSERT INTO notes VALUES (${i}, 'note ${i}')`)
        await runSql(db.url, `CREATE TABLE ddl_${i} (i int)`)
        await runSql(db.url, 'ANALYZE notes')
      }
      for (let i = 0; i < 600 && waiting < 3; i++) await new Promise((r) => setTimeout(r, 50))
      expect(waiting).toBe(3)
      expect(await listSegments(storage, 'changes/')).toEqual([])
      stop.abort()
      expect((await run).reason).toBe('stopped')
      const [segment] = await listSegments(storage, 'changes/')
      expect(segment!.manifest.transactions).toBe(3)
      const [row] = await runSql<{ lsn: string }>(db.url, `SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = '${slot}'`)
      expect(parseLsn(row!.lsn)).toBeGreaterThanOrEqual(parseLsn(segment!.manifest.endLsn))
    } finally {
      await replication.end().catch(() => {})
      await runSql(db.url, `SELECT pg_drop_replication_slot('${slot}') FROM pg_replication_slots WHERE slot_name = '${slot}'`).catch(() => {})
      await db.drop()
    }
  }, 60_000)

  it('a server without wal_level = logical, or a role without REPLICATION, is refused with the fix named', async () => {
    const db = await createDatabase(url, { prefix: 'logical_role' })
    const role = `pgkeep_norepl_${process.pid}`
    await runSql(db.url, `CREATE ROLE ${role} LOGIN`)
    try {
      const error = await connectForReplication({ connectionString: db.url.replace('//postgres@', `//${role}@`) })
        .then(async (c) => { try { return await createSlotWithSnapshot(c, 'pgkeep_never') } finally { await c.end() } })
        .then(() => null, (e: unknown) => e)
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', hint: expect.stringContaining('REPLICATION') })
    } finally {
      await db.drop()
      await runSql(url, `DROP ROLE IF EXISTS ${role}`)
    }
  }, 60_000)
})

it('a server without wal_level = logical is refused with the setting named', async () => {
  const major = isEmbeddedMajor(pgDefault.major) ? pgDefault.major : 15
  const server = await startEmbeddedServer({ major, dataDir: join(workDir, 'replica'), settings: { wal_level: 'replica' } })
  try {
    const replication = await connectForReplication({ connectionString: server.url })
    try {
      const error = await createSlotWithSnapshot(replication, 'pgkeep_never').then(() => null, (e: unknown) => e)
      expect(error).toMatchObject({ code: 'SERVER_LIMIT', hint: expect.stringContaining('wal_level = logical') })
    } finally {
      await replication.end()
    }
  } finally {
    await server.stop()
  }
}, 120_000)
