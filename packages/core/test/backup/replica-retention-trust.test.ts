// Retention in a replica judges each copy there by the replica's own manifest and signature, not by the
// primary's record of the backup with the same id: a copy changed in the replica only (its manifest
// edited, or its bytes replaced and the manifest re-signed with another key) is one restore would refuse
// when it reads the replica (replica-fallback.ts), so it must not stand in there for the copies the
// manager would use. On a real PostgreSQL: a folder primary, a folder replica and an s3rver replica,
// `keepLast: 1`. The newer backup's copy is changed in each replica; the older backup, which the primary
// deletes, is the only copy either replica holds that the manager would restore, and stays there. And the
// other way round: the primary's manifest changed, the replica's real copy kept as its newest.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type S3Endpoint, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { signManifest } from '../../src/manifest/sign-manifest'
import { SigningOptionsSchema } from '../../src/manifest/signing-options'
import { createBackupManager, fsStorage, s3Storage, type StorageDriver } from '../../src/index'
import { readObject } from '../helpers/read-object'

const server = inject('pgDefault')
const shared = inject('s3')
const KEY = randomBytes(32).toString('hex')
const OTHER_KEY = randomBytes(32).toString('hex')

let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'replica_ret_trust' })
  await runSql(source.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO rooms SELECT i, 'room ' || i FROM generate_series(1, 30) i;`)
}, 120_000)
afterAll(() => source?.drop())

const folder = async () => fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-replica-ret-trust-')) })

function s3At(endpoint: S3Endpoint, bucket: string): StorageDriver {
  const { endPoint, port, accessKey, secretKey, region } = endpoint
  return s3Storage({ endPoint, port, accessKey, secretKey, region, useSSL: false, bucket })
}

describe('replica retention under a signing key', () => {
  it('judges a replica\'s copy by the replica\'s own manifest: a copy changed there never stands in for the real ones', async () => {
    const primary = await folder()
    const usb = await folder()
    const far = s3At(shared, `replica-ret-${process.pid}-${randomBytes(3).toString('hex')}`)
    const replicas = [{ storage: usb, name: 'usb-disk' }, { storage: far, name: 'far-away' }]
    /** A fresh manager (nothing cached from before a change in a storage). */
    const manager = () => createBackupManager({
      connection: source.url, storage: primary, replicas, rateLimit: false,
      signing: { key: KEY, require: true }, retention: { keepLast: 1 },
    })

    const older = await manager().create()
    const newer = await manager().create()
    expect([older, newer].map((r) => r.copies.map((c) => c.status))).toEqual([['ok', 'ok'], ['ok', 'ok']])

    // usb-disk: the newer copy's manifest edited there (its signature left as it was)
    await changeManifest(usb, newer.storagePath, (m) => { m.createdBy = 'someone else' })
    // far-away: the newer copy's bytes replaced, its manifest made to match and re-signed with another key
    const forged = Buffer.from('not the backup it claims to be\n')
    await far.put(newer.storagePath, Readable.from([forged]))
    await changeManifest(far, newer.storagePath, (m) => {
      m.size = forged.length
      m.sha256 = createHash('sha256').update(forged).digest('hex')
      delete m.signature
      return signManifest(m, SigningOptionsSchema.parse({ key: OTHER_KEY }))
    })

    const result = await manager().cleanup()
    // the primary keeps its newest (the real newer backup) and deletes the older one
    expect(result.deleted.map((r) => r.id)).toEqual([older.id])
    // each replica names its changed copy as untrusted, by its own manifest ...
    expect(result.replicas?.map((r) => [r.storage, r.untrusted?.map((u) => [u.id, u.signature])])).toEqual([
      ['usb-disk', [[newer.id, 'tampered']]],
      ['far-away', [[newer.id, 'unknown-key']]],
    ])
    // ... and keeps the older copy, the newest one there the manager would use (it deleted it before: the
    // changed copy counted as trusted, by the primary's record, and took its place as the newest)
    expect(result.replicas?.map((r) => [r.storage, r.deleted, r.kept])).toEqual([['usb-disk', [], 2], ['far-away', [], 2]])

    // and it is of use: the primary lacks it, so a restore reads the first replica's copy
    const target = await createDatabase(server.url, { prefix: 'replica_ret_trust_target' })
    try {
      const restored = await manager().restore(older.id, { target: target.url })
      expect(restored.copy).toBe('usb-disk')
      expect(await runSql(target.url, 'SELECT count(*)::int AS n FROM rooms')).toEqual([{ n: 30 }])
    } finally {
      await target.drop()
    }
    // the changed copies are refused where they are read
    for (const storage of [usb, far]) {
      const alone = createBackupManager({ connection: source.url, storage, rateLimit: false, signing: { key: KEY, require: true } })
      await expect(alone.download(newer.id)).rejects.toMatchObject({ code: 'BACKUP_UNTRUSTED' })
    }
  }, 180_000)

  it('judges a replica\'s intact copy as trusted when only the primary\'s copy of the backup was changed', async () => {
    const primary = await folder()
    const usb = await folder()
    const manager = () => createBackupManager({
      connection: source.url, storage: primary, replicas: [{ storage: usb, name: 'usb-disk' }], rateLimit: false,
      signing: { key: KEY, require: true },
    })
    await manager().create() // the older backup: the primary's newest trusted one once the newer is changed
    const newer = await manager().create()
    // the primary's newer manifest edited; the replica's copy is the real one
    await changeManifest(primary, newer.storagePath, (m) => { m.createdBy = 'someone else' })

    const result = await manager().cleanup({ daysToKeep: 0 })
    // the primary: its changed copy is not kept by the guarantees and goes; its newest trusted one stays
    expect(result.deleted.map((r) => r.id)).toEqual([newer.id])
    expect(result.untrusted?.map((u) => u.id)).toEqual([newer.id])
    // the replica: its newer copy checks out, so it is the newest there and stays (it was deleted before,
    // judged by the primary's changed manifest); the older one stays as the primary keeps it
    expect(result.replicas?.map((r) => [r.storage, r.deleted, r.kept, r.untrusted])).toEqual([['usb-disk', [], 2, undefined]])

    // the primary lacks it now: a restore reads the replica's real copy
    const target = await createDatabase(server.url, { prefix: 'replica_ret_trust_target' })
    try {
      const restored = await manager().restore(newer.id, { target: target.url })
      expect(restored.copy).toBe('usb-disk')
      expect(await runSql(target.url, 'SELECT count(*)::int AS n FROM rooms')).toEqual([{ n: 30 }])
    } finally {
      await target.drop()
    }
  }, 180_000)
})

/** Rewrites a stored manifest: `change` edits it in place, or returns the manifest to store. */
async function changeManifest(storage: StorageDriver, storagePath: string, change: (manifest: Record<string, unknown>) => Record<string, unknown> | void): Promise<void> {
  const key = manifestKeyOf(storagePath)
  const manifest = JSON.parse((await readObject(storage, key)).toString('utf8')) as Record<string, unknown>
  const changed = change(manifest) ?? manifest
  await storage.put(key, Readable.from([Buffer.from(JSON.stringify(changed, null, 2))]))
}
