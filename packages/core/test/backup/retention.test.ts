// Retention end to end on a real PostgreSQL (a small table), in a real folder and in memory: a 35-day
// history of real backups made with the clock moved forward (manager option `now`), then cleanup under
// the app's policy (30 days), with pins, a dry run, GFS, an all-too-old history, a verified backup, a
// failing removal, and a backup being written at the same time by this and another instance.
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  createBackupManager, fsStorage, isPgkeepError, memoryStorage,
  type BackupManager, type BackupManagerOptions, type BackupRecord, type ManagerEvents, type StorageDriver,
} from '../../src/index'

const server = inject('pgDefault')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'ret_src' })
  await runSql(source.url, `CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 200) AS i;`)
}, 120_000)
afterAll(() => source?.drop())

const DAY = 86_400_000
const FIRST_DAY = Date.parse('2026-01-01T00:00:00Z')
/** After the last backup of day 34 (2026-02-04 14:00): the 30-day boundary is 2026-01-05T20:00Z. */
const CLEANUP_AT = new Date('2026-02-04T20:00:00Z')
const AUDIT = 'backups/audit/'

/** A backup's label: its creation time as `MM-DDTHH` (UTC). */
const label = (r: Pick<BackupRecord, 'createdAt'>): string => r.createdAt.toISOString().slice(5, 13)

interface Variant {
  /** A fresh, empty storage, and how to see what it holds without going through the manager. */
  make(): Promise<{ storage: StorageDriver; keys(): Promise<string[]> }>
}

const VARIANTS: [string, Variant][] = [
  ['fsStorage', {
    async make() {
      const dir = await mkdtemp(join(tmpdir(), 'pgkeep-ret-'))
      return { storage: fsStorage({ dir }), keys: () => filesUnder(dir) }
    },
  }],
  ['memoryStorage', {
    async make() {
      const storage = memoryStorage()
      return { storage, keys: () => keysOf(storage) }
    },
  }],
]

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name).slice(dir.length + 1))
  }
  return out.filter((f) => !f.startsWith(AUDIT)).sort()
}

async function keysOf(storage: StorageDriver): Promise<string[]> {
  const out: string[] = []
  for await (const object of storage.list('')) if (!object.key.startsWith(AUDIT)) out.push(object.key)
  return out.sort()
}

/** The objects a backup has in storage: dump, manifest, and the pin / verification report when present. */
function objectsOf(r: BackupRecord, extra: ('pin' | 'verify')[] = []): string[] {
  const base = r.storagePath.replace(/\.sql\.gz$/, '')
  return [r.storagePath, `${base}.manifest.json`, ...extra.map((e) => `${base}.${e}.json`)]
}

/** The same objects in another storage: copies of real backups are real backups. */
async function copyStorage(from: StorageDriver, to: StorageDriver): Promise<void> {
  for await (const object of from.list('')) {
    if (!object.key.startsWith(AUDIT)) await to.put(object.key, await from.get(object.key))
  }
}

let tables = 0
const historyTable = () => `ret_history_${process.pid}_${tables++}`

async function historyIds(table: string): Promise<string[]> {
  return (await runSql<{ id: string }>(source.url, `SELECT id::text AS id FROM public.${table}`)).map((r) => r.id).sort()
}

