// An older chain whose base backup the manager would not use, beside a newer chain it would: a real
// signed chain ended by a schema change, the chain the archiver began after it (signed, naming the first
// as its previous chain), then the first base's manifest changed in the storage (tampered) and the first
// chain's slot left on the server as an interrupted drop leaves it. restore with until into the old
// chain's window is refused (latest({ until }) finds none, the base by id is BACKUP_UNTRUSTED), the lag
// is watched on the newer chain's slot, and the archiver resumes the newer chain and drops the old slot:
// the newer chain's signed manifest says which chain it replaced, and that chain's slot is the other one of
// the archive's two, whatever the old base's manifest now says. And a slot the server invalidated that only
// a planted chain names: dropped as any invalidated slot of the archive's, and said so, never taken for the
// trusted chain's. On real logical servers (one with max_slot_wal_keep_size) and folders.
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, isEmbeddedMajor, runSql, startEmbeddedServer } from '@pgkeep/testkit'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, type ManagerEvents, type StorageDriver } from '../../src/index'
import { chainPrefixOf } from '../../src/logical/chain'
import { plantChain } from './plant-chain'
import { readObject } from '../helpers/read-object'
import { archivedMarks, waitFor } from './ledger-workload'
import { dropSlotIfAny, logicalServers } from './logical-servers'

const env = await logicalServers('archive-previous-trust')
afterAll(() => env.stop())

const KEY = randomBytes(32).toString('hex')

/** A moment between two changes: 20 ms after the last, 20 ms before the next. */
async function moment(): Promise<Date> {
  await new Promise((resolve) => setTimeout(resolve, 20))
  const at = new Date()
  await new Promise((resolve) => setTimeout(resolve, 20))
  return at
}

async function tamper(storage: StorageDriver, storagePath: string): Promise<void> {
  const key = manifestKeyOf(storagePath)
  const manifest = JSON.parse((await readObject(storage, key)).toString('utf8')) as Record<string, unknown>
  manifest.createdBy = 'someone else'
  await storage.put(key, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]))
}

