// The archiver ends a chain at a changed table definition: a Relation message that differs from the one
// the chain holds (a column added, a type changed, a table renamed) or names a table the base backup does
// not hold stops it before that transaction, with everything before it stored and confirmed, and the
// changed transaction left for the next reader. An identical Relation (pgoutput resends them each session
// and after each invalidation) does not. With and without a restart in between: after one, the archiver
// knows the chain's tables from its stored segments.
import { createDatabase, runSql, withClient } from '@pgkeep/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { ArchiverExit } from '../../src/logical/archiver-exit'
import { archivedUpTo, runArchiver, type ArchiverOptions } from '../../src/logical/archiver'
import { readSegment, type SegmentManifest } from '../../src/logical/change-segment'
import { streamChanges } from '../../src/logical/change-stream'
import { formatLsn, parseLsn } from '../../src/logical/lsn'
import { listSegments } from '../../src/logical/replay-archive'
import { connectForReplication } from '../../src/logical/replication-slot'
import { readTableDefinitions } from '../../src/logical/table-definitions'
import { fsStorage } from '../../src/storage/fs-storage'
import { dropSlotIfAny, logicalServers, until } from './logical-servers'

const env = await logicalServers('archiver-schema')
afterAll(() => env.stop())

const BASE = [{ schema: 'public', name: 'accounts' }]

const cases = [
  { ddl: 'ALTER TABLE accounts ADD COLUMN note text', write: "INSERT INTO accounts VALUES (100, 1, 'new')", after: 'DELETE FROM accounts WHERE id = 3', relation: 'public.accounts', detail: 'column added: note' },
  { ddl: 'ALTER TABLE accounts ALTER COLUMN balance TYPE numeric', write: 'UPDATE accounts SET balance = balance + 1 WHERE id = 1', after: 'DELETE FROM accounts WHERE id = 3', relation: 'public.accounts', detail: 'column balance changed type' },
  { ddl: 'ALTER TABLE accounts RENAME TO wallets', write: 'UPDATE wallets SET balance = 0 WHERE id = 2', after: 'DELETE FROM wallets WHERE id = 3', relation: 'public.wallets', detail: 'table renamed from public.accounts to public.wallets' },
  { ddl: 'ALTER TABLE accounts RENAME COLUMN balance TO amount', write: 'UPDATE accounts SET amount = 0 WHERE id = 2', after: 'DELETE FROM accounts WHERE id = 3', relation: 'public.accounts', detail: 'column renamed: balance → amount' },
  { ddl: 'CREATE TABLE extra (id integer PRIMARY KEY)', write: 'INSERT INTO extra VALUES (1)', after: 'DELETE FROM accounts WHERE id = 3', relation: 'public.extra', detail: 'new table: the base backup does not hold public.extra' },
]