describe.each(VARIANTS)('retention with %s', (_name, variant) => {
  /** The 35-day history, made once: days 0-34 from 2026-01-01; even days at 02:00 and 14:00, odd days at 02:00. */
  let base: StorageDriver
  let history: BackupRecord[]

  beforeAll(async () => {
    base = (await variant.make()).storage
    let now = new Date(0)
    const maker = createBackupManager({ connection: source.url, storage: base, now: () => now, dump: { tables: ['public.items'] } })
    history = []
    for (let day = 0; day < 35; day++) {
      for (const hour of day % 2 === 0 ? [2, 14] : [2]) {
        now = new Date(FIRST_DAY + day * DAY + hour * 3_600_000)
        history.push(await maker.create({ type: 'scheduled' }))
      }
    }
  }, 240_000)

  /** A copy of the history in a fresh storage, and a manager on it with the clock at `at`. */
  async function copy(options: Partial<BackupManagerOptions> = {}, at = CLEANUP_AT) {
    const { storage, keys } = await variant.make()
    await copyStorage(base, storage)
    const clock = { now: at }
    const table = historyTable()
    const backups = createBackupManager({ connection: source.url, storage, now: () => clock.now, history: { table }, ...options })
    await backups.rebuildHistory()
    const events: ManagerEvents['cleanup'][] = []
    backups.on('cleanup', (e) => void events.push(e))
    return { backups, storage, keys, clock, table, events }
  }

  const byLabel = (l: string): BackupRecord => {
    const r = history.find((h) => label(h) === l)
    if (!r) throw new Error(`no backup ${l}`)
    return r
  }

  it('made a 35-day history of 53 backups', () => {
    expect(history).toHaveLength(53)
    expect(label(history[0]!)).toBe('01-01T02')
    expect(label(history.at(-1)!)).toBe('02-04T14')
    expect(history.every((r) => r.pinned === false && r.verified === null)).toBe(true)
  })

  it("keeps the last 30 days under the app's policy and removes the rest: objects, history rows, records", async () => {
    const { backups, keys, table, events } = await copy()
    expect(await historyIds(table)).toHaveLength(53)
    const result = await backups.cleanup({ actor: 'admin-1' })

    const deletedLabels = ['01-05T14', '01-05T02', '01-04T02', '01-03T14', '01-03T02', '01-02T02', '01-01T14', '01-01T02']
    const deleted = deletedLabels.map(byLabel)
    const kept = history.filter((r) => !deleted.includes(r)).reverse()
    expect(result.busy).toBe(false)
    expect(result.dryRun).toBe(false)
    expect(result.failed).toEqual([])
    expect(result.policy).toEqual({ maxAgeDays: 30 })
    expect(result.deleted.map(label)).toEqual(deletedLabels)
    expect(result.deleted.map((r) => r.id)).toEqual(deleted.map((r) => r.id))
    expect(result.kept.map((k) => k.id)).toEqual(kept.map((r) => r.id))
    expect(kept).toHaveLength(45)
    expect(label(kept.at(-1)!)).toBe('01-06T02')
    expect(result.kept[0]).toEqual({ id: byLabel('02-04T14').id, reasons: ['newest', 'max-age'] })
    expect(result.kept.slice(1).every((k) => k.reasons.join() === 'max-age')).toBe(true)

    // gone from storage and from the history table; what stays is exactly the kept backups' objects
    expect(await keys()).toEqual(kept.flatMap((r) => objectsOf(r)).sort())
    expect(await historyIds(table)).toEqual(kept.map((r) => r.id).sort())
    expect((await backups.list()).map((r) => r.id)).toEqual(kept.map((r) => r.id))
    // a new manager (nothing cached) sees the same history
    const fresh = createBackupManager({ connection: source.url, storage: backups.storage })
    expect((await fresh.list()).map((r) => r.id)).toEqual(kept.map((r) => r.id))
    for (const r of deleted) expect(isPgkeepError(await backups.get(r.id).catch((e: unknown) => e), 'BACKUP_NOT_FOUND')).toBe(true)

    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ kept: 45, dryRun: false, at: CLEANUP_AT })
    expect(events[0]!.deleted.map((r) => r.id)).toEqual(deleted.map((r) => r.id))
    const [audit] = await backups.auditLog({ action: 'cleanup' })
    expect(audit).toMatchObject({ actor: 'admin-1', action: 'cleanup', outcome: 'success', target: null })
    expect(audit!.detail).toMatchObject({ dryRun: false, busy: false, kept: 45, deleted: deleted.map((r) => r.id) })

    // run again: nothing more to delete
    const again = await backups.cleanup()
    expect(again.deleted).toEqual([])
    expect(again.kept).toHaveLength(45)
  })

  it('dryRun decides the same but deletes nothing', async () => {
    const { backups, keys, table, events } = await copy()
    const before = await keys()
    const result = await backups.cleanup({ dryRun: true })
    expect(result.dryRun).toBe(true)
    expect(result.deleted.map(label)).toEqual(['01-05T14', '01-05T02', '01-04T02', '01-03T14', '01-03T02', '01-02T02', '01-01T14', '01-01T02'])
    expect(result.kept).toHaveLength(45)
    expect(await keys()).toEqual(before)
    expect(before).toHaveLength(53 * 2)
    expect(await historyIds(table)).toHaveLength(53)
    expect(await backups.list()).toHaveLength(53)
    expect(events.map((e) => [e.dryRun, e.deleted.length, e.kept])).toEqual([[true, 8, 45]])
  })

  it('daysToKeep overrides maxAgeDays for one call', async () => {
    const { backups } = await copy()
    const result = await backups.cleanup({ daysToKeep: 3 })
    expect(result.policy).toEqual({ maxAgeDays: 3 })
    // 2026-02-01T20:00Z and later: Feb 2 (x2), Feb 3, Feb 4 (x2)
    expect(result.kept.map((k) => label(history.find((h) => h.id === k.id)!))).toEqual(['02-04T14', '02-04T02', '02-03T02', '02-02T14', '02-02T02'])
    expect(result.deleted).toHaveLength(48)
    // the configured policy is untouched for the next call
    expect((await backups.cleanup({ dryRun: true })).policy).toEqual({ maxAgeDays: 30 })
  })

  it('keeps pinned backups, durably, until unpinned; removing a backup removes its pin', async () => {
    const { backups, keys } = await copy()
    const old = byLabel('01-02T02')
    const older = byLabel('01-01T02')
    const pinned = await backups.pin(old.id, { actor: 'admin-1' })
    expect(pinned.pinned).toBe(true)
    expect(await backups.pin(old.id)).toMatchObject({ id: old.id, pinned: true }) // idempotent
    await backups.pin(older.id)
    // the pin is an object beside the backup: another manager (nothing cached) sees it
    expect(await keys()).toEqual(expect.arrayContaining(objectsOf(old, ['pin'])))
    const other = createBackupManager({ connection: source.url, storage: backups.storage })
    expect((await other.get(old.id)).pinned).toBe(true)
    expect((await other.get(byLabel('01-03T02').id)).pinned).toBe(false)
    expect((await other.list()).filter((r) => r.pinned).map((r) => r.id).sort()).toEqual([old.id, older.id].sort())

    const result = await backups.cleanup()
    expect(result.kept.filter((k) => k.reasons.includes('pinned'))).toEqual([
      { id: old.id, reasons: ['pinned'] },
      { id: older.id, reasons: ['pinned'] },
    ])
    expect(result.deleted.map(label)).toEqual(['01-05T14', '01-05T02', '01-04T02', '01-03T14', '01-03T02', '01-01T14'])
    expect(await keys()).toEqual(expect.arrayContaining([...objectsOf(old, ['pin']), ...objectsOf(older, ['pin'])]))

    // unpinned, the policy decides again: the next cleanup deletes it, pin object and all
    expect((await backups.unpin(old.id, { actor: 'admin-2' })).pinned).toBe(false)
    const second = await backups.cleanup()
    expect(second.deleted.map((r) => r.id)).toEqual([old.id])
    expect((await keys()).filter((k) => k.includes(old.filename.replace(/\.sql\.gz$/, '')))).toEqual([])

    // remove() of a pinned backup still removes it, pin included
    await backups.remove(older.id)
    expect((await keys()).filter((k) => k.includes(older.filename.replace(/\.sql\.gz$/, '')))).toEqual([])

    // (events of the same millisecond have no order: compare as sets)
    const audit = await backups.auditLog({})
    expect(audit.filter((e) => e.action === 'pin' || e.action === 'unpin').map((e) => `${e.action} ${e.actor} ${e.target}`).sort()).toEqual([
      `pin admin-1 ${old.id}`, `pin null ${old.id}`, `pin null ${older.id}`, `unpin admin-2 ${old.id}`,
    ].sort())
    expect(isPgkeepError(await backups.pin('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e), 'BACKUP_NOT_FOUND')).toBe(true)
  })

  it('keeps the newest backup, and the newest verified one, when all are older than the max age', async () => {
    const { backups, keys, clock } = await copy()
    const verified = byLabel('01-20T02')
    const report = await backups.verify(verified.id)
    expect(report.ok).toBe(true)
    clock.now = new Date('2026-06-01T00:00:00Z') // every backup is more than 30 days old
    const result = await backups.cleanup()
    const newest = byLabel('02-04T14')
    expect(result.kept).toEqual([
      { id: newest.id, reasons: ['newest'] },
      { id: verified.id, reasons: ['newest-verified'] },
    ])
    expect(result.deleted).toHaveLength(51)
    expect(await keys()).toEqual([...objectsOf(newest), ...objectsOf(verified, ['verify'])].sort())
    expect((await backups.list()).map((r) => [r.id, r.verified?.ok ?? null])).toEqual([[newest.id, null], [verified.id, true]])

    // once more, and with daysToKeep 0: the newest still survives
    expect((await backups.cleanup({ daysToKeep: 0 })).deleted).toEqual([])
    expect(await backups.list()).toHaveLength(2)
  })

  it('GFS keeps the newest of each of the last 7 days, 4 ISO weeks and 2 months', async () => {
    const { backups, keys } = await copy({ retention: { gfs: { daily: 7, weekly: 4, monthly: 2 } } })
    const result = await backups.cleanup()
    const kept = Object.fromEntries(result.kept.map((k) => [label(history.find((h) => h.id === k.id)!), k.reasons]))
    // 2026-W06 is Feb 2-8, W05 Jan 26-Feb 1, W04 Jan 19-25, W03 Jan 12-18
    expect(kept).toEqual({
      '02-04T14': ['newest', 'daily', 'weekly', 'monthly'],
      '02-03T02': ['daily'],
      '02-02T14': ['daily'],
      '02-01T02': ['daily', 'weekly'],
      '01-31T14': ['daily', 'monthly'],
      '01-30T02': ['daily'],
      '01-29T14': ['daily'],
      '01-25T14': ['weekly'],
      '01-18T02': ['weekly'],
    })
    expect(result.deleted).toHaveLength(53 - 9)
    const keptRecords = result.kept.map((k) => history.find((h) => h.id === k.id)!)
    expect(await keys()).toEqual(keptRecords.flatMap((r) => objectsOf(r)).sort())
  })

  it('reports a removal that fails and carries on with the others', async () => {
    const { storage } = await variant.make()
    await copyStorage(base, storage)
    const stuck = byLabel('01-03T02')
    const stuckManifest = objectsOf(stuck)[1]!
    const failing: StorageDriver = {
      ...storage,
      async remove(key) {
        if (key === stuckManifest) throw new Error('remove refused by the test storage')
        return storage.remove(key)
      },
    }
    const backups = createBackupManager({ connection: source.url, storage: failing, now: () => CLEANUP_AT })
    const alerts: ManagerEvents['alert'][] = []
    backups.on('alert', (a) => void alerts.push(a))
    const result = await backups.cleanup()
    expect(result.failed).toEqual([{ id: stuck.id, code: 'INTERNAL', message: 'remove refused by the test storage' }])
    expect(result.deleted).toHaveLength(7)
    expect(result.deleted.map((r) => r.id)).not.toContain(stuck.id)
    expect(alerts.map((a) => a.kind)).toEqual(['cleanup-failed'])
    // its manifest could not go, so it is still a backup, whole
    expect((await backups.get(stuck.id)).id).toBe(stuck.id)
    expect(await keysOf(storage)).toEqual(expect.arrayContaining(objectsOf(stuck)))
  })
})

describe('cleanup while a backup is being written', () => {
  /** Whether a pgkeep backup holds the backup lock (shared) and waits for a table lock. */
  async function backupIsWaiting(): Promise<boolean> {
    const [row] = await runSql<{ shared: string; waiting: string }>(server.url, `SELECT
      (SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
        WHERE d.datname = '${source.name}' AND l.locktype = 'advisory' AND l.mode = 'ShareLock' AND l.granted) AS shared,
      (SELECT count(*) FROM pg_stat_activity WHERE datname = '${source.name}' AND application_name = 'pgkeep' AND wait_event_type = 'Lock') AS waiting`)
    return row!.shared !== '0' && row!.waiting !== '0'
  }

  it('deletes nothing and says busy, in this instance, in another, and without a database; afterwards it cleans up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-ret-busy-'))
    const storage = fsStorage({ dir })
    const clock = { now: new Date('2026-01-01T02:00:00Z') }
    const options = { connection: source.url, now: () => clock.now, dump: { tables: ['public.items'] } }
    const a = createBackupManager({ ...options, storage })
    const old1 = await a.create()
    clock.now = new Date('2026-01-02T02:00:00Z')
    const old2 = await a.create()
    clock.now = new Date('2026-03-01T02:00:00Z') // both are now older than 30 days

    // A session holding the table makes the next backup stop at LOCK TABLE, with the backup lock held.
    const blocker = new pg.Client({ connectionString: source.url })
    await blocker.connect()
    let inFlight: Promise<BackupRecord> | undefined
    try {
      await blocker.query('BEGIN')
      await blocker.query('LOCK TABLE public.items IN ACCESS EXCLUSIVE MODE')
      inFlight = a.create()
      for (let waited = 0; !(await backupIsWaiting()); waited += 50) {
        if (waited > 20_000) throw new Error('the backup never reached its table lock')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }

      // another instance (its own storage object on the same folder): stopped by the database lock
      const b = createBackupManager({ ...options, storage: fsStorage({ dir }) })
      expect(await b.cleanup({ actor: 'cron' })).toEqual({ deleted: [], kept: [], dryRun: false, busy: true, failed: [], policy: { maxAgeDays: 30 }, orphans: [], incomplete: [], scratch: { databases: [], roles: [], left: [] } })
      // the same instance: stopped in-process (and by the database)
      expect((await a.cleanup()).busy).toBe(true)
      // a manager with no database at all, on the same storage object: the in-process guard alone
      const noDatabase = createBackupManager({ storage, env: {}, now: () => clock.now })
      expect((await noDatabase.cleanup()).busy).toBe(true)
      // a dry run takes no lock: it answers from what is stored now (the backup being written is not
      // there yet, so old2 is the newest and stays), and deletes nothing either
      expect((await b.cleanup({ dryRun: true })).deleted.map((r) => r.id)).toEqual([old1.id])
      expect((await b.list()).map((r) => r.id)).toEqual([old2.id, old1.id])
      const busyAudits = (await b.auditLog({ action: 'cleanup' })).filter((e) => e.detail?.busy === true)
      expect(busyAudits.map((e) => e.actor).sort()).toEqual(['cron', null, null].sort())
    } finally {
      await blocker.query('ROLLBACK').catch(() => {})
      await blocker.end()
    }

    const fresh = await inFlight!
    const b = createBackupManager({ ...options, storage: fsStorage({ dir }) })
    const result = await b.cleanup()
    expect(result.busy).toBe(false)
    expect(result.deleted.map((r) => r.id)).toEqual([old2.id, old1.id])
    expect(result.kept).toEqual([{ id: fresh.id, reasons: ['newest', 'max-age'] }])
    expect((await b.list()).map((r) => r.id)).toEqual([fresh.id])
  })

  it('a manager without a database cleans up with the in-process guard only', async () => {
    const storage = memoryStorage()
    const clock = { now: new Date('2026-01-01T02:00:00Z') }
    const maker = createBackupManager({ connection: source.url, storage, now: () => clock.now, dump: { tables: ['public.items'] } })
    const old = await maker.create()
    clock.now = new Date('2026-02-15T02:00:00Z')
    const recent = await maker.create()
    const noDatabase: BackupManager = createBackupManager({ storage, env: {}, now: () => clock.now })
    const result = await noDatabase.cleanup()
    expect(result.busy).toBe(false)
    expect(result.deleted.map((r) => r.id)).toEqual([old.id])
    expect((await noDatabase.list()).map((r) => r.id)).toEqual([recent.id])
  })
})
