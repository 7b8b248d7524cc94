// backups.schedule() on a real PostgreSQL and a real folder: three managers (three app instances, each
// with its own storage object) on one database and one schedule make exactly one backup per occurrence;
// a late timer after the lock is released skips the occurrence; a run still going is never overlapped;
// a failed run raises an alert and the schedule goes on; the cleanup job runs cleanup(), waiting while a
// backup holds the backup lock; stop() ends cleanly; options are validated with the app's defaults.
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, withClient, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManager, type ManagerEvents } from '../../src/index'
import { createManagerContext } from '../../src/manager/context'
import { resolveManagerOptions } from '../../src/manager-options'
import { claimKey, runOccurrence } from '../../src/schedule/occurrence'
import { failure } from '../failure'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'sched' })
  await runSql(db.url, `CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g;
    CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 600000) g`)
}, 120_000)
afterAll(() => db?.drop())

const tempDir = () => mkdtemp(join(tmpdir(), 'pgkeep-sched-'))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

async function pgkeepSessions(): Promise<number> {
  const [row] = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${db.name}' AND application_name = 'pgkeep'`)
  return Number(row!.n)
}

type Run = ManagerEvents['schedule:run'] & { instance: number }

describe('backups.schedule', () => {
  it('Three managers on one database, one schedule: one backup per occurrence', async () => {
    const dir = await tempDir()
    // Three app instances: each its own manager and storage object over the same folder and database.
    const managers = [0, 1, 2].map(() => createBackupManager({ connection: db.url, storage: fsStorage({ dir }), dump: { tables: ['public.items'] } }))
    const runs: Run[] = []
    const alerts: ManagerEvents['alert'][] = []
    managers.forEach((m, instance) => {
      m.on('schedule:run', (e) => { runs.push({ ...e, instance }) })
      m.on('alert', (e) => { alerts.push(e) })
    })
    const handles = managers.map((m) => m.schedule({ backup: '*/3 * * * * *', cleanup: false, timezone: 'UTC' }))

    const next = handles[0]!.nextRuns(3)
    expect(next.cleanup).toEqual([])
    expect(next.backup).toHaveLength(3)
    for (const at of next.backup) expect(at.getUTCSeconds() % 3).toBe(0)
    expect(next.backup[1]!.getTime() - next.backup[0]!.getTime()).toBe(3000)

    // Every instance reports each occurrence; wait for four occurrences seen by all three.
    const complete = () => {
      const byOccurrence = new Map<number, number>()
      for (const r of runs) byOccurrence.set(r.scheduledFor.getTime(), (byOccurrence.get(r.scheduledFor.getTime()) ?? 0) + 1)
      return [...byOccurrence.values()].filter((n) => n === 3).length
    }
    await until('four complete occurrences', () => complete() >= 4, 30_000)
    await Promise.all(handles.map((h) => h.stop()))
    const stoppedAt = runs.length

    expect(alerts).toEqual([])
    const occurrences = new Map<number, Run[]>()
    for (const r of runs) occurrences.set(r.scheduledFor.getTime(), [...(occurrences.get(r.scheduledFor.getTime()) ?? []), r])
    // Exactly one instance ran each occurrence; each of the others skipped it (locked, or already done).
    for (const [at, seen] of occurrences) {
      const ran = seen.filter((r) => r.outcome === 'ran')
      expect(ran, new Date(at).toISOString()).toHaveLength(1)
      for (const r of seen.filter((s) => s !== ran[0])) expect(['skipped-running', 'skipped-done']).toContain(r.outcome)
      expect(new Set(seen.map((r) => r.instance)).size).toBe(seen.length)
    }
    // Consecutive occurrences, none missed.
    const times = [...occurrences.keys()].sort((a, b) => a - b)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(3000)

    // Storage holds exactly one scheduled backup per occurrence that ran, with the occurrence in its manifest.
    const fresh = createBackupManager({ connection: db.url, storage: fsStorage({ dir }) })
    const records = await fresh.list()
    const scheduledFor = await Promise.all(records.map(async (r) => (await fresh.manifest(r.id)).scheduledFor))
    expect(records.every((r) => r.type === 'scheduled' && r.createdBy === null)).toBe(true)
    expect(scheduledFor.map((s) => new Date(s!).getTime()).sort((a, b) => a - b)).toEqual(times)

    // stop() ended everything: no more runs, no claimed-but-unfinished backup, no session left open.
    await sleep(3500)
    expect(runs.length).toBe(stoppedAt)
    expect((await fresh.list()).length).toBe(records.length)
    expect((await readdir(dir, { recursive: true })).filter((f) => String(f).endsWith('.partial'))).toEqual([])
    expect(await pgkeepSessions()).toBe(0)
    expect(handles[0]!.nextRuns(2)).toEqual({ backup: [], cleanup: [] })
    // Setting and stopping the schedule are in the audit trail.
    const audit = await managers[0]!.auditLog({ action: 'schedule' })
    expect(audit.map((e) => e.detail?.event)).toEqual(expect.arrayContaining(['start', 'stop']))
  }, 60_000)

  it('skips an occurrence another instance ran, even when its timer fires after the lock was released', async () => {
    const dir = await tempDir()
    const options = resolveManagerOptions({ connection: db.url, storage: fsStorage({ dir }) })
    const a = createManagerContext(options)
    const b = createManagerContext(resolveManagerOptions({ connection: db.url, storage: fsStorage({ dir }) }))
    const occurrence = new Date('2026-03-01T02:00:00.000Z')

    // While A runs the occurrence, B cannot take the job's lock.
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    let aStarted = false
    const aRun = runOccurrence(a, 'backup', occurrence, async () => { aStarted = true; await held; return 'a' })
    await until('A to start', () => aStarted, 10_000)
    expect(await runOccurrence(b, 'backup', occurrence, async () => 'b')).toEqual({ outcome: 'skipped-running' })
    // Another job's lock is free meanwhile (a long backup never makes the cleanup skip).
    expect(await runOccurrence(b, 'cleanup', occurrence, async () => 'cleanup')).toEqual({ outcome: 'ran', value: 'cleanup' })
    release()
    expect(await aRun).toEqual({ outcome: 'ran', value: 'a' })

    // A's lock is released now; B's late timer finds the claim and skips, and says whose it was.
    let bRan = false
    const late = await runOccurrence(b, 'backup', occurrence, async () => { bRan = true })
    expect(bRan).toBe(false)
    expect(late.outcome).toBe('skipped-done')
    expect(late.outcome === 'skipped-done' && late.claim?.scheduledFor).toBe(occurrence.toISOString())
    expect(await a.storage.stat(claimKey(a, 'backup', occurrence))).not.toBeNull()

    // A failed run keeps its claim: a slower instance does not run the occurrence again.
    const failed = new Date('2026-03-02T02:00:00.000Z')
    await expect(runOccurrence(a, 'backup', failed, async () => { throw new Error('dump failed') })).rejects.toThrow('dump failed')
    expect((await runOccurrence(b, 'backup', failed, async () => 'again')).outcome).toBe('skipped-done')
    // The next occurrence is a new one.
    expect(await runOccurrence(b, 'backup', new Date('2026-03-03T02:00:00.000Z'), async () => 'next')).toEqual({ outcome: 'ran', value: 'next' })
    expect(await pgkeepSessions()).toBe(0)
  })

  it('never overlaps a run still going on the same instance', async () => {
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir: await tempDir() }), dump: { tables: ['public.items'] } })
    let running = 0
    let most = 0
    const runs: ManagerEvents['schedule:run'][] = []
    const spans: { start: number; end?: number }[] = []
    backups.on('backup:start', () => { most = Math.max(most, ++running); spans.push({ start: Date.now() }) })
    backups.on('backup:success', () => { running--; spans.at(-1)!.end = Date.now() })
    backups.on('schedule:run', (e) => { runs.push(e) })
    // The test holds the backup lock exclusively, so the first scheduled backup waits inside create(),
    // still running, while several one-second ticks come.
    await withClient(db.url, async (client) => {
      await client.query(`SELECT pg_advisory_lock(hashtextextended('pgkeep:backup:fs:backups/', 0))`)
      const handle = backups.schedule({ backup: '* * * * * *', cleanup: false })
      await until('the first backup to start', () => spans.length > 0, 10_000)
      await sleep(2600)
      expect(spans).toHaveLength(1)
      await client.query(`SELECT pg_advisory_unlock(hashtextextended('pgkeep:backup:fs:backups/', 0))`)
      await until('a second backup', () => spans.length >= 2 && spans[1]!.end !== undefined, 15_000)
      await handle.stop()
    })
    expect(spans[0]!.end! - spans[0]!.start).toBeGreaterThan(2500)
    expect(spans[1]!.start).toBeGreaterThanOrEqual(spans[0]!.end!)
    expect(most).toBe(1)
    // The ticks that came meanwhile were dropped by croner's protect before they reached the job: none
    // was reported (without protect they would show as 'skipped-running', from this instance's own lock).
    expect(runs.filter((r) => r.outcome !== 'ran')).toEqual([])
    expect(runs[1]!.scheduledFor.getTime() - runs[0]!.scheduledFor.getTime()).toBeGreaterThanOrEqual(3000)
    expect((await backups.list()).length).toBe(runs.length)
  }, 60_000)

  it('stop() waits for the occurrence that is running and ends the schedule', async () => {
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir: await tempDir() }), dump: { tables: ['public.big'] } })
    const order: string[] = []
    let stopping: Promise<void> | null = null
    backups.on('backup:success', () => { order.push('success') })
    const handle = backups.schedule({ backup: '* * * * * *', cleanup: false })
    backups.on('backup:start', () => {
      order.push('start')
      stopping ??= handle.stop().then(() => { order.push('stopped') })
    })
    await until('stop to be asked', () => stopping !== null, 10_000)
    expect(handle.isBusy()).toBe(true)
    await stopping
    expect(order).toEqual(['start', 'success', 'stopped'])
    expect(handle.isBusy()).toBe(false)
    const [record] = await backups.list()
    expect(record!.type).toBe('scheduled')
    await sleep(1500)
    expect(order).toEqual(['start', 'success', 'stopped'])
    expect(await backups.list()).toHaveLength(1)
    // A stopped schedule can be replaced by a new one.
    await backups.schedule({ backup: false, cleanup: false }).stop()
  }, 60_000)

  it('raises backup:failure and a scheduled-backup-failed alert on a failed run, and goes on', async () => {
    const flaky = await createDatabase(server.url, { prefix: 'sched_flaky' })
    try {
      const backups = createBackupManager({ connection: flaky.url, storage: fsStorage({ dir: await tempDir() }), dump: { tables: ['public.later'] } })
      const failures: ManagerEvents['backup:failure'][] = []
      const alerts: ManagerEvents['alert'][] = []
      const runs: ManagerEvents['schedule:run'][] = []
      backups.on('backup:failure', (e) => { failures.push(e) })
      backups.on('alert', (e) => { alerts.push(e) })
      backups.on('schedule:run', (e) => { runs.push(e) })
      const handle = backups.schedule({ backup: '* * * * * *', cleanup: false })
      await until('a failed run', () => alerts.length >= 1, 15_000)
      // The table appears: the following occurrences succeed.
      await runSql(flaky.url, 'CREATE TABLE later (id int); INSERT INTO later VALUES (1)')
      await until('a successful run', () => runs.some((r) => r.outcome === 'ran'), 15_000)
      await handle.stop()

      expect(failures[0]).toMatchObject({ type: 'scheduled', code: 'PATTERN_NO_MATCH', createdBy: null })
      const alert = alerts[0]!
      expect(alert.kind).toBe('scheduled-backup-failed')
      expect(alert.message).toMatch(/^the scheduled backup of \S+ failed: .*later/)
      expect(alert.detail).toMatchObject({ code: 'PATTERN_NO_MATCH' })
      const failedRun = runs.find((r) => r.outcome === 'failed')!
      expect(alert.detail!.scheduledFor).toBe(failedRun.scheduledFor.toISOString())
      const [record] = await backups.list()
      expect(record!.metadata.tables).toEqual(['public.later'])
      // The failure is in the audit trail too, unattributed (the scheduler).
      const audit = await backups.auditLog({ action: 'create' })
      expect(audit.some((e) => e.outcome === 'refused' && e.actor === null && e.detail?.code === 'PATTERN_NO_MATCH')).toBe(true)
    } finally {
      await flaky.drop()
    }
  }, 60_000)

  it('runs cleanup() on the cleanup schedule, trying again while a backup holds the backup lock', async () => {
    const dir = await tempDir()
    const clock = { now: new Date('2026-01-01T02:00:00Z') }
    const options = { connection: db.url, storage: fsStorage({ dir }), now: () => clock.now, dump: { tables: ['public.items'] }, retention: { maxAgeDays: 30 } }
    const maker = createBackupManager(options)
    const old = await maker.create({ type: 'scheduled' })
    clock.now = new Date('2026-01-02T02:00:00Z')
    const newest = await maker.create({ type: 'scheduled' })
    clock.now = new Date('2026-03-01T02:00:00Z')

    const backups: BackupManager = createBackupManager({ ...options, storage: fsStorage({ dir }) })
    const runs: ManagerEvents['schedule:run'][] = []
    const cleanups: ManagerEvents['cleanup'][] = []
    backups.on('schedule:run', (e) => { runs.push(e) })
    backups.on('cleanup', (e) => { cleanups.push(e) })

    // Another instance is writing a backup: it holds the backup lock shared, on its own session.
    await withClient(db.url, async (client) => {
      await client.query(`SELECT pg_advisory_lock_shared(hashtextextended('pgkeep:backup:fs:backups/', 0))`)
      const handle = backups.schedule({ backup: false, cleanup: '* * * * * *', busyRetryMs: 200 })
      expect(handle.backup).toBe(false)
      expect(handle.nextRuns(2).cleanup).toHaveLength(2)
      await until('a busy cleanup in the audit trail', async () => (await backups.auditLog({ action: 'cleanup' })).some((e) => e.detail?.busy === true), 15_000)
      expect(cleanups).toEqual([])
      await client.query(`SELECT pg_advisory_unlock_shared(hashtextextended('pgkeep:backup:fs:backups/', 0))`)
      await until('a cleanup', () => cleanups.length >= 1, 15_000)
      await handle.stop()
    })

    expect(cleanups[0]!.deleted.map((r) => r.id)).toEqual([old.id])
    // The occurrence that waited is reported once, as run; none was given up as busy.
    expect(runs[0]!.outcome).toBe('ran')
    expect(runs.filter((r) => r.outcome === 'busy' || r.outcome === 'failed')).toEqual([])
    expect((await backups.list()).map((r) => r.id)).toEqual([newest.id])
  }, 60_000)

  it('validates its options and has the app defaults: backups daily at 02:00, cleanup Sundays at 03:00', async () => {
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir: await tempDir() }) })
    expect((await failure(() => backups.schedule({ backup: '0 2 * *' }))).message).toMatch(/backup: .*not a cron pattern/)
    expect((await failure(() => backups.schedule({ cleanup: '61 * * * *' }))).message).toContain('cleanup')
    expect((await failure(() => backups.schedule({ timezone: 'Mars/Olympus_Mons' }))).message).toContain('timezone')
    expect((await failure(() => backups.schedule({ backup: '0 2 * * *', every: 3 } as never))).code).toBe('OPTIONS_INVALID')

    const handle = backups.schedule({ timezone: 'Europe/Berlin' })
    expect([handle.backup, handle.cleanup, handle.timezone]).toEqual(['0 2 * * *', '0 3 * * 0', 'Europe/Berlin'])
    expect((await failure(() => backups.schedule())).message).toContain('already has a schedule')
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    const { backup, cleanup } = handle.nextRuns(3)
    expect(backup.map((d) => local.format(d).slice(-5))).toEqual(['02:00', '02:00', '02:00'])
    expect(backup[1]!.getTime() - backup[0]!.getTime()).toBeGreaterThanOrEqual(23 * 3600_000)
    expect(cleanup.map((d) => local.format(d))).toEqual(['Sun 03:00', 'Sun 03:00', 'Sun 03:00'])
    await handle.stop()
    await handle.stop()
  })
})
