// The `backups-untrusted` alert, on a real PostgreSQL and a real folder: under a signing key, a cleanup
// that finds backups the manager would not use (planted unsigned while signing is required, a manifest
// changed after signing) raises one alert per run naming how many and which, with their signature state;
// checkAlerts() raises it too, but not again in the check that follows a cleanup; a planted newer backup
// never hides 'no-recent-success'. A signed manifest without member checksums is one of them for the
// check as for cleanup. No alert when every backup checks out, nor without a signing key.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { signManifest } from '../../src/manifest/sign-manifest'
import { SigningOptionsSchema } from '../../src/manifest/signing-options'
import { createBackupManager, fsStorage, type BackupManager, type BackupManagerOptions, type ManagerEvents, type StorageDriver } from '../../src/index'
import { readObject } from '../helpers/read-object'

const server = inject('pgDefault')
const KEY = randomBytes(32).toString('hex')
const HOUR = 3600_000

let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'untrusted_alert' })
  await runSql(source.url, `CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 50) i;`)
}, 120_000)
afterAll(() => source?.drop())

const read = readObject

interface Watched {
  backups: BackupManager
  alerts: ManagerEvents['alert'][]
}

/** A fresh manager on the storage (nothing cached from before a change in storage), its alerts collected. */
function manager(storage: StorageDriver, extra: Partial<BackupManagerOptions> = {}): Watched {
  const backups = createBackupManager({ connection: source.url, storage, rateLimit: false, ...extra })
  const alerts: ManagerEvents['alert'][] = []
  backups.on('alert', (a) => { alerts.push(a) })
  return { backups, alerts }
}

const untrustedAlerts = (alerts: ManagerEvents['alert'][]) => alerts.filter((a) => a.kind === 'backups-untrusted')

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/**
 * Two signed backups, then (30 hours later) a manifest changed after signing and a newer unsigned
 * backup, both planted by someone who can write the storage. Returns them and the clock.
 */
async function plantedStorage() {
  const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-untrusted-alert-')) })
  const clock = { shift: 0 }
  const now = () => new Date(Date.now() + clock.shift)
  const signed1 = await manager(storage, { signing: { key: KEY }, now }).backups.create()
  const signed2 = await manager(storage, { signing: { key: KEY }, now }).backups.create()
  clock.shift = 30 * HOUR
  const tampered = await manager(storage, { signing: { key: KEY }, now }).backups.create()
  const manifest = JSON.parse((await read(storage, manifestKeyOf(tampered.storagePath))).toString('utf8'))
  manifest.tables[0].rows += 1
  await storage.put(manifestKeyOf(tampered.storagePath), Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]))
  const unsigned = await manager(storage, { now }).backups.create()
  return { storage, now, signed1, signed2, tampered, unsigned }
}

