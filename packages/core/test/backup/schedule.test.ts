// backups.schedule() on a real PostgreSQL and a real folder. Occurrences are driven with fixed dates
// through runOccurrence (one occurrence across instances) and runJob (what a cron trigger does: the
// run, its report, the alert, the busy cleanup's retries), so no test waits on the clock but one: a
// short real-clock smoke test of the cron wiring. Covered: three instances on one database make exactly
// one backup per occurrence; a late timer after the lock was released skips the occurrence; a run still
// going is never overlapped; a failed run raises an alert and the next occurrence runs; the cleanup job
// waits while a backup holds the backup lock; stop() waits for the running occurrence and ends the
// schedule; options are validated with the app's defaults.
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, withClient, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManager, type BackupManagerOptions, type ManagerEvents } from '../../src/index'
import { createManagerContext, type ManagerContext } from '../../src/manager/context'
import { resolveManagerOptions } from '../../src/manager-options'
import { claimKey, runOccurrence } from '../../src/schedule/occurrence'
import { runJob } from '../../src/schedule/schedule'
import { resolveScheduleOptions } from '../../src/schedule/schedule-options'
import { failure } from '../failure'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'sched' })
  await runSql(db.url, "CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g")
}, 120_000)
afterAll(() => db?.drop())

const tempDir = () => mkdtemp(join(tmpdir(), 'pgkeep-sched-'))
/** The backup lock of a folder store with the default key prefix, as another instance would hold it. */
const BACKUP_LOCK = "hashtextextended('pgkeep:backup:fs:backups/', 0)"

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function pgkeepSessions(): Promise<number> {
  const [row] = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${db.name}' AND application_name = 'pgkeep'`)
  return Number(row!.n)
}

/** One app instance: a manager and the context a schedule trigger runs in, each with its own storage object over `dir`. */
function instance(dir: string, extra: Partial<BackupManagerOptions> = {}): { backups: BackupManager; ctx: ManagerContext } {
  const options = { connection: db.url, dump: { tables: ['public.items'] }, ...extra }
  return {
    backups: createBackupManager({ ...options, storage: fsStorage({ dir }) }),
    ctx: createManagerContext(resolveManagerOptions({ ...options, storage: fsStorage({ dir }) })),
  }
}

