// The slot lag metrics and the `archive-lag` alert on a real logical server: while the archiver reads,
// the slot is caught up and nothing is raised; stopped while writes continue, the slot keeps WAL, the
// metrics say so (inactive, bytes and seconds behind) and the alert fires; restarted, it catches up and
// the alert clears.
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql } from '@pgkeep/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManager } from '../../src/index'
import { runArchiver } from '../../src/logical/archiver'
import { chainPrefixOf } from '../../src/logical/chain'
import { parseLsn } from '../../src/logical/lsn'
import { listSegments } from '../../src/logical/replay-archive'
import { connectForReplication } from '../../src/logical/replication-slot'
import type { StorageDriver } from '../../src/storage/driver'
import { dropSlotIfAny, logicalServers, until } from './logical-servers'

const env = await logicalServers('archive-lag')
afterAll(() => env.stop())

const metric = (text: string, name: string, slot: string): number | null => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{slot="${slot}"} `))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null
}

describe.each(env.servers)('archive slot lag on PostgreSQL $major', ({ url, major }) => {
  it('the alert fires when the archiver is stopped and writes continue, and clears when it catches up', async () => {
    const db = await createDatabase(url, { prefix: 'archive_lag' })
    await runSql(db.url, 'CREATE TABLE events (id bigserial PRIMARY KEY, payload text); CREATE PUBLICATION pgkeep_all FOR ALL TABLES;')
    const slot = `pgkeep_lag_${major}_${process.pid}`
    await runSql(db.url, `SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`)
    const storage: StorageDriver = fsStorage({ dir: mkdtempSync(join(env.workDir, 'store-')) })
    const base = await createBackupManager({ connection: db.url, storage }).create()
    // the base of a chain reading that slot (what manager.archive() writes)
    const manifestKey = base.storagePath.replace(/\.sql\.gz$/, '.manifest.json')
    const chunks: Buffer[] = []
    for await (const c of await storage.get(manifestKey)) chunks.push(Buffer.from(c as Uint8Array))
    const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
    manifest.changes = { slot, publication: 'pgkeep_all', startLsn: '0/1000000' }
    await storage.put(manifestKey, Readable.from([Buffer.from(JSON.stringify(manifest))]))

    const byBytes = createBackupManager({ connection: db.url, storage, alerts: { archiveLagBytes: 512 * 1024, archiveLagSeconds: 3600 } })
    const bySeconds = createBackupManager({ connection: db.url, storage, alerts: { archiveLagBytes: 1024 ** 3, archiveLagSeconds: 1 } })
    const lagAlerts = async (m: BackupManager) => (await m.checkAlerts()).filter((a) => a.kind === 'archive-lag')
    // 1 KiB of random hex per row: TOAST cannot compress it, so each row puts about that much into the WAL
    const write = async (rows: number) => runSql(db.url, `INSERT INTO events (payload) SELECT (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 32) i) FROM generate_series(1, ${rows}) g`)
    const confirmedFlush = async () => (await runSql<{ lsn: string }>(db.url, `SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = '${slot}'`))[0]?.lsn
    const start = async () => {
      const replication = await connectForReplication({ connectionString: db.url })
      const stop = new AbortController()
      const run = runArchiver({ replication, slot, publications: ['pgkeep_all'], storage, prefix: chainPrefixOf(base.storagePath), segmentSeconds: 0, signal: stop.signal })
      run.catch(() => {})
      return async () => { stop.abort(); await run; await replication.end() }
    }
    try {
      // reading: caught up, active, nothing raised
      let stop = await start()
      await write(100)
      // caught up: the rows are in a stored segment (a small write's WAL can be within 64 KiB before the archiver has read it)
      await until(async () => {
        const archive = (await byBytes.metrics()).archive as { active: boolean; lagBytes: number; lastArchivedAt: Date | null } | undefined
        return archive !== undefined && archive.active && archive.lagBytes < 64 * 1024 && archive.lastArchivedAt !== null
      })
      expect(metric(await byBytes.metricsText(), 'pgkeep_archive_slot_active', slot)).toBe(1)
      expect(await lagAlerts(byBytes)).toEqual([])
      expect(metric(await byBytes.metricsText(), 'pgkeep_archive_slot_lag_seconds', slot)).toBe(0)

      // stopped while writes go on: the slot keeps their WAL
      await stop()
      const confirmedAtStop = await confirmedFlush()
      // the stop stored what was pending and confirmed it: the slot keeps no WAL the archive already holds
      const stored = (await listSegments(storage, chainPrefixOf(base.storagePath))).at(-1)!.manifest.endLsn
      expect(parseLsn(confirmedAtStop!)).toBeGreaterThanOrEqual(parseLsn(stored))
      await write(3000) // about 3 MB of WAL
      await until(async () => metric(await byBytes.metricsText(), 'pgkeep_archive_slot_active', slot) === 0)
      expect(await confirmedFlush()).toBe(confirmedAtStop) // nobody reads the slot now
      const text = await byBytes.metricsText()
      expect(metric(text, 'pgkeep_archive_slot_lag_bytes', slot)).toBeGreaterThan(512 * 1024)
      expect(metric(text, 'pgkeep_archive_slot_exists', slot)).toBe(1)
      expect(metric(text, 'pgkeep_archive_last_commit_timestamp_seconds', slot)).toBeGreaterThan(0)
      const [alert] = await lagAlerts(byBytes)
      expect(alert).toMatchObject({ detail: { slot, active: false, thresholdBytes: 512 * 1024 } })
      expect(alert!.message).toContain('no archiver is reading it')
      // and by time: behind the newest archived commit by more than a second while changes wait
      await new Promise((r) => setTimeout(r, 1500))
      expect(metric(await bySeconds.metricsText(), 'pgkeep_archive_slot_lag_seconds', slot)).toBeGreaterThan(1)
      expect(await lagAlerts(bySeconds)).toHaveLength(1)

      // restarted: it catches up and both clear
      stop = await start()
      await until(async () => (await lagAlerts(byBytes)).length === 0 && (await lagAlerts(bySeconds)).length === 0, 120_000)
      const after = await byBytes.metricsText()
      expect(metric(after, 'pgkeep_archive_slot_active', slot)).toBe(1)
      expect(metric(after, 'pgkeep_archive_slot_lag_bytes', slot)).toBeLessThanOrEqual(512 * 1024)
      await stop()
    } finally {
      await dropSlotIfAny(db.url, slot)
      await db.drop()
    }
  }, 180_000)
})
