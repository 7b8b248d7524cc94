// start() on a real PostgreSQL and a real folder: the id exists before any work and is the record's id,
// backup:start, backup:progress and onProgress carry it, running() lists the backup while it is written,
// cancel() leaves nothing behind, a rate-limit refusal rejects `done` (start() itself does not throw),
// `actor` names the caller (createdBy still works), and a second schedule is a CONFLICT.
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupProgress, type BackupProgressEvent, type ManagerEvents, type RunningBackup } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'start' })
  // Several tables, one of them a few MB, so that a backup reports progress many times.
  await runSql(db.url, `CREATE TABLE small (id int PRIMARY KEY); INSERT INTO small SELECT generate_series(1, 100);
    CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 30000) g;
    ANALYZE`)
}, 120_000)
afterAll(() => db?.drop())

async function newManager(extra: Parameters<typeof createBackupManager>[0] extends infer O ? Partial<O> : never = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-start-'))
  return { dir, backups: createBackupManager({ connection: db.url, storage: fsStorage({ dir }), ...extra }) }
}

/** Files in the folder other than the audit trail. */
async function stored(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).filter((f) => !f.startsWith('backups/audit/'))
}

describe('start()', () => {
  it('answers with the id at once; events, progress and running() carry it; done resolves with the record of that id', async () => {
    const { backups } = await newManager()
    const starts: ManagerEvents['backup:start'][] = []
    const events: BackupProgressEvent[] = []
    const reports: BackupProgress[] = []
    const seenRunning: RunningBackup[][] = []
    backups.on('backup:start', (e) => { starts.push(e) })
    backups.on('backup:progress', (e) => {
      events.push(e)
      seenRunning.push(backups.running())
    })

    const handle = backups.start({ actor: 'admin-1', onProgress: (p) => reports.push(p) })
    expect(handle.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    // Synchronously: nothing has started yet.
    expect(starts).toEqual([])
    const record = await handle.done

    expect(record.id).toBe(handle.id)
    expect(record.createdBy).toBe('admin-1')
    expect(starts).toEqual([{ id: handle.id, type: 'manual', actor: 'admin-1', createdBy: 'admin-1', at: expect.any(Date) }])
    expect(reports.every((p) => p.id === handle.id)).toBe(true)
    expect(events.every((e) => e.id === handle.id)).toBe(true)
    // An event only when the phase, table, tables done or whole percent changes (not one per chunk), from the catalog's estimate to 100.
    expect(events.length).toBeLessThanOrEqual(reports.length)
    const key = (e: BackupProgressEvent) => JSON.stringify([e.phase, e.table, e.tablesDone, e.tablesTotal, e.percent])
    for (let i = 1; i < events.length; i++) expect(key(events[i]!), `event ${i}`).not.toBe(key(events[i - 1]!))
    expect(events.at(-1)).toMatchObject({ phase: 'done', percent: 100 })
    const data = events.filter((e) => e.phase === 'data')
    expect(data.some((e) => e.table === 'public.big')).toBe(true)
    expect(data.every((e) => e.totalBytes! > 0 && e.percent! >= 0 && e.percent! <= 99)).toBe(true)
    const percents = events.map((e) => e.percent ?? 0)
    expect(percents).toEqual([...percents].sort((a, b) => a - b))
    expect(new Set(data.map((e) => e.percent)).size).toBeGreaterThan(5)
    // bytesDone counts every table's COPY bytes so far: it never goes back, and ends at the manifest's total
    const done = reports.filter((p) => p.phase === 'data').map((p) => p.bytesDone)
    expect(done).toEqual([...done].sort((a, b) => a - b))
    expect(done.at(-1)).toBe((await backups.manifest(record.id)).totals.bytes)
    // Listed while it was written, gone once done.
    expect(seenRunning.every((r) => r.length === 1 && r[0]!.id === handle.id && r[0]!.actor === 'admin-1' && r[0]!.type === 'manual')).toBe(true)
    expect(backups.running()).toEqual([])
  })

  it('cancel() mid-dump rejects done with ABORTED and the reason, leaves no file, and reports the failure with the id', async () => {
    const { dir, backups } = await newManager()
    const failures: ManagerEvents['backup:failure'][] = []
    backups.on('backup:failure', (e) => { failures.push(e) })
    let cancelledAt: BackupProgressEvent | undefined
    const handle = backups.start({ actor: 'ops' })
    backups.on('backup:progress', (e) => {
      if (!cancelledAt && e.phase === 'data' && e.table === 'public.big') {
        cancelledAt = e
        handle.cancel('the admin pressed stop')
      }
    })
    const error = await failure(handle.done, 'ABORTED')
    expect(cancelledAt).toBeDefined()
    expect(error.message).toContain('the admin pressed stop')
    expect(failures).toEqual([{ id: handle.id, type: 'manual', actor: 'ops', createdBy: 'ops', code: 'ABORTED', message: error.message, at: expect.any(Date) }])
    expect(await stored(dir)).toEqual([])
    expect(await backups.list()).toEqual([])
    expect(backups.running()).toEqual([])
    const [audit] = await backups.auditLog({ action: 'create', limit: 1 })
    expect(audit).toMatchObject({ actor: 'ops', outcome: 'failure', detail: { code: 'ABORTED' } })
    // A cancel after the end does nothing.
    handle.cancel()
  })

  it('cancel() right after start() stops the backup before it dumps anything', async () => {
    const { dir, backups } = await newManager()
    const starts: ManagerEvents['backup:start'][] = []
    const failures: ManagerEvents['backup:failure'][] = []
    const progress: unknown[] = []
    backups.on('backup:start', (e) => { starts.push(e) })
    backups.on('backup:failure', (e) => { failures.push(e) })
    backups.on('backup:progress', (e) => { progress.push(e) })
    const handle = backups.start()
    handle.cancel()
    expect((await failure(handle.done, 'ABORTED')).message).toContain('cancel() was called')
    expect(progress).toEqual([])
    // Admitted before the cancel was seen: its start is matched by a failure with the same id.
    expect(failures.map((f) => [f.id, f.code])).toEqual(starts.map((s) => [s.id, 'ABORTED']))
    expect(await stored(dir)).toEqual([])
    expect(backups.running()).toEqual([])
  })

  it('a caller signal aborts it too', async () => {
    const { dir, backups } = await newManager()
    const controller = new AbortController()
    const handle = backups.start({ signal: controller.signal })
    backups.on('backup:progress', (e) => { if (e.phase === 'data') controller.abort() })
    await failure(handle.done, 'ABORTED')
    expect(await stored(dir)).toEqual([])
  })

  it('rejects done with RATE_LIMITED (start() does not throw); a done nobody awaits is no unhandled rejection', async () => {
    const { backups } = await newManager({ rateLimit: { perActor: { max: 1, windowSeconds: 3600 } } })
    await backups.start({ actor: 'alice' }).done
    let handle: ReturnType<typeof backups.start> | undefined
    expect(() => { handle = backups.start({ actor: 'alice' }) }).not.toThrow()
    const refused = await failure(handle!.done, 'RATE_LIMITED')
    expect(refused.retryAfter).toBeGreaterThan(3500)
    // Ignored on purpose: vitest fails the run on an unhandled rejection.
    backups.start({ actor: 'alice' })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(backups.running()).toEqual([])
  })

  it('throws OPTIONS_INVALID at once for invalid options', async () => {
    const { backups } = await newManager()
    expect(() => backups.start({ type: 'weekly' } as never)).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID' }))
    expect(() => backups.start({ actor: 'a', createdBy: 'b' })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('createdBy') }))
    await failure(backups.create({ tables: [''] }), 'OPTIONS_INVALID')
  })
})

