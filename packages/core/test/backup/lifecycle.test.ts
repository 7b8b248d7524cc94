// backups.lifecycle(): on the real S3 endpoint the tests start (s3rver, which has no lifecycle API) it
// fails with STORAGE_UNSUPPORTED and retention goes on without it; on a folder it is unsupported; the
// guards of an expiration rule (options, policy, pins) are checked on storage that records the rule.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  createBackupManager, fsStorage,  memoryStorage, s3Storage,
  type BackupManagerOptions, type LifecycleRule,  type StorageDriver,
} from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
const s3 = inject('s3')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'lifecycle_src' })
  await runSql(source.url, 'CREATE TABLE items (id integer PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10);')
}, 120_000)
afterAll(() => source?.drop())

describe('lifecycle() on storage without lifecycle rules', () => {
  it('s3rver answers NotImplemented: STORAGE_UNSUPPORTED, audited, and cleanup still applies the policy', async () => {
    const storage = s3Storage({ ...s3, useSSL: false, bucket: `pgkeep-lc-${randomBytes(4).toString('hex')}` })
    const now = { t: Date.parse('2026-03-01T00:00:00Z') }
    const backups = createBackupManager({ connection: source.url, storage, retention: { maxAgeDays: 30 }, now: () => new Date(now.t) })
    const first = await backups.create()
    now.t += 40 * 86_400_000
    const second = await backups.create()

    const error = await failure(backups.lifecycle({ expireAfterDays: 45, actor: 'admin-1' }))
    expect(error.code).toBe('STORAGE_UNSUPPORTED')
    expect(error.message).toMatch(/^unable to set the lifecycle rule of "backups\/" in bucket "pgkeep-lc-[0-9a-f]{8}": the S3 endpoint 127\.0\.0\.1:\d+ does not implement it \(NotImplemented: /)
    const [event] = await backups.auditLog({ action: 'lifecycle' })
    expect(event).toMatchObject({ actor: 'admin-1', action: 'lifecycle', outcome: 'failure', detail: { code: 'STORAGE_UNSUPPORTED' } })

    const result = await backups.cleanup()
    expect(result.deleted.map((r) => r.id)).toEqual([first.id])
    expect((await backups.list()).map((r) => r.id)).toEqual([second.id])
  })

  it('a folder has no lifecycle rules: STORAGE_UNSUPPORTED that points to cleanup()', async () => {
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-lc-')) }) })
    const error = await failure(backups.lifecycle())
    expect(error.code).toBe('STORAGE_UNSUPPORTED')
    expect(error.message).toBe('fs storage has no lifecycle rules; cleanup() (or schedule()) applies the retention policy there')
  })
})

describe('lifecycle() guards', () => {
  /** Memory storage that keeps the rules it is given, as a store with lifecycle rules would. */
  function recording(): { storage: StorageDriver; rules: Map<string, LifecycleRule> } {
    const rules = new Map<string, LifecycleRule>()
    const storage: StorageDriver = Object.assign(memoryStorage(), {
      async setLifecycleRule(keyPrefix: string, rule: LifecycleRule | null) {
        if (rule) rules.set(keyPrefix, rule)
        else rules.delete(keyPrefix)
        return { id: `pgkeep:${keyPrefix}`, prefix: keyPrefix, rule, bucketRules: rules.size }
      },
    })
    return { storage, rules }
  }
  const manager = (storage: StorageDriver, more: Partial<BackupManagerOptions> = {}) => createBackupManager({ connection: source.url, storage, ...more })

  it('writes the abort rule by default, an expiration after the age limit, and removes it', async () => {
    const { storage, rules } = recording()
    const backups = manager(storage)
    expect(await backups.lifecycle()).toEqual({ id: 'pgkeep:backups/', prefix: 'backups/', rule: { abortIncompleteUploadsAfterDays: 1, expireAfterDays: null }, bucketRules: 1 })
    await backups.lifecycle({ expireAfterDays: 31, abortIncompleteUploadsAfterDays: 2 })
    expect(rules.get('backups/')).toEqual({ abortIncompleteUploadsAfterDays: 2, expireAfterDays: 31 })
    expect((await backups.lifecycle({ remove: true })).bucketRules).toBe(0)
    expect(rules.size).toBe(0)
    expect((await backups.auditLog({ action: 'lifecycle' })).map((e) => e.outcome)).toEqual(['success', 'success', 'success'])
  })

  it('refuses bad options and an expiration that could come before the policy, or delete pins', async () => {
    const { storage, rules } = recording()
    const backups = manager(storage)
    expect((await failure(backups.lifecycle({ expireAfterDays: 0 }))).message).toBe('invalid lifecycle options: expireAfterDays: must be at least 1 day')
    expect((await failure(backups.lifecycle({ abortIncompleteUploadsAfterDays: 1.5 }))).message).toContain('abortIncompleteUploadsAfterDays: must be a whole number of days')
    expect((await failure(backups.lifecycle({ expireAfterDays: 30 }))).message).toBe("expireAfterDays (30) must be more than the retention policy's maxAgeDays (30), so that cleanup() decides first and the rule is only a backstop")
    const byCount = manager(storage, { retention: { maxAgeDays: 30, keepLast: 10 } })
    expect((await failure(byCount.lifecycle({ expireAfterDays: 400 }))).message).toContain('cannot follow a retention policy with keepLast')

    const pinned = await backups.create()
    await backups.pin(pinned.id)
    const error = await failure(backups.lifecycle({ expireAfterDays: 60 }))
    expect(error.code).toBe('OPTIONS_INVALID')
    expect(error.message).toBe(`backup ${pinned.id} is pinned, and an expiration rule would delete it after 60 days; unpin it or set expireAfterDays: null`)
    expect(rules.size).toBe(0)
    // both managers write to the same audit trail (the storage's): five refusals, nothing written
    expect((await backups.auditLog({ action: 'lifecycle' })).map((e) => [e.outcome, e.detail?.code])).toEqual(Array(5).fill(['refused', 'OPTIONS_INVALID']))
    await backups.unpin(pinned.id)
    expect((await backups.lifecycle({ expireAfterDays: 60 })).rule).toEqual({ abortIncompleteUploadsAfterDays: 1, expireAfterDays: 60 })
  })
})