describe.each(env.servers)('archiver schema changes on PostgreSQL $major', ({ url, major }) => {
  let n = 0
  /** A database with a table, a publication and a slot; the archiver's options for it. */
  async function source() {
    const db = await createDatabase(url, { prefix: 'archive_ddl' })
    await runSql(db.url, `
      CREATE TABLE accounts (id integer PRIMARY KEY, balance bigint NOT NULL);
      INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, 10) g;
      CREATE PUBLICATION pgkeep_all FOR ALL TABLES;`)
    const slot = `pgkeep_ddl_${major}_${process.pid}_${++n}`
    await runSql(db.url, `SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`)
    const storage = fsStorage({ dir: join(env.workDir, `${major}-${n}`) })
    const segments: SegmentManifest[] = []
    const options = (replication: ArchiverOptions['replication'], extra: Partial<ArchiverOptions> = {}): ArchiverOptions => ({
      replication, slot, publications: ['pgkeep_all'], storage, prefix: 'changes/', segmentSeconds: 0, baseTables: BASE, onSegment: (m) => segments.push(m), ...extra,
    })
    const withChanges = async () => {
      let count = 0
      for (const { key, manifest } of await listSegments(storage, 'changes/')) count += (await readSegment(storage, key, manifest)).transactions.filter((t) => t.changes.length > 0).length
      return count
    }
    const transfers = async (k: number) => {
      for (let i = 0; i < k; i++) await runSql(db.url, `BEGIN; UPDATE accounts SET balance = balance - 1 WHERE id = ${1 + i}; UPDATE accounts SET balance = balance + 1 WHERE id = ${2 + i}; COMMIT;`)
    }
    const cleanup = async () => { await dropSlotIfAny(db.url, slot); await db.drop() }
    return { db, slot, storage, segments, options, withChanges, transfers, cleanup }
  }

  /** The first transaction with changes the slot sends now (the archiver must have left it unconfirmed). */
  async function nextTransaction(dbUrl: string, slot: string): Promise<string[]> {
    const replication = await connectForReplication({ connectionString: dbUrl })
    try {
      const stream = streamChanges(replication, { slot, publications: ['pgkeep_all'] })
      const names = new Map<number, string>()
      let changes: string[] = []
      for await (const { message: m } of stream) {
        if (m.tag === 'relation') names.set(m.oid, `${m.schema}.${m.name}`)
        else if (m.tag === 'begin') changes = []
        else if (m.tag === 'insert' || m.tag === 'update' || m.tag === 'delete') changes.push(`${m.tag} ${names.get(m.relation)}`)
        else if (m.tag === 'commit' && changes.length > 0) break
      }
      await stream.end()
      return changes
    } finally {
      await replication.end()
    }
  }

  describe.each([false, true])('with a restart before the change: %s', (restart) => {
    it.each(cases)('$ddl then a write ends the chain before the write', async ({ ddl, write, after, relation, detail }) => {
      const s = await source()
      const first = await connectForReplication({ connectionString: s.db.url })
      try {
        const stop = new AbortController()
        const run = runArchiver(s.options(first, { signal: stop.signal }))
        run.catch(() => {}) // awaited below; a failure before then must not go unhandled
        await s.transfers(3)
        await until(async () => (await s.withChanges()) === 3)
        let exit: ArchiverExit
        if (restart) {
          stop.abort()
          expect(await run).toMatchObject({ reason: 'stopped' })
          await first.end()
          await runSql(s.db.url, ddl)
          await runSql(s.db.url, write)
          await runSql(s.db.url, after) // after the change: not archived either
          const second = await connectForReplication({ connectionString: s.db.url })
          try {
            exit = await runArchiver(s.options(second))
          } finally {
            await second.end()
          }
        } else {
          await runSql(s.db.url, ddl)
          await runSql(s.db.url, write)
          await runSql(s.db.url, after)
          exit = await run
        }
        expect(exit).toMatchObject({ reason: 'schema-change', relation, detail: expect.stringContaining(detail) })
        // the three transfers before it are stored, and confirmed; the changed transaction is not stored
        expect(await s.withChanges()).toBe(3)
        expect(exit.archivedUpTo).toBe(await archivedUpTo(s.storage, 'changes/'))
        const [slotRow] = await runSql<{ confirmed: string }>(s.db.url, `SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = '${s.slot}'`)
        expect(parseLsn(slotRow!.confirmed)).toBeGreaterThanOrEqual(exit.archivedUpTo)
        // …and the slot sends it again to whoever reads next
        const again = await nextTransaction(s.db.url, s.slot)
        expect(again[0]).toBe(`${write.startsWith('INSERT') ? 'insert' : 'update'} ${relation}`)
      } finally {
        await first.end().catch(() => {})
        await s.cleanup()
      }
    }, 120_000)
  })

  it('identical Relation messages (a new session, an index built, an unrelated table changed) do not end the chain', async () => {
    const s = await source()
    await runSql(s.db.url, 'CREATE TABLE other (id integer PRIMARY KEY)')
    const base = await withClient(s.db.url, (client) => readTableDefinitions(client))
    expect(base.find((t) => t.name === 'accounts')?.columns?.map((c) => c.name)).toEqual(['id', 'balance'])
    const first = await connectForReplication({ connectionString: s.db.url })
    try {
      const stop1 = new AbortController()
      const run1 = runArchiver(s.options(first, { baseTables: base, signal: stop1.signal }))
      await s.transfers(2)
      await until(async () => (await s.withChanges()) === 2)
      stop1.abort()
      expect(await run1).toMatchObject({ reason: 'stopped' })
      await first.end()

      // a new session: pgoutput sends accounts' Relation again, the same
      const second = await connectForReplication({ connectionString: s.db.url })
      const stop2 = new AbortController()
      const run2 = runArchiver(s.options(second, { baseTables: base, signal: stop2.signal }))
      await s.transfers(1)
      await runSql(s.db.url, 'CREATE INDEX ON accounts (balance)') // an invalidation: the Relation is resent
      await s.transfers(1)
      await runSql(s.db.url, 'ALTER TABLE other ADD COLUMN x text') // another table, never written
      await s.transfers(1)
      await until(async () => (await s.withChanges()) === 5)
      stop2.abort()
      const exit = await run2
      await second.end()
      expect(exit).toMatchObject({ reason: 'stopped' })
      expect(formatLsn(exit.archivedUpTo)).toBe(s.segments.at(-1)!.endLsn)
    } finally {
      await first.end().catch(() => {})
      await s.cleanup()
    }
  }, 120_000)

  it('with the base\'s column definitions, a change made before a table\'s first archived write is caught too', async () => {
    const s = await source()
    const base = await withClient(s.db.url, (client) => readTableDefinitions(client))
    await runSql(s.db.url, 'ALTER TABLE accounts ADD COLUMN note text')
    await runSql(s.db.url, "INSERT INTO accounts VALUES (50, 5, 'x')")
    const replication = await connectForReplication({ connectionString: s.db.url })
    try {
      const exit = await runArchiver(s.options(replication, { baseTables: base }))
      expect(exit).toMatchObject({ reason: 'schema-change', relation: 'public.accounts', detail: 'column added: note' })
      // nothing with a change is archived (13 and 14 also send the ALTER's own transaction, empty)
      expect(await s.withChanges()).toBe(0)
      expect(exit.archivedUpTo).toBe(await archivedUpTo(s.storage, 'changes/'))
    } finally {
      await replication.end()
      await s.cleanup()
    }
  }, 120_000)
})
