// replicate() under a signing key passes over the primary's backups the manager would not use: a backup
// planted in the primary (unsigned while signing is required) is not copied into the replicas, and a
// backup whose primary manifest was changed (its sha256 among others) is neither copied nor checked, so
// `check` does not take the replica's real copy for a damaged one and replace it. Both are listed in
// `skipped`. On a real PostgreSQL, a primary folder and a replica folder.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, type StorageDriver } from '../../src/index'
import { readObject } from '../helpers/read-object'

const server = inject('pgDefault')
const KEY = randomBytes(32).toString('hex')
const REPLICA = 'usb-disk'

let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'replicate_trust' })
  await runSql(source.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO rooms SELECT i, 'room ' || i FROM generate_series(1, 20) i;`)
}, 120_000)
afterAll(() => source?.drop())

const folder = async () => fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-replicate-trust-')) })

describe('replicate() under a signing key', () => {
  it('copies and checks only the backups the manager would use, and lists the others as skipped', async () => {
    const primary = await folder()
    const replica = await folder()
    const strict = () => createBackupManager({ connection: source.url, storage: primary, replicas: [{ storage: replica, name: REPLICA }], rateLimit: false, signing: { key: KEY, require: true } })

    // signed and copied; then its manifest changed in the primary only (a sha256 that is not the dump's)
    const real = await strict().create()
    await changeManifest(primary, real.storagePath, (m) => { m.sha256 = '0'.repeat(64) })
    // unsigned, written into the primary by someone without the key
    const planted = await createBackupManager({ connection: source.url, storage: primary, rateLimit: false }).create()

    const result = await strict().replicate({ check: true })
    expect({ copied: result.copied, failed: result.failed, damaged: result.damaged, inPlace: result.inPlace }).toEqual({ copied: [], failed: [], damaged: [], inPlace: 0 })

    // the replica holds the real copy alone, and it still checks out there
    const inReplica = createBackupManager({ connection: source.url, storage: replica, rateLimit: false, signing: { key: KEY, require: true } })
    expect((await inReplica.list()).map((r) => [r.id, r.signature])).toEqual([[real.id, 'valid']])
    const download = await inReplica.openDownload(real.id)
    let bytes = 0
    for await (const chunk of download.stream) bytes += (chunk as Buffer).length
    expect(bytes).toBe(real.size)
    // both named, newest first
    expect(result.skipped?.map((u) => [u.id, u.signature])).toEqual([[planted.id, 'unsigned'], [real.id, 'tampered']])

    // without a key nothing is checked: every backup of the primary is copied, as before
    const plain = await createBackupManager({ connection: source.url, storage: primary, replicas: [{ storage: replica, name: REPLICA }], rateLimit: false }).replicate()
    expect(plain.skipped).toBeUndefined()
    expect(plain.copied.map((c) => c.id)).toEqual([planted.id])
  }, 180_000)
})

async function changeManifest(storage: StorageDriver, storagePath: string, change: (manifest: Record<string, unknown>) => void): Promise<void> {
  const key = manifestKeyOf(storagePath)
  const manifest = JSON.parse((await readObject(storage, key)).toString('utf8')) as Record<string, unknown>
  change(manifest)
  await storage.put(key, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]))
}