describe('the backups-untrusted alert', () => {
  it('is raised once per cleanup that finds backups it would not use, naming how many and which', async () => {
    const { storage, now, signed2, tampered, unsigned } = await plantedStorage()

    // Signing required: the unsigned and the tampered backup are untrusted. The alerts option makes a
    // check follow the cleanup; it raises no-recent-success (the planted newer backups are no success)
    // but not backups-untrusted again.
    const strict = manager(storage, { signing: { key: KEY, require: true }, now, alerts: { noSuccessForHours: 24 } })
    const result = await strict.backups.cleanup()
    expect(result.untrusted?.map((u) => u.id)).toEqual([unsigned.id, tampered.id])
    await until('the check after the cleanup', () => strict.alerts.some((a) => a.kind === 'no-recent-success'))
    const raised = untrustedAlerts(strict.alerts)
    expect(raised).toHaveLength(1)
    expect(raised[0]).toMatchObject({
      kind: 'backups-untrusted',
      detail: { count: 2, backups: [{ id: unsigned.id, signature: 'unsigned' }, { id: tampered.id, signature: 'tampered' }], more: 0, by: 'cleanup', dryRun: false },
    })
    expect(raised[0]!.message).toContain(`cleanup found 2 backups whose signature does not check out under the signing key: ${unsigned.id} (unsigned), ${tampered.id} (tampered).`)
    const late = strict.alerts.find((a) => a.kind === 'no-recent-success')!
    const signed2Completed = (await strict.backups.manifest(signed2.id)).completedAt
    expect(late.detail).toMatchObject({ lastSuccessAt: signed2Completed, untrustedNotCounted: 2 })
    expect(late.message).toContain('2 newer backups do not check out under the signing key and are not counted')
    // Counted in the metrics by kind, as every alert; and the metrics' last success is the same, not a planted one.
    const metrics = await strict.backups.metrics()
    expect(metrics.alerts['backups-untrusted']).toBe(1)
    expect(metrics.history!.lastSuccessAt?.toISOString()).toBe(signed2Completed)
    expect(metrics.history!.last?.id).toBe(signed2.id)
    expect(metrics.history!.backups).toBe(4)

    // A second run (a dry run too) raises it again, once.
    await strict.backups.cleanup({ dryRun: true })
    expect(untrustedAlerts(strict.alerts)).toHaveLength(2)
    expect(untrustedAlerts(strict.alerts)[1]).toMatchObject({ detail: { count: 2, by: 'cleanup', dryRun: true } })
    expect(untrustedAlerts(strict.alerts)[1]!.message).toMatch(/^cleanup \(dry run\) found 2 backups/)

    // checkAlerts() finds them as well, once per check.
    const checked = await strict.backups.checkAlerts()
    expect(checked.map((a) => a.kind)).toEqual(['no-recent-success', 'backups-untrusted'])
    expect(checked[1]).toMatchObject({ detail: { count: 2, backups: [{ id: unsigned.id, signature: 'unsigned' }, { id: tampered.id, signature: 'tampered' }], by: 'check' } })
    expect(checked[1]!.message).toMatch(/^the storage holds 2 backups whose signature/)

    // Without require an unsigned backup is used (with its own backup-unsigned alert when it is): only the tampered one.
    const lenient = manager(storage, { signing: { key: KEY }, now })
    await lenient.backups.cleanup({ dryRun: true })
    expect(untrustedAlerts(lenient.alerts)).toHaveLength(1)
    expect(untrustedAlerts(lenient.alerts)[0]).toMatchObject({ detail: { count: 1, backups: [{ id: tampered.id, signature: 'tampered' }] } })
    expect(untrustedAlerts(lenient.alerts)[0]!.message).toContain('cleanup (dry run) found 1 backup whose signature')

    // Without a signing key nothing is checked and nothing is raised, by cleanup or checkAlerts().
    const keyless = manager(storage, { now, alerts: { noSuccessForHours: 24 } })
    await keyless.backups.cleanup()
    expect(await keyless.backups.checkAlerts()).toEqual([])
    expect(untrustedAlerts(keyless.alerts)).toEqual([])
  }, 120_000)

  it('names a signed backup whose manifest holds no member checksums, in the check as in cleanup; it is no success', async () => {
    const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-untrusted-alert-')) })
    const clock = { shift: 0 }
    const now = () => new Date(Date.now() + clock.shift)
    const signed = await manager(storage, { signing: { key: KEY }, now }).backups.create()
    clock.shift = 30 * HOUR
    // signed with the key, its signature valid, but without member checksums (as something else holding the key wrote it)
    const bare = await manager(storage, { signing: { key: KEY }, now }).backups.create()
    const key = manifestKeyOf(bare.storagePath)
    const { members, signature: _signature, ...rest } = JSON.parse((await read(storage, key)).toString('utf8')) as { members: { sha256?: string }[]; signature?: unknown }
    const stripped = { ...rest, members: members.map(({ sha256: _sha256, ...m }) => m), signature: undefined }
    await storage.put(key, Readable.from([Buffer.from(JSON.stringify(signManifest(stripped, SigningOptionsSchema.parse({ key: KEY }))))]))

    // signing.require off: restore refuses it all the same (BACKUP_UNTRUSTED), so the alerts count it as cleanup does
    const watched = manager(storage, { signing: { key: KEY }, now, alerts: { noSuccessForHours: 24 } })
    expect((await watched.backups.list()).find((r) => r.id === bare.id)?.signature).toBe('no-member-checksums')
    const checked = await watched.backups.checkAlerts()
    expect(checked.map((a) => a.kind)).toEqual(['no-recent-success', 'backups-untrusted'])
    expect(checked[0]!.detail).toMatchObject({ lastSuccessAt: (await watched.backups.manifest(signed.id)).completedAt, untrustedNotCounted: 1 })
    expect(checked[1]).toMatchObject({ detail: { count: 1, backups: [{ id: bare.id, signature: 'no-member-checksums' }], by: 'check' } })
    expect(checked[1]!.message).toContain(`the storage holds 1 backup whose signature does not check out under the signing key: ${bare.id} (no-member-checksums).`)
    expect((await watched.backups.metrics()).history!.last?.id).toBe(signed.id)
    const cleaned = await watched.backups.cleanup({ dryRun: true })
    expect(cleaned.untrusted?.map((u) => [u.id, u.signature])).toEqual([[bare.id, 'no-member-checksums']])
  }, 120_000)

  it('is not raised when every backup checks out', async () => {
    const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-untrusted-alert-')) })
    const signed = manager(storage, { signing: { key: KEY, require: true }, alerts: { noSuccessForHours: 24 } })
    await signed.backups.create()
    await signed.backups.create()
    const result = await signed.backups.cleanup({ daysToKeep: 0 })
    expect(result.deleted).toHaveLength(1)
    expect(result.untrusted).toBeUndefined()
    expect(await signed.backups.checkAlerts()).toEqual([])
    expect(untrustedAlerts(signed.alerts)).toEqual([])
  }, 120_000)
})
