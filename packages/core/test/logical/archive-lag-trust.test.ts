// The archive slot the manager watches is the one the newest chain it would use names: under a signing
// key, a newer chain base planted by someone who can write the storage (unsigned while signing is required,
// or a signed manifest changed to name another slot) neither points the metrics and the `archive-lag`
// alert at its slot nor hides the lag of the real one; `backups-untrusted` names it. With only planted
// chains there is no archive to watch (unless alerts.archiveSlot names one). On a real logical server, a
// real signed chain from manager.archive() and a real folder.
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { createDatabase, runSql } from '@pgkeep/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, type BackupManagerOptions } from '../../src/index'
import { plantChain } from './plant-chain'
import { dropSlotIfAny, logicalServers, until } from './logical-servers'

const env = await logicalServers('archive-lag-trust')
afterAll(() => env.stop())

const KEY = randomBytes(32).toString('hex')
const LAG_BYTES = 256 * 1024

const metric = (text: string, name: string, slot: string): number | null => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{slot="${slot}"} `))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null
}

describe.each(env.servers)('the archive slot watched under a signing key, on PostgreSQL $major', ({ url, major }) => {
  it('is the newest trusted chain\'s: a planted newer chain base neither moves nor hides it', async () => {
    const db = await createDatabase(url, { prefix: 'lag_trust' })
    await runSql(db.url, 'CREATE TABLE events (id bigserial PRIMARY KEY, payload text)')
    const storage = fsStorage({ dir: mkdtempSync(join(env.workDir, 'store-')) })
    // a fresh manager per look: nothing cached from before a change in the storage
    const manager = (extra: Partial<BackupManagerOptions> = {}) =>
      createBackupManager({ connection: db.url, storage, rateLimit: false, alerts: { archiveLagBytes: LAG_BYTES, archiveLagSeconds: 3600 }, ...extra })
    const strict = () => manager({ signing: { key: KEY, require: true } })
    const decoyTampered = `decoy_tampered_${major}_${process.pid}`
    const decoyUnsigned = `decoy_unsigned_${major}_${process.pid}`
    let slot: string | null = null
    try {
      // the real chain, signed: archived, then stopped with its slot kept
      const archiving = strict().archive()
      await until(() => archiving.status().phase === 'streaming' || !archiving.status().running, 120_000)
      if (!archiving.status().running) await archiving.done // shows why it ended
      slot = archiving.status().slot!
      const chainId = archiving.status().chainId!
      await archiving.stop()
      await archiving.done
      expect((await strict().list()).find((r) => r.id === chainId)?.signature).toBe('valid')
      // nobody reads the slot while the writes go on: about 1 MB of WAL it keeps
      await runSql(db.url, `INSERT INTO events (payload) SELECT (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 32) i) FROM generate_series(1, 1000) g`)

      const lagAlert = async (m = strict()) => (await m.checkAlerts()).find((a) => a.kind === 'archive-lag')
      expect((await lagAlert())?.detail).toMatchObject({ slot, active: false })

      // planted after it: a signed backup whose manifest was changed to name a slot that does not exist
      // (tampered), and a newer unsigned one naming another (made by someone without the key)
      const tampered = await strict().create()
      await plantChain(storage, tampered.storagePath, decoyTampered)
      const unsigned = await createBackupManager({ connection: db.url, storage }).create()
      await plantChain(storage, unsigned.storagePath, decoyUnsigned)

      // signing required: both are passed over; the real slot is still watched, its lag still raised
      const m = strict()
      const checked = await m.checkAlerts()
      expect(checked.find((a) => a.kind === 'archive-lag')?.detail).toMatchObject({ slot, active: false })
      expect(checked.find((a) => a.kind === 'backups-untrusted')?.detail).toMatchObject({
        count: 2, backups: [{ id: unsigned.id, signature: 'unsigned' }, { id: tampered.id, signature: 'tampered' }],
      })
      const archive = (await m.metrics()).archive as { slot: string; exists: boolean; lagBytes: number }
      expect(archive).toMatchObject({ slot, exists: true })
      expect(archive.lagBytes).toBeGreaterThan(LAG_BYTES)
      const text = await m.metricsText()
      expect(metric(text, 'pgkeep_archive_slot_lag_bytes', slot)).toBeGreaterThan(LAG_BYTES)
      expect(text).not.toContain('decoy_')

      // signing not required: an unsigned backup is used (restore takes it too), so its chain is the newest;
      // the tampered one never is
      const lenient = manager({ signing: { key: KEY } })
      expect((await lenient.metrics()).archive).toMatchObject({ slot: decoyUnsigned, exists: false })
      expect(await lagAlert(lenient)).toBeUndefined()
      await storage.remove(manifestKeyOf(unsigned.storagePath))
      expect((await manager({ signing: { key: KEY } }).metrics()).archive).toMatchObject({ slot, exists: true })
      // without a key nothing is checked: the newest chain base is taken as it is
      expect((await manager().metrics()).archive).toMatchObject({ slot: decoyTampered, exists: false })

      // only planted chains: nothing to watch, unless alerts.archiveSlot names the slot
      const plantedOnly = fsStorage({ dir: mkdtempSync(join(env.workDir, 'planted-')) })
      const lone = await createBackupManager({ connection: db.url, storage: plantedOnly }).create()
      await plantChain(plantedOnly, lone.storagePath, decoyUnsigned)
      const onlyPlanted = createBackupManager({ connection: db.url, storage: plantedOnly, signing: { key: KEY, require: true } })
      expect((await onlyPlanted.metrics()).archive).toBeUndefined()
      expect((await onlyPlanted.checkAlerts()).map((a) => a.kind)).toEqual(['backups-untrusted'])
      const named = createBackupManager({ connection: db.url, storage: plantedOnly, signing: { key: KEY, require: true }, alerts: { archiveSlot: slot, archiveLagBytes: LAG_BYTES } })
      expect((await named.metrics()).archive).toMatchObject({ slot, exists: true })
    } finally {
      if (slot) await dropSlotIfAny(db.url, slot)
      await db.drop()
    }
  }, 240_000)
})
