// The chain the archiver resumes is one whose base backup the manager would use: under a signing key, a
// newer chain base planted by someone who can write the storage (unsigned while signing is required, or a
// signed manifest changed to name the archive's slot) is passed over, so the real chain goes on and stays
// restorable past the restart; `backups-untrusted` names what was passed over. A live slot that only a
// planted chain names is one no chain of this storage reads: refused, naming that chain, and left alone.
// On a real logical server, a real signed chain from manager.archive() and a real folder.
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { createDatabase, runSql } from '@pgkeep/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { createBackupManager, fsStorage, isPgkeepError, type ManagerEvents, type PgkeepError, type StorageDriver } from '../../src/index'
import { chainPrefixOf } from '../../src/logical/chain'
import { archivedMarks, waitFor } from './ledger-workload'
import { plantChain } from './plant-chain'
import { dropSlotIfAny, logicalServers } from './logical-servers'

const env = await logicalServers('archive-resume-trust')
afterAll(() => env.stop())

const KEY = randomBytes(32).toString('hex')

async function keysUnder(storage: StorageDriver, prefix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of storage.list(prefix)) keys.push(o.key)
  return keys
}

/** A moment between two changes: 20 ms after the last, 20 ms before the next. */
async function moment(): Promise<Date> {
  await new Promise((resolve) => setTimeout(resolve, 20))
  const at = new Date()
  await new Promise((resolve) => setTimeout(resolve, 20))
  return at
}

describe.each(env.servers)('the chain the archiver resumes under a signing key, on PostgreSQL $major', ({ url }) => {
  it('is the newest trusted chain naming the slot: planted newer chain bases naming it are passed over, and a slot only they name is refused', async () => {
    const db = await createDatabase(url, { prefix: 'resume_trust' })
    await runSql(db.url, 'CREATE TABLE marks (n integer PRIMARY KEY)')
    const storage = fsStorage({ dir: mkdtempSync(join(env.workDir, 'store-')) })
    // a fresh manager per start: nothing cached from before a change in the storage
    const strict = (on: StorageDriver = storage) =>
      createBackupManager({ connection: db.url, storage: on, rateLimit: false, signing: { key: KEY, require: true }, archive: { segmentSeconds: 1 } })
    let slot: string | null = null
    try {
      // the real chain, signed: one mark archived, then stopped with its slot kept
      const first = strict()
      const archiving = first.archive()
      await waitFor('the archive to stream', () => archiving.status().phase === 'streaming' || !archiving.status().running, 120_000)
      if (!archiving.status().running) await archiving.done // shows why it ended
      slot = archiving.status().slot!
      const real = await first.manifest(archiving.status().chainId!)
      const realPrefix = chainPrefixOf(real.storagePath)
      await runSql(db.url, 'INSERT INTO marks VALUES (1)')
      await waitFor('the first mark to be archived', async () => (await archivedMarks(storage, realPrefix)) === 1)
      await archiving.stop()
      await archiving.done
      expect((await first.list()).find((r) => r.id === real.id)?.signature).toBe('valid')

      // planted after it, both naming the live slot: a signed backup whose manifest was changed (tampered),
      // and a newer unsigned one (made by someone without the key)
      const tampered = await strict().create()
      await plantChain(storage, tampered.storagePath, slot)
      const unsigned = await createBackupManager({ connection: db.url, storage }).create()
      await plantChain(storage, unsigned.storagePath, slot)

      // the restart resumes the real chain: what follows lands in its folder, nothing under the planted ones
      const manager = strict()
      const starts: ManagerEvents['archive:start'][] = []
      const alerts: ManagerEvents['alert'][] = []
      manager.on('archive:start', (e) => { starts.push(e) })
      manager.on('alert', (e) => { alerts.push(e) })
      const again = manager.archive()
      try {
        await waitFor('the archive to resume', () => starts.length > 0 || !again.status().running, 120_000)
        if (!again.status().running) await again.done
        expect(starts[0]).toMatchObject({ chainId: real.id, resumed: true, slot })
        expect(again.status().chainId).toBe(real.id)
        const passedOver = alerts.find((a) => a.kind === 'backups-untrusted')
        expect(passedOver?.detail).toMatchObject({
          by: 'archive', count: 2, backups: [{ id: unsigned.id, signature: 'unsigned' }, { id: tampered.id, signature: 'tampered' }],
        })
        expect(passedOver?.message).toContain('the archiver passed over 2 newer chain base backups')
        await runSql(db.url, 'INSERT INTO marks VALUES (2)')
        const until = await moment()
        // a change after the moment, archived: every change before it is in storage
        await runSql(db.url, 'INSERT INTO marks VALUES (3)')
        await waitFor('the marks after the restart to be archived', async () => (await archivedMarks(storage, realPrefix)) === 3, 120_000)
        await again.stop()
        expect(await again.done).toMatchObject({ chainId: real.id, chainsStarted: [] })
        expect(await keysUnder(storage, chainPrefixOf(tampered.storagePath))).toEqual([])
        expect(await keysUnder(storage, chainPrefixOf(unsigned.storagePath))).toEqual([])

        // the real chain reaches a commit made after the restart
        const copy = await createDatabase(url, { prefix: 'resume_trust_copy' })
        try {
          await strict().restore(real.id, { target: copy.url, until })
          expect(await runSql<{ n: number }>(copy.url, 'SELECT n FROM marks ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }])
        } finally {
          await copy.drop()
        }
      } finally {
        if (again.status().running) await again.stop().catch(() => {})
        await again.done.catch(() => {})
      }

      // a storage where only a planted chain names the live slot: no chain of it reads the slot, so the
      // archiver refuses, naming the planted chain, and leaves the slot alone
      const plantedOnly = fsStorage({ dir: mkdtempSync(join(env.workDir, 'planted-')) })
      const lone = await createBackupManager({ connection: db.url, storage: plantedOnly }).create()
      await plantChain(plantedOnly, lone.storagePath, slot)
      const error = await strict(plantedOnly).archive().done.then(() => null, (e: unknown) => e)
      expect(isPgkeepError(error), String(error)).toBe(true)
      const e = error as PgkeepError
      expect(e.code, e.message).toBe('CONFLICT')
      expect(e.message).toContain(`the replication slot ${slot} exists, but no chain in this storage`)
      expect(e.message).toContain(`the chain of backup ${lone.id} names it, but that base backup does not check out under the signing key (unsigned, and signing is required), so it is not resumed`)
      expect(e.hint).toContain(`if backup ${lone.id} is yours`)
      expect(await runSql(db.url, `SELECT slot_name FROM pg_replication_slots WHERE slot_name = '${slot}'`)).toEqual([{ slot_name: slot }])
      expect(await keysUnder(plantedOnly, chainPrefixOf(lone.storagePath))).toEqual([])
    } finally {
      if (slot) await dropSlotIfAny(db.url, slot)
      await db.drop()
    }
  }, 300_000)
})
