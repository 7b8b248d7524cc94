// metrics(), metricsText() and the alerts, on a real PostgreSQL and a real folder: counters since the
// manager started (from its events) beside totals from the history and the bytes in storage, in JSON and
// in valid Prometheus text; alerts for a large backup, storage above a quota fraction and no successful
// backup for N hours, raised by checkAlerts() and after each backup and cleanup.
import { mkdtemp, readdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManagerOptions, type ManagerEvents } from '../../src/index'
import { exposition } from '../helpers/prometheus-text'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'metrics' })
  await runSql(db.url, "CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items SELECT g, repeat('x', 50) || g FROM generate_series(1, 2000) g")
}, 120_000)
afterAll(() => db?.drop())

const DAY = 24 * 3600_000

async function setup(extra: Partial<BackupManagerOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-metrics-'))
  const clock = { shift: 0 }
  const options = { connection: db.url, storage: fsStorage({ dir }), now: () => new Date(Date.now() + clock.shift), ...extra }
  const backups = createBackupManager(options)
  const alerts: ManagerEvents['alert'][] = []
  backups.on('alert', (a) => { alerts.push(a) })
  return { dir, clock, options, backups, alerts }
}

/** Bytes and count of the files under the key prefix, read from the folder itself. */
async function onDisk(dir: string): Promise<{ bytes: number; objects: number }> {
  let bytes = 0
  let objects = 0
  for (const f of await readdir(join(dir, 'backups'), { recursive: true })) {
    const s = await stat(join(dir, 'backups', String(f)))
    if (s.isFile()) { bytes += s.size; objects++ }
  }
  return { bytes, objects }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('backups.metrics', () => {
  it('counts since start from events, totals from history and storage, in JSON and Prometheus text', async () => {
    const { dir, clock, options, backups } = await setup({ rateLimit: { perActor: { max: 2, windowSeconds: 3600 } } })
    const empty = await backups.metrics()
    expect(empty.backups).toEqual({ manual: { success: 0, failure: 0 }, scheduled: { success: 0, failure: 0 } })
    expect(empty.history).toEqual({ backups: 0, byType: { manual: 0, scheduled: 0 }, bytes: 0, lastSuccessAt: null, last: null })
    expect(empty.storage).toEqual({ bytes: 0, objects: 0 })
    // a folder that exists and holds nothing yet is up: no backups is then the truth
    expect(empty.storageUp).toBe(true)
    expect(empty.storageError).toBeUndefined()

    const a = await backups.create({ createdBy: 'alice' })
    const b = await backups.create({ createdBy: 'alice' })
    await expect(backups.create({ createdBy: 'alice' })).rejects.toMatchObject({ code: 'RATE_LIMITED' })
    await expect(backups.create({ createdBy: 'bob', tables: ['no_such_table'] })).rejects.toMatchObject({ code: 'PATTERN_NO_MATCH' })
    const c = await backups.create({ type: 'scheduled' })
    await backups.remove(a.id)
    // Forty days on, cleanup deletes what the default retention (30 days) does not keep: all but the newest.
    clock.shift = 40 * DAY
    const cleaned = await backups.cleanup()
    expect(cleaned.deleted.map((r) => r.id)).toEqual([b.id])
    // One scheduled cleanup occurrence.
    const runs: ManagerEvents['schedule:run'][] = []
    backups.on('schedule:run', (e) => { runs.push(e) })
    const handle = backups.schedule({ backup: false, cleanup: '* * * * * *' })
    await until('a scheduled cleanup', () => runs.length > 0)
    await handle.stop()

    const m = await backups.metrics()
    expect(m.backups).toEqual({ manual: { success: 2, failure: 1 }, scheduled: { success: 1, failure: 0 } })
    expect(m.rateLimited).toBe(1)
    const made = [a, b, c]
    expect(m.durations).toEqual({ count: 3, sumMs: made.reduce((n, r) => n + r.metadata.duration, 0), maxMs: Math.max(...made.map((r) => r.metadata.duration)), lastMs: c.metadata.duration })
    expect(m.sizes).toEqual({ count: 3, sumBytes: made.reduce((n, r) => n + r.size, 0), maxBytes: Math.max(...made.map((r) => r.size)), lastBytes: c.size })
    expect(m.deletions).toEqual({ cleanup: 1, remove: 1 })
    expect(m.schedule.cleanup.ran).toBe(runs.filter((r) => r.outcome === 'ran').length)
    expect(m.schedule.backup.ran).toBe(0)
    const manifest = await backups.manifest(c.id)
    expect(m.history).toEqual({
      backups: 1, byType: { manual: 0, scheduled: 1 }, bytes: c.size, lastSuccessAt: new Date(manifest.completedAt),
      last: { id: c.id, type: 'scheduled', createdAt: c.createdAt, completedAt: new Date(manifest.completedAt), sizeBytes: c.size, durationMs: c.metadata.duration },
    })
    // Everything under the key prefix counts: the dump, its manifest, the audit objects, the schedule claims.
    expect(m.storage).toEqual(await onDisk(dir))
    expect(m.storage!.bytes).toBeGreaterThan(c.size)

    // A new instance starts its counters at zero but reads the same history and storage.
    const other = await createBackupManager({ ...options, storage: fsStorage({ dir }) }).metrics()
    expect(other.backups.manual.success).toBe(0)
    expect(other.deletions).toEqual({ cleanup: 0, remove: 0 })
    expect(other.history).toEqual(m.history)

    const text = await backups.metricsText()
    expect(exposition(text)).toEqual([])
    const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]))
    const sample = (name: string, labels: Record<string, string> = {}) =>
      families.get(name)?.metrics.find((s) => JSON.stringify(s.labels ?? {}) === JSON.stringify(labels))?.value
    expect(sample('pgkeep_backups_total', { type: 'manual', outcome: 'success' })).toBe('2')
    expect(sample('pgkeep_backups_total', { type: 'manual', outcome: 'failure' })).toBe('1')
    expect(sample('pgkeep_rate_limited_total')).toBe('1')
    expect(sample('pgkeep_deletions_total', { reason: 'cleanup' })).toBe('1')
    expect(sample('pgkeep_deletions_total', { reason: 'remove' })).toBe('1')
    expect(sample('pgkeep_backups', { type: 'scheduled' })).toBe('1')
    expect(Number(sample('pgkeep_last_success_timestamp_seconds'))).toBe(new Date(manifest.completedAt).getTime() / 1000)
    expect(Number(sample('pgkeep_storage_bytes'))).toBeGreaterThanOrEqual(m.storage!.bytes)
    expect(sample('pgkeep_storage_up')).toBe('1')
    expect(families.get('pgkeep_backup_duration_seconds')!.metrics[0]).toEqual({ sum: String(m.durations.sumMs / 1000), count: '3' })
  }, 60_000)
})