describe('actor', () => {
  it('is recorded as createdBy; createdBy is still accepted; numbers become text', async () => {
    const { backups } = await newManager({ rateLimit: false })
    expect((await backups.create({ actor: 'alice', tables: ['public.small'] })).createdBy).toBe('alice')
    expect((await backups.create({ createdBy: 'bob', tables: ['public.small'] })).createdBy).toBe('bob')
    expect((await backups.create({ actor: 7, createdBy: 7, tables: ['public.small'] })).createdBy).toBe('7')
    expect((await backups.create({ tables: ['public.small'] })).createdBy).toBeNull()
    const audit = await backups.auditLog({ action: 'create' })
    expect(audit.map((e) => e.actor)).toEqual([null, '7', 'bob', 'alice'])
  })
})

describe('schedule()', () => {
  it('refuses a second schedule on the same manager with CONFLICT', async () => {
    const { backups } = await newManager()
    const handle = backups.schedule({ backup: '0 2 * * *', cleanup: false })
    try {
      const error = await failure(() => backups.schedule(), 'CONFLICT')
      expect(error.message).toContain('already has a schedule')
    } finally {
      await handle.stop()
    }
    // Stopped, it can be scheduled again.
    await backups.schedule({ backup: false, cleanup: false }).stop()
  })
})
