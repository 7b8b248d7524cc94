// downloadUrl() with replicas: presigning is local, so with the primary endpoint down it handed out the
// primary's URL, a dead link. Now it falls back as download() does: the first replica that holds the
// backup and can presign (a folder cannot), said in `copy` and a `backup:fallback` event. Real s3rver
// endpoints (the primary one stopped), a folder replica, and a silent primary bounded by requestTimeoutMs.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, startS3Server, type S3Endpoint, type S3Server, type TestDatabase } from '@pgkeep/testkit'
import { startSilentServer } from '@pgkeep/testkit/silent-server'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, s3Storage, type ManagerEvents, type StorageDriver } from '../../src/index'

const server = inject('pgDefault')
const shared = inject('s3')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'url_fallback' })
  await runSql(source.url, 'CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL); INSERT INTO rooms SELECT i, \'room \' || i FROM generate_series(1, 500) AS i;')
}, 120_000)
afterAll(() => source?.drop())

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()))
})

const newBucket = (tag: string) => `url-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`

function s3At(endpoint: S3Endpoint, bucket: string, requestTimeoutMs?: number): StorageDriver {
  const { endPoint, port, accessKey, secretKey, region } = endpoint
  return s3Storage({ endPoint, port, accessKey, secretKey, region, useSSL: false, bucket, ...(requestTimeoutMs ? { requestTimeoutMs } : {}) })
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

describe('downloadUrl() with replicas', () => {
  it('presigns on the first replica that holds the backup and can presign when the primary is down or silent, and says so', async () => {
    const primary: S3Server = await startS3Server()
    cleanups.push(() => primary.stop())
    const dir = mkdtempSync(join(tmpdir(), 'pgkeep-url-fallback-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const primaryBucket = newBucket('p')
    const replicaBucket = newBucket('r')
    const replicas = [{ storage: fsStorage({ dir }), name: 'usb-disk' }, { storage: s3At(shared, replicaBucket), name: 'far-away' }]
    const backups = createBackupManager({ connection: source.url, storage: s3At(primary, primaryBucket), replicas })
    const record = await backups.create()
    expect(record.copies.map((c) => [c.storage, c.status])).toEqual([['usb-disk', 'ok'], ['far-away', 'ok']])

    // the primary up: its own URL
    const fromPrimary = await backups.downloadUrl(record.id, { expiresIn: 60 })
    expect(fromPrimary.copy).toBe('primary')
    expect(new URL(fromPrimary.url).port).toBe(String(primary.port))
    expect(sha256(Buffer.from(await (await fetch(fromPrimary.url)).arrayBuffer()))).toBe(record.sha256)

    // the primary endpoint down: the far-away replica's URL (the folder before it cannot presign)
    await primary.stop()
    const fallbacks: ManagerEvents['backup:fallback'][] = []
    backups.on('backup:fallback', (e) => { fallbacks.push(e) })
    const down = await backups.downloadUrl(record.id, { expiresIn: 60 })
    expect(down.copy).toBe('far-away')
    expect(new URL(down.url).port).toBe(String(shared.port))
    expect(down.url).toContain(`/${replicaBucket}/${record.storagePath}`)
    const response = await fetch(down.url)
    expect(response.status).toBe(200)
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(record.sha256)
    expect(fallbacks.map((e) => [e.id, e.operation, e.copy])).toEqual([[record.id, 'download', 'far-away']])
    expect(fallbacks[0]!.reason).toMatch(/^STORAGE_UNREACHABLE: /)

    // a primary that accepts connections and never answers: the look at it ends after requestTimeoutMs
    const silent = await startSilentServer()
    cleanups.push(() => silent.close())
    const hung = createBackupManager({ connection: source.url, storage: s3At({ ...primary, port: silent.port }, primaryBucket, 300), replicas })
    const startedAt = Date.now()
    const viaReplica = await hung.downloadUrl(record.id, { expiresIn: 60 })
    expect(Date.now() - startedAt).toBeLessThan(5_000)
    expect(viaReplica.copy).toBe('far-away')
    expect(sha256(Buffer.from(await (await fetch(viaReplica.url)).arrayBuffer()))).toBe(record.sha256)
  })
})