describe('alerts', () => {
  it('raises backup-size-above for a backup above the threshold', async () => {
    const { backups, alerts } = await setup({ alerts: { sizeAboveBytes: 1000 } })
    const record = await backups.create()
    expect(record.size).toBeGreaterThan(1000)
    await until('the alert', () => alerts.length > 0)
    expect(alerts[0]).toMatchObject({ kind: 'backup-size-above', detail: { id: record.id, size: record.size, thresholdBytes: 1000 } })
    expect(alerts[0]!.message).toContain(record.filename)
    const small = await setup({ alerts: { sizeAboveBytes: 100 * 1024 * 1024 } })
    await small.backups.create()
    expect(await small.backups.checkAlerts()).toEqual([])
    expect(small.alerts).toEqual([])
  }, 60_000)

  it('raises storage-quota above the fraction of the quota, after a backup, after cleanup and on checkAlerts()', async () => {
    const { dir, clock, options } = await setup()
    const first = await createBackupManager(options).create({ type: 'scheduled' })
    // A quota whose half lies between what one backup takes and what two take.
    const one = await onDisk(dir)
    const quota = 2 * (one.bytes + Math.floor(first.size / 2))
    const backups = createBackupManager({ ...options, storage: fsStorage({ dir }), retention: { maxAgeDays: 30, keepLast: 2 }, alerts: { storageQuotaBytes: quota, storageQuotaFraction: 0.5 } })
    const alerts: ManagerEvents['alert'][] = []
    backups.on('alert', (a) => { alerts.push(a) })
    expect(await backups.checkAlerts()).toEqual([])

    await backups.create({ type: 'scheduled' })
    await until('the alert after the backup', () => alerts.length > 0)
    const usage = await onDisk(dir)
    expect(usage.bytes).toBeGreaterThan(quota / 2)
    // Checked right after the backup's success, before its audit object is written: one object fewer.
    const seen = alerts[0]!.detail as { bytes: number; objects: number }
    expect(alerts[0]).toMatchObject({ kind: 'storage-quota', detail: { objects: usage.objects - 1, quotaBytes: quota, fraction: 0.5 } })
    expect(seen.bytes).toBeGreaterThan(quota / 2)
    expect(seen.bytes).toBeLessThan(usage.bytes)
    expect(alerts[0]!.message).toMatch(new RegExp(`^the backups take ${seen.bytes} bytes, [\\d.]+% of the ${quota}-byte quota \\(alert above 50%\\)$`))
    expect((await backups.checkAlerts()).map((a) => a.kind)).toEqual(['storage-quota'])

    // A third backup, then cleanup keeps the last two: still above, and the check after cleanup says so.
    await backups.create({ type: 'scheduled' })
    clock.shift = 40 * DAY
    await until('the alert after the third backup', () => alerts.length >= 2)
    let cleanedAt = -1
    backups.on('cleanup', () => { cleanedAt = alerts.length })
    expect((await backups.cleanup()).deleted).toHaveLength(1)
    await until('the alert after cleanup', () => cleanedAt >= 0 && alerts.length > cleanedAt)
    expect(alerts[cleanedAt]!.kind).toBe('storage-quota')
    // One backup removed: under the threshold again.
    const [newest, older] = await backups.list()
    expect(newest).toBeDefined()
    await backups.remove(older!.id)
    expect(await backups.checkAlerts()).toEqual([])
    expect((await backups.metrics()).alerts['storage-quota']).toBe(alerts.filter((a) => a.kind === 'storage-quota').length)
  }, 60_000)

  it('raises no-recent-success when no backup succeeded for N hours, on checkAlerts() and after a failed backup', async () => {
    const { clock, backups, alerts } = await setup({ alerts: { noSuccessForHours: 24 } })
    const [never] = await backups.checkAlerts()
    expect(never).toMatchObject({ kind: 'no-recent-success', detail: { lastSuccessAt: null, thresholdHours: 24 } })
    expect(never!.message).toContain('no successful backup at all')

    const record = await backups.create()
    expect(await backups.checkAlerts()).toEqual([])
    clock.shift = 23 * 3600_000
    expect(await backups.checkAlerts()).toEqual([])
    clock.shift = 30 * 3600_000
    const [late] = await backups.checkAlerts()
    const completedAt = (await backups.manifest(record.id)).completedAt
    expect(late).toMatchObject({ kind: 'no-recent-success', detail: { lastSuccessAt: completedAt, thresholdHours: 24 } })
    expect(late!.message).toMatch(/^no successful backup for 30 hours \(the last completed /)

    // A failed backup triggers the check by itself.
    const before = alerts.length
    await expect(backups.create({ tables: ['no_such_table'] })).rejects.toMatchObject({ code: 'PATTERN_NO_MATCH' })
    await until('the alert after the failure', () => alerts.length > before)
    expect(alerts[before]!.kind).toBe('no-recent-success')
    // A success ends it.
    await backups.create()
    expect(await backups.checkAlerts()).toEqual([])
  }, 60_000)

  it('raises nothing without the alerts option, and validates it', async () => {
    const { backups, alerts } = await setup()
    await backups.create()
    expect(await backups.checkAlerts()).toEqual([])
    expect(alerts).toEqual([])
    const bad = (a: unknown) => { try { createBackupManager({ connection: db.url, alerts: a } as never); return null } catch (e) { return e as Error } }
    expect(bad({ storageQuotaFraction: 1.5 })?.message).toContain('alerts.storageQuotaFraction')
    expect(bad({ noSuccessForHours: 0 })?.message).toContain('alerts.noSuccessForHours')
    expect(bad({ sizeAbove: 3 })?.message).toContain('alerts')
  }, 60_000)
})
