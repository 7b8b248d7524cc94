// BackupManager.latest(), on a real PostgreSQL and a real folder: the newest backup a restore would use.
// Newer partial backups (a table selection, schema or data only, rows left out) are passed over, and under a signing key so are
// newer backups it does not trust (one unsigned while signing is required, a manifest changed after
// signing); an empty storage, or one holding only such backups, has none.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, type BackupManagerOptions, type StorageDriver } from '../../src/index'
import { readObject } from '../helpers/read-object'

const server = inject('pgDefault')
const KEY = randomBytes(32).toString('hex')

let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'latest_backup' })
  await runSql(source.url, `CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 20) i;
    CREATE TABLE notes (id integer);`)
}, 120_000)
afterAll(() => source?.drop())

const manager = (storage: StorageDriver, extra: Partial<BackupManagerOptions> = {}) =>
  createBackupManager({ connection: source.url, storage, rateLimit: false, ...extra })

const folder = async () => fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-latest-')) })

describe('BackupManager.latest()', () => {
  it('is null for an empty storage and for one holding only partial backups; a bad until is OPTIONS_INVALID', async () => {
    const storage = await folder()
    await expect(manager(storage).latest()).resolves.toBeNull()
    for (const until of [new Date(Number.NaN), { lsn: 'nowhere' }, { xid: 1 }, 'yesterday'] as never[]) {
      await expect(manager(storage).latest({ until }), String(until)).rejects.toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('invalid latest options: until') })
    }
    // with until only base backups of the change archive count: a plain full backup is none
    await manager(storage).create()
    await expect(manager(storage).latest({ until: new Date() })).resolves.toBeNull()
    await expect(manager(storage).latest({ until: { xid: 1234 } })).resolves.toBeNull()
    await manager(storage).remove((await manager(storage).latest())!.id)
    await manager(storage).create({ tables: ['public.notes'] })
    await manager(storage, { dump: { schemaOnly: true } }).create()
    expect(await manager(storage).list()).toHaveLength(2)
    await expect(manager(storage).latest()).resolves.toBeNull()
  })

  it('is the newest full backup, passing over newer partial ones', async () => {
    const storage = await folder()
    const backups = manager(storage)
    await backups.create()
    const full = await backups.create()
    const partial = await backups.create({ tables: ['public.items'] })
    const dataOnly = await manager(storage, { dump: { dataOnly: true } }).create()
    const noRows = await backups.create({ excludeTableData: ['public.items'] })
    const listed = (await backups.list()).map((r) => r.id)
    expect(listed.slice(0, 4)).toEqual([noRows.id, dataOnly.id, partial.id, full.id])
    const latest = await backups.latest()
    expect(latest).toMatchObject({ id: full.id, partial: false, storagePath: full.storagePath })
  })

  it('under a signing key, passes over newer backups it would not use', async () => {
    const storage = await folder()
    const signed = await manager(storage, { signing: { key: KEY } }).create()
    const tampered = await manager(storage, { signing: { key: KEY } }).create()
    const key = manifestKeyOf(tampered.storagePath)
    const manifest = JSON.parse((await readObject(storage, key)).toString('utf8'))
    manifest.tables[0].rows += 1
    await storage.put(key, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]))
    const unsigned = await manager(storage).create()

    // without a key every backup is used: the newest
    await expect(manager(storage).latest()).resolves.toMatchObject({ id: unsigned.id })
    // with the key, signature optional: the unsigned one is used, the tampered one never
    await expect(manager(storage, { signing: { key: KEY } }).latest()).resolves.toMatchObject({ id: unsigned.id })
    const required = manager(storage, { signing: { key: KEY, require: true } })
    await expect(required.latest()).resolves.toMatchObject({ id: signed.id, signature: 'valid' })
    expect(required.distrust(await required.get(tampered.id))).not.toBeNull()
    // with another key nothing is trusted
    await expect(manager(storage, { signing: { key: randomBytes(32).toString('hex'), require: true } }).latest()).resolves.toBeNull()
  })
})
