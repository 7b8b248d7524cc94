// The change archive end to end, as a user runs it: manager.archive() while a ledger works, a schema
// change in the middle (a column added to a table the workload writes), and backups.restore(id, { until })
// to a moment before the change (on the first chain) and to one after it (on the chain the archiver began
// with a new base backup). Each restore must equal the source as it was at that moment.
// Logical decoding needs wal_level = logical: an embedded server of the default major.
import { join } from 'node:path'
import { createDatabase, runSql, withClient } from '@pgkeep/testkit'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, type BackupManager, type ManagerEvents } from '../../src/index'
import { chainPrefixOf } from '../../src/logical/chain'
import { fsStorage } from '../../src/storage/fs-storage'
import { logicalServers } from './logical-servers'
import { archivedMarks, Ledger, LEDGER_ACCOUNTS, LEDGER_SCHEMA, waitFor } from './ledger-workload'

// an embedded server of the default major with wal_level = logical (logical-servers.ts)
const logical = await logicalServers('archive-ddl')
const { workDir } = logical
const server = logical.servers.find((s) => s.major === inject('pgDefault').major) ?? logical.servers[0]!
afterAll(() => logical.stop())

/** The ledger's state as text: every account row (all its columns) and the ledger's ids. */
const STATE_SQL = `SELECT (SELECT json_agg(a ORDER BY id) FROM accounts a)::text AS accounts,
                          (SELECT count(*) || ':' || coalesce(sum(id), 0) FROM ledger) AS ledger`

async function stateOf(url: string): Promise<{ accounts: string; ledger: string }> {
  const [row] = await runSql<{ accounts: string; ledger: string }>(url, STATE_SQL)
  return row!
}

function recordEvents<E extends keyof ManagerEvents>(manager: BackupManager, event: E): ManagerEvents[E][] {
  const seen: ManagerEvents[E][] = []
  manager.on(event, (e) => { seen.push(e) })
  return seen
}

/** A moment after everything committed so far and before anything committed next. */
async function moment(): Promise<Date> {
  await new Promise((resolve) => setTimeout(resolve, 20))
  const at = new Date()
  await new Promise((resolve) => setTimeout(resolve, 20))
  return at
}

describe(`manager.archive() across a schema change, restored with until, on PostgreSQL ${server.major}`, () => {
  it('ends the chain at the change, begins a new one with a new base backup, and restores to a moment before and after it', async () => {
    const db = await createDatabase(server.url, { prefix: 'archive_ddl' })
    const storage = fsStorage({ dir: join(workDir, 'store') })
    const manager = createBackupManager({ connectionString: db.url, storage, archive: { segmentSeconds: 1 } })
    await runSql(db.url, LEDGER_SCHEMA)
    const chains = recordEvents(manager, 'archive:chain')
    const starts = recordEvents(manager, 'archive:start')
    const handle = manager.archive()
    try {
      const marksIn = async (chainId: string) => archivedMarks(storage, chainPrefixOf((await manager.get(chainId)).storagePath))
      await withClient(db.url, async (conn) => {
        const ledger = new Ledger(conn)
        await waitFor('the archive to start', () => starts.length > 0 || !handle.status().running, 120_000)
        if (!handle.status().running) await handle.done
        const first = starts[0]!.chainId

        await ledger.transfers(30)
        const before = await moment()
        const stateBefore = await stateOf(db.url)
        await ledger.transfers(5)
        let mark = await ledger.mark()
        await waitFor('the first chain to hold the mark', async () => (await marksIn(first)) >= mark, 120_000)

        // the change: a column added to a table the workload writes, then a write to it
        await runSql(db.url, 'ALTER TABLE accounts ADD COLUMN branch text')
        await ledger.transfers(3)
        await waitFor('a new chain after the schema change', () => chains.some((c) => c.reason === 'schema-change' && c.chainId !== null) || !handle.status().running, 180_000)
        if (!handle.status().running) await handle.done
        const gap = chains.find((c) => c.reason === 'schema-change' && c.chainId === null)!
        expect(gap).toMatchObject({ pitrGap: true, previousChain: first })
        expect(gap.message).toMatch(/public\.accounts/)
        const second = chains.find((c) => c.reason === 'schema-change' && c.chainId !== null)!.chainId!
        expect(second).not.toBe(first)
        expect((await manager.manifest(second)).changes).toMatchObject({ previousChain: first })

        await runSql(db.url, "UPDATE accounts SET branch = 'north' WHERE id <= 5")
        await ledger.transfers(20)
        const after = await moment()
        const stateAfter = await stateOf(db.url)
        await ledger.transfers(5)
        mark = await ledger.mark()
        await waitFor('the second chain to hold the mark', async () => (await marksIn(second)) >= 1, 120_000)

        await handle.stop({ dropSlot: true })
        await handle.done

        // each chain's window: the first ends before the change, the second reaches past `after`
        const [r1, r2] = [await manager.get(first), await manager.get(second)]
        expect(r1.recoverable?.until).toBeInstanceOf(Date)
        expect(r1.recoverable!.until!.getTime()).toBeGreaterThanOrEqual(before.getTime())
        expect(r2.recoverable!.until!.getTime()).toBeGreaterThan(after.getTime())

        for (const [id, until, expected] of [[first, before, stateBefore], [second, after, stateAfter]] as const) {
          const copy = await createDatabase(server.url, { prefix: 'archive_ddl_copy' })
          try {
            const summary = await manager.restore(id, { target: copy.url, until })
            expect(summary.replay?.transactions).toBeGreaterThan(0)
            expect(await stateOf(copy.url)).toEqual(expected)
            const [total] = await runSql<{ total: string }>(copy.url, 'SELECT sum(balance)::text AS total FROM accounts')
            expect(total!.total).toBe(String(LEDGER_ACCOUNTS * 1000))
          } finally {
            await copy.drop()
          }
        }
        // a moment after the change is not in the first chain's window
        const empty = await createDatabase(server.url, { prefix: 'archive_ddl_copy' })
        try {
          await expect(manager.restore(first, { target: empty.url, until: after })).rejects.toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringMatching(/recoverable/) })
          const [left] = await runSql<{ n: string }>(empty.url, "SELECT count(*)::text AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace")
          expect(left!.n).toBe('0')
        } finally {
          await empty.drop()
        }
      })
    } finally {
      if (handle.status().running) await handle.stop({ dropSlot: true }).catch(() => {})
      await handle.done.catch(() => {})
      await db.drop()
    }
  }, 600_000)
})
