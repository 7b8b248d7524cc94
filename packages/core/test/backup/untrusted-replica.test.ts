// Backups in a replica that the manager would not use are named by the `backups-untrusted` alert, with
// the replica: a backup only a replica holds is restored and downloaded from there (the primary "does not
// have the backup": replica-fallback.ts), so one planted there is as much a threat as one planted in the
// primary. On a real PostgreSQL, a primary folder and a replica folder: a backup planted only in the
// replica, a signed copy whose manifest was changed in the replica only, and an unsigned backup planted
// in the primary and copied into the replica by replicate() (named once, with both places).
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, isPgkeepError, type BackupManagerOptions, type ManagerEvents, type StorageDriver } from '../../src/index'
import { readObject } from '../helpers/read-object'

const server = inject('pgDefault')
const KEY = randomBytes(32).toString('hex')
const REPLICA = 'usb-disk'

let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'untrusted_replica' })
  await runSql(source.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO rooms SELECT i, 'room ' || i FROM generate_series(1, 20) i;`)
}, 120_000)
afterAll(() => source?.drop())

const folder = async () => fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-untrusted-replica-')) })

describe('the backups-untrusted alert with replicas', () => {
  it('names the replicas\' untrusted backups with the replica, from the check and from cleanup', async () => {
    const primary = await folder()
    const replica = await folder()
    /** A fresh manager of the primary with the replica (nothing cached from before a change in a storage), its alerts collected. */
    const manager = (extra: Partial<BackupManagerOptions> = {}) => {
      const backups = createBackupManager({ connection: source.url, storage: primary, replicas: [{ storage: replica, name: REPLICA }], rateLimit: false, ...extra })
      const alerts: ManagerEvents['alert'][] = []
      backups.on('alert', (a) => { alerts.push(a) })
      return { backups, alerts }
    }
    const strict = () => manager({ signing: { key: KEY, require: true } })

    // signed, copied into the replica; then its manifest changed in the replica only
    const signed = await strict().backups.create()
    expect(signed.copies.map((c) => [c.storage, c.status])).toEqual([[REPLICA, 'ok']])
    await plant(replica, signed.storagePath, (m) => { m.createdBy = 'someone else' })
    // unsigned, written straight into the replica by someone who can write it: the primary never had it
    const replicaOnly = await createBackupManager({ connection: source.url, storage: replica, rateLimit: false }).create()
    // unsigned, planted in the primary, and copied into the replica by a replicate() without a key (one
    // under the key passes over it: replicate-trust.test.ts)
    const planted = await createBackupManager({ connection: source.url, storage: primary, rateLimit: false }).create()
    expect((await manager().backups.replicate()).copied.map((c) => [c.id, c.storage])).toEqual([[planted.id, REPLICA]])

    // A backup only the replica holds is used through the fallback: restored from there when the manager
    // trusts it (an unsigned one while signing.require is off), refused as untrusted when it does not.
    const lenient = manager({ signing: { key: KEY } })
    const fallbacks: ManagerEvents['backup:fallback'][] = []
    lenient.backups.on('backup:fallback', (e) => { fallbacks.push(e) })
    const target = await createDatabase(server.url, { prefix: 'untrusted_replica_target' })
    try {
      const restored = await lenient.backups.restore(replicaOnly.id, { target: target.url })
      expect(restored.copy).toBe(REPLICA)
      expect(await runSql(target.url, 'SELECT count(*)::int AS n FROM rooms')).toEqual([{ n: 20 }])
    } finally {
      await target.drop()
    }
    expect(fallbacks).toEqual([expect.objectContaining({ id: replicaOnly.id, operation: 'restore', copy: REPLICA, reason: expect.stringMatching(/^BACKUP_NOT_FOUND/) })])
    const refused = await strict().backups.download(replicaOnly.id).then(() => null, (e: unknown) => e)
    expect(isPgkeepError(refused) && refused.code).toBe('BACKUP_UNTRUSTED')
    expect((refused as Error).message).toContain(`backup ${replicaOnly.id}`)

    // the check names all three, once each, with where they are: the primary's first, then the replica's (newest first)
    const checker = strict()
    const raised = (await checker.backups.checkAlerts()).filter((a) => a.kind === 'backups-untrusted')
    expect(raised).toHaveLength(1)
    expect(raised[0]!.detail).toEqual({
      count: 3, more: 0, by: 'check',
      backups: [
        { id: planted.id, signature: 'unsigned', copies: ['primary', REPLICA] },
        { id: replicaOnly.id, signature: 'unsigned', copies: [REPLICA] },
        { id: signed.id, signature: 'tampered', copies: [REPLICA] },
      ],
    })
    expect(raised[0]!.message).toContain(`the storage and its replicas hold 3 backups whose signature does not check out under the signing key: ${planted.id} (unsigned, in the primary and replica ${REPLICA}), ${replicaOnly.id} (unsigned, in replica ${REPLICA}), ${signed.id} (tampered, in replica ${REPLICA}).`)

    // cleanup: its `untrusted` stays the primary's; each replica's result lists its own; the alert names all
    const cleaner = strict()
    const result = await cleaner.backups.cleanup({ dryRun: true })
    expect(result.untrusted?.map((u) => u.id)).toEqual([planted.id])
    expect(result.replicas?.[0]?.untrusted?.map((u) => [u.id, u.signature, u.storage])).toEqual([
      [planted.id, 'unsigned', REPLICA], [replicaOnly.id, 'unsigned', REPLICA], [signed.id, 'tampered', REPLICA],
    ])
    const cleaned = cleaner.alerts.filter((a) => a.kind === 'backups-untrusted')
    expect(cleaned).toHaveLength(1)
    expect(cleaned[0]!.detail).toMatchObject({ count: 3, by: 'cleanup', dryRun: true, backups: raised[0]!.detail!.backups })

    // signing.require off: the unsigned ones are used (from the replica too), the tampered copy is not
    const lenientCheck = (await manager({ signing: { key: KEY } }).backups.checkAlerts()).filter((a) => a.kind === 'backups-untrusted')
    expect(lenientCheck.map((a) => a.detail)).toEqual([{ count: 1, more: 0, by: 'check', backups: [{ id: signed.id, signature: 'tampered', copies: [REPLICA] }] }])
    // without a key nothing is checked
    expect((await manager().backups.checkAlerts()).filter((a) => a.kind === 'backups-untrusted')).toEqual([])
  }, 180_000)
})

/** Changes a stored manifest (its signature, if any, left as it was). */
async function plant(storage: StorageDriver, storagePath: string, change: (manifest: Record<string, unknown>) => void): Promise<void> {
  const key = manifestKeyOf(storagePath)
  const manifest = JSON.parse((await readObject(storage, key)).toString('utf8')) as Record<string, unknown>
  change(manifest)
  await storage.put(key, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]))
}