describe.each(env.servers)('an untrusted previous chain under a signing key, on PostgreSQL $major', ({ url }) => {
  it('is not restored to, not watched, and its leftover slot is dropped when the trusted chain after it resumes', async () => {
    const db = await createDatabase(url, { prefix: 'prev_trust' })
    await runSql(db.url, 'CREATE TABLE marks (n integer PRIMARY KEY); CREATE TABLE items (id integer PRIMARY KEY)')
    const storage = fsStorage({ dir: mkdtempSync(join(env.workDir, 'store-')) })
    const strict = () =>
      createBackupManager({ connection: db.url, storage, rateLimit: false, signing: { key: KEY, require: true }, archive: { segmentSeconds: 1 } })
    const slots: string[] = []
    try {
      // the first chain, a mark archived; a schema change; the second chain, a mark archived; stopped
      const first = strict()
      const chains: ManagerEvents['archive:chain'][] = []
      first.on('archive:chain', (e) => { chains.push(e) })
      const archiving = first.archive()
      await waitFor('the archive to stream', () => archiving.status().phase === 'streaming' || !archiving.status().running, 120_000)
      if (!archiving.status().running) await archiving.done
      const oldSlot = archiving.status().slot!
      slots.push(oldSlot, `${oldSlot}_2`)
      const old = await first.manifest(archiving.status().chainId!)
      await runSql(db.url, 'INSERT INTO marks VALUES (1)')
      const inOld = await moment()
      await runSql(db.url, 'INSERT INTO marks VALUES (2)')
      await waitFor('the marks of the first chain', async () => (await archivedMarks(storage, chainPrefixOf(old.storagePath))) === 2, 120_000)
      await runSql(db.url, 'ALTER TABLE items ADD COLUMN label text; INSERT INTO items VALUES (1, \'one\')')
      await waitFor('the chain after the schema change', () => chains.some((c) => c.reason === 'schema-change' && c.chainId !== null) || !archiving.status().running, 180_000)
      if (!archiving.status().running) await archiving.done
      const next = await first.manifest(chains.find((c) => c.reason === 'schema-change' && c.chainId !== null)!.chainId!)
      expect(next.changes).toMatchObject({ previousChain: old.id, slot: `${oldSlot}_2` })
      await runSql(db.url, 'INSERT INTO marks VALUES (3)')
      await waitFor('the mark of the second chain', async () => (await archivedMarks(storage, chainPrefixOf(next.storagePath))) === 1, 120_000)
      await archiving.stop()
      await archiving.done

      // the old base's manifest changed in the storage; the old slot back, as an interrupted drop leaves it
      await tamper(storage, old.storagePath)
      await runSql(db.url, `SELECT pg_create_logical_replication_slot('${oldSlot}', 'pgoutput')`)
      const m = strict()
      expect((await m.list()).map((r) => [r.id, r.signature])).toEqual([[next.id, 'valid'], [old.id, 'tampered']])

      // restore with until into the old chain's window: no trusted chain reaches it
      expect(await m.latest({ until: inOld })).toBeNull()
      const copy = await createDatabase(url, { prefix: 'prev_trust_copy' })
      try {
        await expect(m.restore(old.id, { target: copy.url, until: inOld })).rejects.toMatchObject({ code: 'BACKUP_UNTRUSTED' })
        expect(await runSql(copy.url, "SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toEqual([{ n: 0 }])
      } finally {
        await copy.drop()
      }
      // the lag watched is the newer chain's slot
      expect((await m.metrics()).archive).toMatchObject({ slot: `${oldSlot}_2`, exists: true })

      // the restart resumes the newer chain and drops the old chain's leftover slot, saying so
      const resumed = strict()
      const starts: ManagerEvents['archive:start'][] = []
      const events: ManagerEvents['archive:chain'][] = []
      resumed.on('archive:start', (e) => { starts.push(e) })
      resumed.on('archive:chain', (e) => { events.push(e) })
      const again = resumed.archive()
      try {
        await waitFor('the archive to resume', () => starts.length > 0 || !again.status().running, 120_000)
        if (!again.status().running) await again.done
        expect(starts[0]).toMatchObject({ chainId: next.id, resumed: true, slot: `${oldSlot}_2` })
        expect(events).toEqual([expect.objectContaining({ reason: 'slot-without-chain', slot: oldSlot, chainId: null })])
        expect(events[0]!.message).toContain(`chain ${next.id} replaced the one that used it`)
        expect(await runSql(db.url, `SELECT slot_name FROM pg_replication_slots WHERE slot_name = '${oldSlot}'`)).toEqual([])
        await runSql(db.url, 'INSERT INTO marks VALUES (4)')
        await waitFor('the mark after the restart', async () => (await archivedMarks(storage, chainPrefixOf(next.storagePath))) === 2, 120_000)
      } finally {
        if (again.status().running) await again.stop().catch(() => {})
        await again.done.catch(() => {})
      }
    } finally {
      for (const slot of slots) await dropSlotIfAny(db.url, slot)
      await db.drop()
    }
  }, 300_000)
})

describe('an invalidated slot only an untrusted chain names, under a signing key', () => {
  it('is dropped and named as such when the archiver begins a new chain; the trusted chain\'s slot is said to be gone, not invalidated', async () => {
    const major = inject('pgDefault').major
    if (!isEmbeddedMajor(major)) return
    const own = await startEmbeddedServer({ major, dataDir: join(env.workDir, 'pg-lost'), settings: { max_slot_wal_keep_size: '1MB', wal_keep_size: 0 } })
    try {
      const db = await createDatabase(own.url, { prefix: 'lost_trust' })
      await runSql(db.url, 'CREATE TABLE marks (n integer PRIMARY KEY); CREATE TABLE notes (k integer, v text); ALTER TABLE notes REPLICA IDENTITY FULL')
      const storage = fsStorage({ dir: mkdtempSync(join(env.workDir, 'store-lost-')) })
      const strict = () =>
        createBackupManager({ connection: db.url, storage, rateLimit: false, signing: { key: KEY, require: true }, archive: { segmentSeconds: 1 } })
      // the real chain, signed, stopped with its slot dropped
      const first = strict()
      const archiving = first.archive()
      await waitFor('the archive to stream', () => archiving.status().phase === 'streaming' || !archiving.status().running, 120_000)
      if (!archiving.status().running) await archiving.done
      const slot = archiving.status().slot!
      const real = archiving.status().chainId!
      await archiving.stop({ dropSlot: true })
      await archiving.done
      // the archive's other slot, named by a planted (unsigned) chain base only, then invalidated
      const other = `${slot}_2`
      await runSql(db.url, `SELECT pg_create_logical_replication_slot('${other}', 'pgoutput')`)
      const planted = await createBackupManager({ connection: db.url, storage }).create()
      await plantChain(storage, planted.storagePath, other)
      await waitFor('the slot to be lost', async () => {
        const [row] = await runSql<{ wal_status: string }>(db.url, `SELECT wal_status FROM pg_replication_slots WHERE slot_name = '${other}'`)
        if (row?.wal_status !== 'lost') await runSql(db.url, "INSERT INTO notes SELECT g, repeat('x', 1000) FROM generate_series(1, 3000) g; SELECT pg_switch_wal(); CHECKPOINT;")
        return row?.wal_status === 'lost'
      }, 120_000)

      const manager = strict()
      const chains: ManagerEvents['archive:chain'][] = []
      manager.on('archive:chain', (e) => { chains.push(e) })
      const next = manager.archive()
      try {
        await waitFor('the new chain', () => chains.length > 0 || !next.status().running, 120_000)
        if (!next.status().running) await next.done
        expect(chains[0]).toMatchObject({ reason: 'slot-gone', slot })
        const message = chains[0]!.message
        expect(message).toContain(`the slot of the newest chain ${real} is gone`)
        expect(message).not.toMatch(/of the newest chain .* was invalidated/)
        expect(message).toContain(`the slot ${other}, invalidated by max_slot_wal_keep_size, was dropped (only the chain of backup ${planted.id} names it, and that base backup does not check out under the signing key)`)
        expect(await runSql(db.url, `SELECT slot_name FROM pg_replication_slots WHERE slot_name = '${other}'`)).toEqual([])
      } finally {
        if (next.status().running) await next.stop({ dropSlot: true }).catch(() => {})
        await next.done.catch(() => {})
        await dropSlotIfAny(db.url, slot)
        await dropSlotIfAny(db.url, other)
      }
      await db.drop()
    } finally {
      await own.stop()
    }
  }, 300_000)
})