describe('backups.schedule', () => {
  it('three instances on one database, one occurrence at a time: exactly one backup per occurrence', async () => {
    const dir = await tempDir()
    const instances = [0, 1, 2].map(() => instance(dir))
    const occurrences = ['2026-03-01T02:00:00.000Z', '2026-03-02T02:00:00.000Z', '2026-03-03T02:00:00.000Z', '2026-03-04T02:00:00.000Z'].map((t) => new Date(t))
    for (const at of occurrences) {
      // Every instance's timer fires for the occurrence at the same moment.
      const results = await Promise.all(instances.map(({ backups, ctx }) =>
        runOccurrence(ctx, 'backup', at, () => backups.create({ type: 'scheduled', scheduledFor: at }))))
      const ran = results.filter((r) => r.outcome === 'ran')
      expect(ran, at.toISOString()).toHaveLength(1)
      for (const r of results.filter((s) => s.outcome !== 'ran')) expect(['skipped-running', 'skipped-done']).toContain(r.outcome)
    }

    // Storage holds exactly one scheduled backup per occurrence, with the occurrence in its manifest.
    const fresh = createBackupManager({ connection: db.url, storage: fsStorage({ dir }) })
    const records = await fresh.list()
    expect(records.every((r) => r.type === 'scheduled' && r.createdBy === null)).toBe(true)
    const scheduledFor = await Promise.all(records.map(async (r) => (await fresh.manifest(r.id)).scheduledFor))
    expect(scheduledFor.sort()).toEqual(occurrences.map((d) => d.toISOString()))
    expect((await readdir(dir, { recursive: true })).filter((f) => String(f).endsWith('.partial'))).toEqual([])
    expect(await pgkeepSessions()).toBe(0)
  })

  it('skips an occurrence another instance ran, even when its timer fires after the lock was released; never overlaps a run still going', async () => {
    const dir = await tempDir()
    const a = createManagerContext(resolveManagerOptions({ connection: db.url, storage: fsStorage({ dir }) }))
    const b = createManagerContext(resolveManagerOptions({ connection: db.url, storage: fsStorage({ dir }) }))
    const occurrence = new Date('2026-03-01T02:00:00.000Z')

    // While A runs the occurrence, B cannot take the job's lock, and neither can A's own next occurrence.
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    let aStarted = false
    const aRun = runOccurrence(a, 'backup', occurrence, async () => { aStarted = true; await held; return 'a' })
    await until('A to start', () => aStarted, 10_000)
    expect(await runOccurrence(b, 'backup', occurrence, async () => 'b')).toEqual({ outcome: 'skipped-running' })
    expect(await runOccurrence(a, 'backup', new Date('2026-03-01T02:00:01.000Z'), async () => 'overlap')).toEqual({ outcome: 'skipped-running' })
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

  it('reports a failed run as backup:failure and a scheduled-backup-failed alert; the next occurrence runs', async () => {
    const flaky = await createDatabase(server.url, { prefix: 'sched_flaky' })
    try {
      const options = { connection: flaky.url, storage: fsStorage({ dir: await tempDir() }), dump: { tables: ['public.later'] } }
      const backups = createBackupManager(options)
      const ctx = createManagerContext(resolveManagerOptions(options))
      const o = resolveScheduleOptions({ backup: '0 2 * * *', cleanup: false })
      const work = { backup: (at: Date) => backups.create({ type: 'scheduled', scheduledFor: at }), cleanup: () => backups.cleanup() }
      const failures: ManagerEvents['backup:failure'][] = []
      const alerts: ManagerEvents['alert'][] = []
      const runs: ManagerEvents['schedule:run'][] = []
      backups.on('backup:failure', (e) => { failures.push(e) })
      ctx.events.on('alert', (e) => { alerts.push(e) })
      ctx.events.on('schedule:run', (e) => { runs.push(e) })
      const first = new Date('2026-03-01T02:00:00.000Z')
      const second = new Date('2026-03-02T02:00:00.000Z')

      await runJob(ctx, o, 'backup', first, work, new AbortController().signal)
      // The table appears: the next occurrence succeeds.
      await runSql(flaky.url, 'CREATE TABLE later (id int); INSERT INTO later VALUES (1)')
      await runJob(ctx, o, 'backup', second, work, new AbortController().signal)

      expect(runs.map((r) => [r.job, r.scheduledFor.toISOString(), r.outcome])).toEqual([['backup', first.toISOString(), 'failed'], ['backup', second.toISOString(), 'ran']])
      expect(failures).toHaveLength(1)
      expect(failures[0]).toMatchObject({ type: 'scheduled', code: 'PATTERN_NO_MATCH', createdBy: null })
      expect(alerts).toHaveLength(1)
      const alert = alerts[0]!
      expect(alert.kind).toBe('scheduled-backup-failed')
      expect(alert.message).toMatch(/^the scheduled backup of 2026-03-01T02:00:00\.000Z failed: .*later/)
      expect(alert.detail).toMatchObject({ code: 'PATTERN_NO_MATCH', scheduledFor: first.toISOString() })
      const [record] = await backups.list()
      expect(record!.metadata.tables).toEqual(['public.later'])
      expect((await backups.manifest(record!.id)).scheduledFor).toBe(second.toISOString())
      // The failure is in the audit trail too, unattributed (the scheduler).
      const audit = await backups.auditLog({ action: 'create' })
      expect(audit.some((e) => e.outcome === 'refused' && e.actor === null && e.detail?.code === 'PATTERN_NO_MATCH')).toBe(true)
    } finally {
      await flaky.drop()
    }
  })

  it('runs cleanup() for a cleanup occurrence, trying again while a backup holds the backup lock', async () => {
    const dir = await tempDir()
    const clock = { now: new Date('2026-01-01T02:00:00Z') }
    const options = { connection: db.url, now: () => clock.now, dump: { tables: ['public.items'] }, retention: { maxAgeDays: 30 } }
    const maker = createBackupManager({ ...options, storage: fsStorage({ dir }) })
    const old = await maker.create({ type: 'scheduled' })
    clock.now = new Date('2026-01-02T02:00:00Z')
    const newest = await maker.create({ type: 'scheduled' })
    clock.now = new Date('2026-03-01T02:00:00Z')

    const { backups, ctx } = instance(dir, options)
    const o = resolveScheduleOptions({ backup: false, cleanup: '0 3 * * 0', busyRetryMs: 50 })
    const work = { backup: () => Promise.reject(new Error('no backups in this test')), cleanup: () => backups.cleanup() }
    const runs: ManagerEvents['schedule:run'][] = []
    const cleanups: ManagerEvents['cleanup'][] = []
    ctx.events.on('schedule:run', (e) => { runs.push(e) })
    backups.on('cleanup', (e) => { cleanups.push(e) })
    const occurrence = new Date('2026-03-01T03:00:00.000Z')

    // Another instance is writing a backup: it holds the backup lock shared, on its own session.
    await withClient(db.url, async (client) => {
      await client.query(`SELECT pg_advisory_lock_shared(${BACKUP_LOCK})`)
      const job = runJob(ctx, o, 'cleanup', occurrence, work, new AbortController().signal)
      // Two busy attempts in the audit trail: the job is retrying, and has deleted nothing.
      await until('two busy cleanups in the audit trail', async () => (await backups.auditLog({ action: 'cleanup' })).filter((e) => e.detail?.busy === true).length >= 2, 15_000)
      expect(cleanups).toEqual([])
      expect(runs).toEqual([])
      await client.query(`SELECT pg_advisory_unlock_shared(${BACKUP_LOCK})`)
      await job
    })

    expect(cleanups).toHaveLength(1)
    expect(cleanups[0]!.deleted.map((r) => r.id)).toEqual([old.id])
    // The occurrence that waited is reported once, as run; it was not given up as busy.
    expect(runs.map((r) => [r.job, r.scheduledFor.toISOString(), r.outcome])).toEqual([['cleanup', occurrence.toISOString(), 'ran']])
    expect((await backups.list()).map((r) => r.id)).toEqual([newest.id])
  })

  it('gives a busy cleanup up after its retries, and stops retrying when the schedule stops', async () => {
    const { backups, ctx } = instance(await tempDir())
    const work = { backup: () => Promise.reject(new Error('no backups in this test')), cleanup: () => backups.cleanup() }
    const runs: ManagerEvents['schedule:run'][] = []
    ctx.events.on('schedule:run', (e) => { runs.push(e) })
    await withClient(db.url, async (client) => {
      await client.query(`SELECT pg_advisory_lock_shared(${BACKUP_LOCK})`)
      await runJob(ctx, resolveScheduleOptions({ backup: false, busyRetryMs: 10, busyRetries: 2 }), 'cleanup', new Date('2026-03-01T03:00:00.000Z'), work, new AbortController().signal)
      // Stopping the schedule ends the wait at once, however long the retry interval.
      const stopping = new AbortController()
      const waiting = runJob(ctx, resolveScheduleOptions({ backup: false, busyRetryMs: 3_600_000 }), 'cleanup', new Date('2026-03-08T03:00:00.000Z'), work, stopping.signal)
      await until("the second occurrence's first busy attempt", async () => (await backups.auditLog({ action: 'cleanup' })).filter((e) => e.detail?.busy === true).length >= 4, 15_000)
      stopping.abort()
      await waiting
      await client.query(`SELECT pg_advisory_unlock_shared(${BACKUP_LOCK})`)
    })
    expect(runs.map((r) => r.outcome)).toEqual(['busy', 'busy'])
    const audit = await backups.auditLog({ action: 'cleanup' })
    // 1 + 2 retries for the first occurrence, 1 for the second before the stop.
    expect(audit.filter((e) => e.detail?.busy === true)).toHaveLength(4)
  })

  it('real clock (the one test on it): a cron trigger backs up its occurrence once, drops ticks while busy, and stop() waits for the run and ends the schedule', async () => {
    const dir = await tempDir()
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), dump: { tables: ['public.items'] } })
    const runs: ManagerEvents['schedule:run'][] = []
    const order: string[] = []
    backups.on('schedule:run', (e) => { runs.push(e) })
    backups.on('backup:start', () => { order.push('start') })
    backups.on('backup:success', () => { order.push('success') })

    let stoppedAt = 0
    await withClient(db.url, async (client) => {
      // The test holds the backup lock exclusively: the first scheduled backup waits inside create(),
      // still running, while two more one-second ticks come.
      await client.query(`SELECT pg_advisory_lock(${BACKUP_LOCK})`)
      const handle = backups.schedule({ backup: '* * * * * *', cleanup: false, timezone: 'UTC' })
      expect(handle.nextRuns(2).backup[1]!.getTime() - handle.nextRuns(2).backup[0]!.getTime()).toBe(1000)
      await until('the first scheduled backup to start', () => order.length > 0, 10_000)
      const startedAt = Date.now()
      await until('two more ticks', () => Date.now() > startedAt + 2200, 10_000)
      expect(handle.isBusy()).toBe(true)
      const stopping = handle.stop().then(() => { order.push('stopped') })
      await client.query(`SELECT pg_advisory_unlock(${BACKUP_LOCK})`)
      await stopping
      stoppedAt = Date.now()
      expect(handle.isBusy()).toBe(false)
      expect(handle.nextRuns(2)).toEqual({ backup: [], cleanup: [] })
    })
    // stop() waited for the running occurrence; the ticks that came meanwhile were dropped before they
    // reached the job (croner's protect): none was reported, not even as skipped-running.
    expect(order).toEqual(['start', 'success', 'stopped'])
    expect(runs.map((r) => r.outcome)).toEqual(['ran'])
    const [record] = await backups.list()
    expect(record!.type).toBe('scheduled')
    expect((await backups.manifest(record!.id)).scheduledFor).toBe(runs[0]!.scheduledFor.toISOString())
    expect(runs[0]!.scheduledFor.getUTCMilliseconds()).toBe(0)

    // No run after stop(): a witness schedule on the same pattern runs an occurrence later than the stop,
    // which the stopped schedule would have run too.
    const witness = createBackupManager({ connection: db.url, storage: fsStorage({ dir: await tempDir() }), dump: { tables: ['public.items'] } })
    const witnessed: ManagerEvents['schedule:run'][] = []
    witness.on('schedule:run', (e) => { witnessed.push(e) })
    const witnessHandle = witness.schedule({ backup: '* * * * * *', cleanup: false, timezone: 'UTC' })
    await until('a witness run after the stop', () => witnessed.some((r) => r.scheduledFor.getTime() > stoppedAt), 10_000)
    await witnessHandle.stop()
    expect(runs).toHaveLength(1)
    expect(await backups.list()).toHaveLength(1)
    expect((await readdir(dir, { recursive: true })).filter((f) => String(f).endsWith('.partial'))).toEqual([])
    expect(await pgkeepSessions()).toBe(0)
    // Setting and stopping the schedule are in the audit trail.
    const audit = await backups.auditLog({ action: 'schedule' })
    expect(audit.map((e) => e.detail?.event)).toEqual(expect.arrayContaining(['start', 'stop']))
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
