// The audit trail, in both of its backends, on a real PostgreSQL: every operation (create, download,
// presigned URL, restore, verify, remove) and each of their failures and refusals becomes one event with
// actor, time, target and outcome. With a history table the events are rows of `<table>_audit`; without
// one they are objects under `backups/audit/` in the storage. Both are read raw as well as through auditLog().
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { Client } from 'minio'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, s3Storage, type AuditEvent, type BackupManager, type BackupManagerOptions, type ErrorCode } from '../../src/index'

const server = inject('pgDefault')
const s3 = inject('s3')
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000'

interface Expected {
  action: AuditEvent['action']
  actor: string | null
  target: string | null
  outcome: AuditEvent['outcome']
  code?: ErrorCode
}

/**
 * Runs every operation once as a success and once or more as a failure or refusal, as `actor`; returns
 * what the audit trail must hold, in order.
 */
async function exercise(options: BackupManagerOptions, canPresign: boolean): Promise<Expected[]> {
  // 3 per hour for u1: two stored backups and the refused pattern (admitted, so it counts), then RATE_LIMITED.
  const backups = createBackupManager({ ...options, rateLimit: { perActor: { max: 3, windowSeconds: 3600 } } })
  const tiny = createBackupManager({ ...options, maxSizeBytes: 100 })
  const expected: Expected[] = []
  const expectOk = async <T>(action: Expected['action'], actor: string | null, target: string | null | ((r: T) => string), run: () => Promise<T>): Promise<T> => {
    const result = await run()
    expected.push({ action, actor, target: typeof target === 'function' ? target(result) : target, outcome: 'success' })
    return result
  }
  const expectError = async (action: Expected['action'], actor: string | null, target: string | null, outcome: 'failure' | 'refused', code: ErrorCode, run: () => Promise<unknown>) => {
    await expect(run()).rejects.toMatchObject({ code })
    expected.push({ action, actor, target, outcome, code })
  }

  const record = await expectOk('create', 'u1', (r: { id: string }) => r.id, () => backups.create({ createdBy: 'u1' }))
  await expectError('create', 'u1', null, 'refused', 'PATTERN_NO_MATCH', () => backups.create({ createdBy: 'u1', tables: ['no_such_table'] }))
  await expectError('create', 'u2', null, 'failure', 'SIZE_LIMIT_EXCEEDED', () => tiny.create({ createdBy: 'u2' }))
  await expectOk('create', 'u1', (r: { id: string }) => r.id, () => backups.create({ createdBy: 'u1' }))
  await expectError('create', 'u1', null, 'refused', 'RATE_LIMITED', () => backups.create({ createdBy: 'u1' }))

  await expectOk('download', 'u3', record.id, async () => {
    for await (const _ of await backups.download(record.id, { actor: 'u3' })) { /* drain */ }
  })
  await expectError('download', 'u3', NO_SUCH_ID, 'refused', 'BACKUP_NOT_FOUND', () => backups.download(NO_SUCH_ID, { actor: 'u3' }))

  if (canPresign) await expectOk('presign', 'u4', record.id, () => backups.downloadUrl(record.id, { actor: 'u4', expiresIn: 60 }))
  else await expectError('presign', 'u4', record.id, 'failure', 'STORAGE_UNSUPPORTED', () => backups.downloadUrl(record.id, { actor: 'u4' }))
  await expectError('presign', 'u4', record.id, 'refused', 'OPTIONS_INVALID', () => backups.downloadUrl(record.id, { actor: 'u4', expiresIn: 0 }))

  const name = `audit_restore_${randomBytes(4).toString('hex')}`
  try {
    await expectOk('restore', 'u5', record.id, () => backups.restore(record.id, { actor: 'u5', target: server.url, createDatabase: name }))
  } finally {
    await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
  await expectError('restore', 'u5', record.id, 'refused', 'TARGET_NOT_EMPTY', () => backups.restore(record.id, { actor: 'u5' }))
  await expectError('restore', 'u5', record.id, 'failure', 'CONNECT_FAILED', () => backups.restore(record.id, { actor: 'u5', target: 'postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2' }))

  await expectOk('verify', 'u6', record.id, () => backups.verify(record.id, { actor: 'u6' }))
  await expectError('verify', 'u6', 'not-a-uuid', 'refused', 'OPTIONS_INVALID', () => backups.verify('not-a-uuid', { actor: 'u6' }))

  // A numeric actor (an app's user id) is recorded as text.
  await expectOk('remove', '7', record.id, () => backups.remove(record.id, { actor: 7 }))
  await expectError('remove', 'u7', record.id, 'refused', 'BACKUP_NOT_FOUND', () => backups.remove(record.id, { actor: 'u7' }))
  return expected
}

/** Checks one trail (oldest first) against what was done between `from` and `to`. */
function check(trail: AuditEvent[], expected: Expected[], from: Date, to: Date): void {
  expect(trail.map((e) => ({ action: e.action, actor: e.actor, target: e.target, outcome: e.outcome, ...(e.detail?.code ? { code: e.detail.code } : {}) }))).toEqual(expected)
  for (const [i, event] of trail.entries()) {
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(event.at.getTime()).toBeGreaterThanOrEqual(from.getTime())
    expect(event.at.getTime()).toBeLessThanOrEqual(to.getTime())
    if (i > 0) expect(event.at.getTime()).toBeGreaterThanOrEqual(trail[i - 1]!.at.getTime())
    if (event.outcome !== 'success') expect(typeof event.detail?.message).toBe('string')
  }
  const rateLimited = trail.find((e) => e.detail?.code === 'RATE_LIMITED')!
  expect(rateLimited.detail!.retryAfter).toBeGreaterThan(3500)
  // Successes keep what matters about them.
  expect(trail.find((e) => e.action === 'create' && e.outcome === 'success')!.detail).toMatchObject({ type: 'manual', size: expect.any(Number) })
  expect(trail.find((e) => e.action === 'verify' && e.outcome === 'success')!.detail).toMatchObject({ ok: true })
}

/** Events happen in order, one per operation; two in the same millisecond keep that order here. */
function oldestFirst(events: AuditEvent[], expected: Expected[]): AuditEvent[] {
  const order = (e: AuditEvent) => expected.findIndex((x) => x.action === e.action && x.outcome === e.outcome && x.target === e.target && x.actor === e.actor && (x.code ?? null) === ((e.detail?.code as string | undefined) ?? null))
  return [...events].sort((a, b) => a.at.getTime() - b.at.getTime() || order(a) - order(b))
}

describe('audit trail', () => {
  // A database per backend, so that the history table of one is not seen by the other.
  const sources: TestDatabase[] = []
  async function newSource(): Promise<TestDatabase> {
    const source = await createDatabase(server.url, { prefix: 'audit_src' })
    sources.push(source)
    await runSql(source.url, "CREATE TABLE rooms (id int PRIMARY KEY, name text); INSERT INTO rooms SELECT g, 'room ' || g FROM generate_series(1, 200) g")
    return source
  }
  afterAll(() => Promise.all(sources.map((s) => s.drop())))

  it('keeps every operation, failure and refusal in <history>_audit when there is a history table (S3 storage)', async () => {
    const bucket = `pgkeep-audit-${randomBytes(4).toString('hex')}`
    const storage = s3Storage({ ...s3, useSSL: false, bucket })
    const source = await newSource()
    const options: BackupManagerOptions = { connection: source.url, storage, history: { table: 'public.backups' } }
    const from = new Date()
    const expected = await exercise(options, true)
    const to = new Date()

    const backups: BackupManager = createBackupManager(options)
    const logged = await backups.auditLog()
    check(oldestFirst(logged, expected), expected, from, to)
    // auditLog() is newest first, and filters.
    expect(logged[0]!.at.getTime()).toBeGreaterThanOrEqual(logged.at(-1)!.at.getTime())
    expect((await backups.auditLog({ action: 'restore' })).map((e) => e.outcome).sort()).toEqual(['failure', 'refused', 'success'])
    expect(await backups.auditLog({ limit: 2 })).toHaveLength(2)

    // The rows themselves.
    const rows = await runSql<{ id: string; at: Date; actor: string | null; action: string; target: string | null; outcome: string; detail: Record<string, unknown> | null }>(
      source.url, 'SELECT id, at, actor, action, target::text AS target, outcome, detail FROM public.backups_audit')
    // A refusal about a malformed id cannot go in the uuid column: it has a null target and the id in detail.
    const malformed = rows.filter((r) => r.target === null && r.detail?.invalidTarget !== undefined)
    expect(malformed.map((r) => [r.action, r.detail!.invalidTarget])).toEqual([['verify', 'not-a-uuid']])
    const decoded = rows.map((r) => ({ ...r, at: new Date(r.at), target: r.target ?? (r.detail?.invalidTarget as string | undefined) ?? null }) as AuditEvent)
    check(oldestFirst(decoded, expected), expected, from, to)
    expect((await backups.auditLog({ target: 'not-a-uuid' })).map((e) => [e.action, e.target, e.detail?.code])).toEqual([['verify', 'not-a-uuid', 'OPTIONS_INVALID']])
    // Nothing went to the storage's audit folder.
    const minio = new Client({ endPoint: s3.endPoint, port: s3.port, useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, pathStyle: true, region: s3.region })
    const keys: string[] = []
    for await (const o of minio.listObjectsV2(bucket, 'backups/audit/', true) as AsyncIterable<{ name: string }>) keys.push(o.name)
    expect(keys).toEqual([])
  }, 120_000)

  it('keeps every operation, failure and refusal as objects under backups/audit/ without a history table (folder storage)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-audit-'))
    const source = await newSource()
    const options: BackupManagerOptions = { connection: source.url, storage: fsStorage({ dir }) }
    const from = new Date()
    const expected = await exercise(options, false)
    const to = new Date()

    const backups = createBackupManager(options)
    check(oldestFirst(await backups.auditLog(), expected), expected, from, to)
    expect((await backups.auditLog({ target: NO_SUCH_ID })).map((e) => e.action)).toEqual(['download'])

    // One JSON object per event, under backups/audit/YYYY/MM/DD/.
    const files = (await readdir(join(dir, 'backups/audit'), { recursive: true })).map(String).filter((f) => f.endsWith('.json'))
    expect(files).toHaveLength(expected.length)
    for (const f of files) expect(f).toMatch(/^\d{4}\/\d{2}\/\d{2}\/[^/]+\.json$/)
    const raw = await Promise.all(files.map(async (f) => {
      const e = JSON.parse(await readFile(join(dir, 'backups/audit', f), 'utf8')) as AuditEvent & { at: string }
      return { ...e, at: new Date(e.at) }
    }))
    check(oldestFirst(raw, expected), expected, from, to)
    // No table was made in the database.
    const [t] = await runSql<{ n: string }>(source.url, "SELECT count(*) AS n FROM pg_class WHERE relname LIKE 'backups%'")
    expect(Number(t!.n)).toBe(0)
  }, 120_000)
})
