// The rate limit on manual backups, on a real PostgreSQL and a real folder: the app's default (3 per hour,
// per actor and overall), counted from the history so a second instance sees it, RATE_LIMITED with
// retryAfter before any work, audited as a refusal; scheduled backups pass; concurrent requests on one
// instance cannot slip past it; failed and cancelled manual backups count on the instance that ran them
// (refused ones never); custom limits and `false`.
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManagerOptions, type PgkeepError } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'ratelimit' })
  await runSql(db.url, "CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items VALUES (1, 'a'), (2, 'b')")
}, 120_000)
afterAll(() => db?.drop())

const MINUTE = 60_000

/** A manager on a fresh folder (or `dir`) whose clock runs `clock.shift` ms ahead of the real one. */
async function setup(extra: Partial<BackupManagerOptions> = {}, dir?: string) {
  const folder = dir ?? (await mkdtemp(join(tmpdir(), 'pgkeep-rl-')))
  const clock = { shift: 0 }
  const options = { connection: db.url, storage: fsStorage({ dir: folder }), now: () => new Date(Date.now() + clock.shift), ...extra }
  return { dir: folder, clock, backups: createBackupManager(options), options }
}

async function dumps(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith('.sql.gz'))
}

describe('rate limit on manual backups', () => {
  it('applies the app default (3 per hour) from the history, across instances, before any work, and audits the refusal', async () => {
    const { dir, clock, backups, options } = await setup()
    const starts: unknown[] = []
    backups.on('backup:start', (e) => { starts.push(e) })
    const first = await backups.create({ createdBy: 'alice' })
    clock.shift = 10 * MINUTE
    await backups.create({ createdBy: 'alice' })
    clock.shift = 20 * MINUTE
    await backups.create({ createdBy: 'alice' })
    clock.shift = 30 * MINUTE

    const refused = await failure(backups.create({ createdBy: 'alice' }))
    expect(refused.code).toBe('RATE_LIMITED')
    expect(refused.message).toMatch(/at most 3 per hour for actor alice; try again in \d+ s/)
    // The first backup leaves the window an hour after it was made: about 30 minutes from now.
    const expected = Math.ceil((first.createdAt.getTime() + 60 * MINUTE - (Date.now() + clock.shift)) / 1000)
    expect(refused.retryAfter).toBeGreaterThanOrEqual(expected - 2)
    expect(refused.retryAfter).toBeLessThanOrEqual(expected + 1)
    expect(refused.retryAfter).toBeGreaterThan(1790)
    // Nothing was started or written for it.
    expect(starts).toHaveLength(3)
    expect(await dumps(dir)).toHaveLength(3)
    const [audit] = await backups.auditLog({ action: 'create', limit: 1 })
    expect(audit).toMatchObject({ actor: 'alice', action: 'create', target: null, outcome: 'refused', detail: { code: 'RATE_LIMITED', retryAfter: refused.retryAfter } })

    // Overall, too (the default counts every actor): bob is refused as well.
    expect((await failure(backups.create({ createdBy: 'bob' }))).message).toContain('for all actors')
    // Scheduled backups are never limited.
    expect((await backups.create({ type: 'scheduled' })).type).toBe('scheduled')

    // A second instance, sharing only the storage, counts the same history.
    const other = createBackupManager({ ...options, storage: fsStorage({ dir }) })
    expect((await failure(other.create({ createdBy: 'alice' }))).code).toBe('RATE_LIMITED')

    // An hour after the first backup, one more is allowed (and only one).
    clock.shift = 61 * MINUTE
    expect((await other.create({ createdBy: 'alice' })).createdBy).toBe('alice')
    expect((await failure(backups.create({ createdBy: 'alice' }))).code).toBe('RATE_LIMITED')
    expect((await backups.metrics()).rateLimited).toBe(3)
  }, 60_000)

  it('counts backups still being written, so concurrent requests cannot slip past the limit', async () => {
    const { dir, backups } = await setup({ rateLimit: { perActor: { max: 3, windowSeconds: 3600 } } })
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => backups.create({ createdBy: 'carol' })))
    const ok = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(ok).toHaveLength(3)
    expect(refused).toHaveLength(2)
    for (const r of refused) expect((r.reason as PgkeepError).code).toBe('RATE_LIMITED')
    expect(await dumps(dir)).toHaveLength(3)
    // A failed backup keeps its place (it was admitted and ran against the database): after it, one more fits in 2.
    const failing = await setup({ rateLimit: { perActor: { max: 2, windowSeconds: 3600 } } })
    expect((await failure(failing.backups.create({ createdBy: 'dan', tables: ['no_such_table'] }))).code).toBe('PATTERN_NO_MATCH')
    expect((await failing.backups.create({ createdBy: 'dan' })).createdBy).toBe('dan')
    expect((await failure(failing.backups.create({ createdBy: 'dan' }))).code).toBe('RATE_LIMITED')
  }, 60_000)

  it('counts failed manual backups on the instance that ran them, refused ones never, scheduled ones never', async () => {
    // A database that does not exist: every backup is admitted, then fails to connect.
    const missing = new URL(db.url)
    missing.pathname = `/pgkeep_no_such_database_${process.pid}`
    const { dir, clock, backups, options } = await setup({ connection: missing.toString(), rateLimit: { perActor: { max: 2, windowSeconds: 3600 } } })
    const starts: unknown[] = []
    const failures: unknown[] = []
    backups.on('backup:start', (e) => { starts.push(e) })
    backups.on('backup:failure', (e) => { failures.push(e) })
    const first = await failure(backups.create({ createdBy: 'erin' }))
    expect(first.code).not.toBe('RATE_LIMITED')
    expect(first.message).toContain('does not exist')
    clock.shift = 10 * MINUTE
    expect((await failure(backups.create({ createdBy: 'erin' }))).code).toBe(first.code)
    expect([starts.length, failures.length]).toEqual([2, 2])

    // Past the limit: refused before any work, until the first failure leaves the window (about 40 minutes).
    clock.shift = 20 * MINUTE
    const refused = await failure(backups.create({ createdBy: 'erin' }), 'RATE_LIMITED')
    expect(refused.message).toContain('at most 2 per hour for actor erin')
    expect(refused.retryAfter).toBeGreaterThan(40 * 60 - 10)
    expect(refused.retryAfter).toBeLessThanOrEqual(40 * 60)
    expect(refused.hint).toContain('a failed or cancelled manual backup counts too')
    expect(starts).toHaveLength(2)
    // Refusals never count: more of them, and options refused before admission.
    await failure(backups.create({ createdBy: 'erin' }), 'RATE_LIMITED')
    await failure(backups.create({ createdBy: 'erin', tables: 'items' } as never), 'OPTIONS_INVALID')
    // Scheduled backups are not limited (this one is admitted, and fails for its own reason).
    expect((await failure(backups.create({ type: 'scheduled' }))).code).toBe(first.code)
    // Failed backups leave nothing in storage: a second instance on the same storage does not see them.
    expect(await dumps(dir)).toEqual([])
    const other = createBackupManager({ ...options, storage: fsStorage({ dir }) })
    expect((await failure(other.create({ createdBy: 'erin' }))).code).toBe(first.code)

    // An hour after the first failure exactly one more is admitted (the refusals took no place), then
    // the next waits for the second failure to leave the window: 9 minutes.
    clock.shift = 61 * MINUTE
    expect((await failure(backups.create({ createdBy: 'erin' }))).code).toBe(first.code)
    const again = await failure(backups.create({ createdBy: 'erin' }), 'RATE_LIMITED')
    expect(again.retryAfter).toBeGreaterThan(9 * 60 - 10)
    expect(again.retryAfter).toBeLessThanOrEqual(9 * 60)
    expect((await backups.metrics()).rateLimited).toBe(3)
  }, 60_000)

  it('counts a cancelled manual backup; under the default a failure and a retry after the fix both fit', async () => {
    const { dir, backups } = await setup()
    // A mistake (a table that does not exist), then the retry once it is fixed: both fit in the default 3 per hour.
    expect((await failure(backups.create({ createdBy: 'fay', tables: ['no_such_table'] }))).code).toBe('PATTERN_NO_MATCH')
    expect((await backups.create({ createdBy: 'fay', tables: ['items'] })).createdBy).toBe('fay')
    // A backup cancelled once it began counts as well.
    const handle = backups.start({ createdBy: 'fay' })
    const stop = backups.on('backup:start', (e) => { if (e.id === handle.id) handle.cancel('changed my mind') })
    expect((await failure(handle.done)).code).toBe('ABORTED')
    stop()
    // Three counted, one stored: the fourth is refused, until the first (the failure) leaves the window.
    const refused = await failure(backups.create({ createdBy: 'fay' }), 'RATE_LIMITED')
    expect(refused.retryAfter).toBeGreaterThan(3590)
    expect(await dumps(dir)).toHaveLength(1)
    // Scheduled backups still run.
    expect((await backups.create({ type: 'scheduled' })).type).toBe('scheduled')
  }, 60_000)

  it('takes custom limits: per actor only, overall only, off', async () => {
    const perActor = await setup({ rateLimit: { perActor: { max: 2, windowSeconds: 600 } } })
    await perActor.backups.create({ createdBy: 'alice' })
    await perActor.backups.create({ createdBy: 'alice' })
    const refused = await failure(perActor.backups.create({ createdBy: 'alice' }))
    expect(refused.message).toContain('at most 2 per 10 minutes for actor alice')
    expect(refused.retryAfter).toBeGreaterThan(590)
    expect(refused.retryAfter).toBeLessThanOrEqual(600)
    await perActor.backups.create({ createdBy: 'bob' })
    // Unattributed backups are one actor of their own.
    await perActor.backups.create()
    await perActor.backups.create()
    expect((await failure(perActor.backups.create())).message).toContain('unattributed manual backups')
    perActor.clock.shift = 11 * MINUTE
    await perActor.backups.create({ createdBy: 'alice' })

    const overall = await setup({ rateLimit: { overall: { max: 2, windowSeconds: 3600 } } })
    await overall.backups.create({ createdBy: 'alice' })
    await overall.backups.create({ createdBy: 'bob' })
    expect((await failure(overall.backups.create({ createdBy: 'carol' }))).message).toContain('at most 2 per hour for all actors')

    const off = await setup({ rateLimit: false })
    for (let i = 0; i < 4; i++) await off.backups.create({ createdBy: 'alice' })
    expect(await off.backups.list()).toHaveLength(4)

    const bad = (o: unknown) => { try { createBackupManager({ connection: db.url, rateLimit: o } as never); return null } catch (e) { return e as PgkeepError } }
    expect(bad({ perActor: { max: 0, windowSeconds: 60 } })?.message).toContain('rateLimit')
    expect(bad({ perHour: 3 })?.code).toBe('OPTIONS_INVALID')
    expect(bad(true)?.code).toBe('OPTIONS_INVALID')
  }, 60_000)
})
