// Copies of every backup in replicas: a primary S3 endpoint, a second S3 endpoint and a folder, all real.
// Each copy is checked against the manifest's sha256 and shows in the record; an endpoint killed during
// the copy fails the copy, never the backup, and replicate() makes it once the endpoint is back; a
// damaged copy is found and made again; with the primary's bucket gone, restore, verify and download read
// a replica and say so; retention applies to every copy, a replica keeping longer when told to.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { assertSameDatabase, createDatabase, runSql, startS3Server, type S3Endpoint, type S3Server, type TestDatabase } from '@pgkeep/testkit'
import { Client } from 'minio'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  createBackupManager, fsStorage, s3Storage,
  type BackupManagerOptions, type ManagerEvents, type StorageDriver,
} from '../../src/index'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { copiesKeyOf } from '../../src/manager/copies-status'
import { readAll } from '../storage/helpers'

const server = inject('pgDefault')
const shared = inject('s3')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'repl_src' })
  await runSql(source.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL, rent numeric NOT NULL);
    INSERT INTO rooms SELECT i, 'room ' || i, 1000000 + i FROM generate_series(1, 3000) AS i;
    CREATE SEQUENCE bills_seq; SELECT setval('bills_seq', 42);`)
}, 120_000)
afterAll(() => source?.drop())

const ownServers: S3Server[] = []
const ownDirectories: string[] = []
afterEach(async () => {
  await Promise.all(ownServers.splice(0).map((s) => s.stop()))
  await Promise.all(ownDirectories.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

function ownDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'pgkeep-replicas-'))
  ownDirectories.push(directory)
  return directory
}

/** A second S3 endpoint whose buckets live in a folder of the test, so that it can be killed and started again. */
async function secondEndpoint(): Promise<S3Server & { restart(): Promise<void> }> {
  const directory = ownDirectory()
  let current = await startS3Server({ directory })
  ownServers.push(current)
  const endpoint = {
    ...current,
    stop: () => current.stop(),
    async restart() {
      current = await startS3Server({ directory, port: endpoint.port })
      ownServers.push(current)
    },
  }
  return endpoint
}

const newBucket = (tag: string) => `repl-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`

function s3At(endpoint: S3Endpoint, bucket: string): StorageDriver {
  const { endPoint, port, accessKey, secretKey, region } = endpoint
  return s3Storage({ endPoint, port, accessKey, secretKey, region, useSSL: false, bucket })
}

function rawClient(endpoint: S3Endpoint): Client {
  const { endPoint, port, accessKey, secretKey, region } = endpoint
  return new Client({ endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true })
}

/** The object's bytes, read with a client of its own (not through pgkeep). */
async function rawObject(endpoint: S3Endpoint, bucket: string, key: string): Promise<Buffer> {
  return readAll(await rawClient(endpoint).getObject(bucket, key))
}

async function removeBucket(endpoint: S3Endpoint, bucket: string): Promise<void> {
  const raw = rawClient(endpoint)
  const names: string[] = []
  for await (const object of raw.listObjectsV2(bucket, '', true) as AsyncIterable<{ name: string }>) names.push(object.name)
  for (const name of names) await raw.removeObject(bucket, name)
  await raw.removeBucket(bucket)
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** Every event of the given names, in order. */
function recordEvents<E extends keyof ManagerEvents>(backups: { on: (e: E, l: (p: ManagerEvents[E]) => void) => () => void }, ...names: E[]): { name: E; payload: ManagerEvents[E] }[] {
  const seen: { name: E; payload: ManagerEvents[E] }[] = []
  for (const name of names) backups.on(name, (payload) => { seen.push({ name, payload }) })
  return seen
}

/**
 * A storage that, on its first put of a dump, kills `endpoint` as soon as the copy has begun streaming (the
 * first chunk read from the primary), and then passes the rest on: the copy meets a dead endpoint mid-way.
 */
function killedDuringFirstCopy(storage: StorageDriver, endpoint: { stop(): Promise<void> }): StorageDriver & { killed: boolean } {
  const wrapped = {
    ...storage,
    killed: false,
    put: (key: string, body: NodeJS.ReadableStream | AsyncIterable<Uint8Array>, options?: Parameters<StorageDriver['put']>[2]) => {
      if (wrapped.killed || !key.endsWith('.sql.gz')) return storage.put(key, body, options)
      wrapped.killed = true
      return storage.put(key, Readable.from((async function* () {
        let first = true
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          if (first) await endpoint.stop()
          first = false
          yield chunk
        }
      })()), options)
    },
  }
  return wrapped
}

describe('replicas', () => {
  it('copies each backup into a second S3 endpoint and a folder, dump then manifest, equal to the primary\'s bytes, and shows the copies in the record', async () => {
    const second = await secondEndpoint()
    const dir = ownDirectory()
    const primaryBucket = newBucket('p')
    const replicaBucket = newBucket('r')
    const backups = createBackupManager({
      connection: source.url,
      storage: s3At(shared, primaryBucket),
      replicas: [s3At(second, replicaBucket), { storage: fsStorage({ dir }), name: 'local-disk' }],
    })
    const events = recordEvents(backups, 'backup:copy', 'backup:success')
    const record = await backups.create()

    const dump = await rawObject(shared, primaryBucket, record.storagePath)
    expect(sha256(dump)).toBe(record.sha256)
    expect(sha256(await rawObject(second, replicaBucket, record.storagePath))).toBe(record.sha256)
    expect(sha256(await readFile(join(dir, record.storagePath)))).toBe(record.sha256)
    const manifestText = (await rawObject(shared, primaryBucket, manifestKeyOf(record.storagePath))).toString('utf8')
    expect((await rawObject(second, replicaBucket, manifestKeyOf(record.storagePath))).toString('utf8')).toBe(manifestText)
    expect(await readFile(join(dir, manifestKeyOf(record.storagePath)), 'utf8')).toBe(manifestText)

    expect(record.copies.map((c) => [c.storage, c.status])).toEqual([['replica-1', 'ok'], ['local-disk', 'ok']])
    expect(record.copies.every((c) => c.at instanceof Date && c.error === undefined)).toBe(true)
    // The copies are done before the backup is announced; the status is kept beside the backup in the primary.
    expect(events.map((e) => e.name)).toEqual(['backup:copy', 'backup:copy', 'backup:success'])
    expect(events.slice(0, 2).map((e) => (e.payload as ManagerEvents['backup:copy']).bytes)).toEqual([record.size, record.size])
    const status = JSON.parse((await rawObject(shared, primaryBucket, copiesKeyOf(record.storagePath))).toString('utf8'))
    expect(status.copies.map((c: { storage: string; status: string }) => `${c.storage}:${c.status}`)).toEqual(['replica-1:ok', 'local-disk:ok'])

    // A manager made afresh reads the same statuses; list() shows them too.
    const again = createBackupManager({ connection: source.url, storage: s3At(shared, primaryBucket), replicas: [s3At(second, replicaBucket), { storage: fsStorage({ dir }), name: 'local-disk' }] })
    expect((await again.list()).map((r) => r.copies.map((c) => c.status))).toEqual([['ok', 'ok']])
    const metrics = await backups.metrics()
    expect(metrics.copies).toEqual({ 'replica-1': { ok: 1, failed: 0, fallbacks: 0 }, 'local-disk': { ok: 1, failed: 0, fallbacks: 0 } })
    expect(await backups.metricsText()).toContain('pgkeep_copies_total{storage="replica-1",outcome="ok"} 1')

    // remove() takes the status object with the backup.
    await backups.remove(record.id)
    await expect(rawObject(shared, primaryBucket, copiesKeyOf(record.storagePath))).rejects.toThrow()
  })

  it('a replica endpoint killed during the copy fails the copy, not the backup; replicate() makes it once the endpoint is back', async () => {
    const second = await secondEndpoint()
    const dir = ownDirectory()
    const primaryBucket = newBucket('p')
    const replicaBucket = newBucket('r')
    const dying = killedDuringFirstCopy(s3At(second, replicaBucket), second)
    // The bucket exists before the kill, as a replica in use would have it.
    await rawClient(second).makeBucket(replicaBucket, second.region)
    const backups = createBackupManager({ connection: source.url, storage: s3At(shared, primaryBucket), replicas: [dying, fsStorage({ dir })] })
    const events = recordEvents(backups, 'backup:copy', 'alert', 'backup:success')

    const record = await backups.create()
    expect(dying.killed).toBe(true)
    expect(record.copies.map((c) => [c.storage, c.status])).toEqual([['replica-1', 'failed'], ['replica-2', 'ok']])
    expect(record.copies[0]!.error?.code).toMatch(/^STORAGE_/)
    expect(events.filter((e) => e.name === 'alert').map((e) => (e.payload as ManagerEvents['alert']).kind)).toContain('copy-failed')
    expect(events.some((e) => e.name === 'backup:success')).toBe(true)
    expect((await backups.metrics()).copies['replica-1']).toEqual({ ok: 0, failed: 1, fallbacks: 0 })
    // The primary holds the backup whole; the folder replica too.
    expect(sha256(await rawObject(shared, primaryBucket, record.storagePath))).toBe(record.sha256)
    expect(sha256(await readFile(join(dir, record.storagePath)))).toBe(record.sha256)

    // While the endpoint is down, replicate() fails that copy again and leaves the good one alone.
    const down = await backups.replicate()
    expect(down.failed.map((f) => [f.id, f.storage])).toEqual([[record.id, 'replica-1']])
    expect(down.inPlace).toBe(1)

    await second.restart()
    const fixed = await backups.replicate()
    expect(fixed.copied.map((c) => [c.id, c.storage, c.status])).toEqual([[record.id, 'replica-1', 'ok']])
    expect(fixed.failed).toEqual([])
    expect(sha256(await rawObject(second, replicaBucket, record.storagePath))).toBe(record.sha256)
    expect((await backups.get(record.id)).copies.map((c) => c.status)).toEqual(['ok', 'ok'])
    // Nothing left to do.
    const idle = await backups.replicate()
    expect([idle.copied.length, idle.failed.length, idle.inPlace]).toEqual([0, 0, 2])
  })

  it('back-fills older backups into a replica added later', async () => {
    const primaryDir = ownDirectory()
    const replicaDir = ownDirectory()
    const first = createBackupManager({ connection: source.url, storage: fsStorage({ dir: primaryDir }), rateLimit: false })
    const older = [await first.create(), await first.create()]
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir: primaryDir }), replicas: [fsStorage({ dir: replicaDir })] })
    expect((await backups.list()).map((r) => r.copies.map((c) => [c.status, c.at]))).toEqual([[['pending', null]], [['pending', null]]])
    const result = await backups.replicate()
    expect(result.copied.map((c) => c.id)).toEqual(older.map((r) => r.id))
    for (const r of older) expect(sha256(await readFile(join(replicaDir, r.storagePath)))).toBe(r.sha256)
    expect((await backups.list()).map((r) => r.copies[0]!.status)).toEqual(['ok', 'ok'])
  })

  it('finds a damaged copy (replicate with check) and makes it again; a primary whose bytes differ from the manifest is never copied', async () => {
    const primaryDir = ownDirectory()
    const replicaDir = ownDirectory()
    const options: BackupManagerOptions = { connection: source.url, storage: fsStorage({ dir: primaryDir }), replicas: [fsStorage({ dir: replicaDir })], rateLimit: false }
    const backups = createBackupManager(options)
    const record = await backups.create()
    const copyPath = join(replicaDir, record.storagePath)
    const good = await readFile(copyPath)
    const damaged = Buffer.from(good)
    damaged[Math.floor(damaged.length / 2)]! ^= 0xff
    await writeFile(copyPath, damaged)

    // Sizes match, so only a check that reads the copy sees it.
    expect((await backups.replicate()).damaged).toEqual([])
    const events = recordEvents(backups, 'alert')
    const checked = await backups.replicate({ check: true })
    expect(checked.damaged).toEqual([{ id: record.id, storage: 'replica-1' }])
    expect(checked.copied.map((c) => c.id)).toEqual([record.id])
    expect(events.map((e) => e.payload.kind)).toContain('copy-damaged')
    expect(sha256(await readFile(copyPath))).toBe(record.sha256)

    // Damage in the primary: the copy is hashed as it streams, so the replica gets nothing and the copy fails.
    const second = await backups.create()
    const secondCopy = join(replicaDir, second.storagePath)
    await rm(secondCopy)
    await rm(join(replicaDir, manifestKeyOf(second.storagePath)))
    const primaryPath = join(primaryDir, second.storagePath)
    const primaryBytes = await readFile(primaryPath)
    primaryBytes[10]! ^= 0xff
    await writeFile(primaryPath, primaryBytes)
    const refused = await backups.replicate()
    expect(refused.failed.map((f) => [f.id, f.error?.code])).toEqual([[second.id, 'BACKUP_CORRUPT']])
    await expect(readFile(secondCopy)).rejects.toThrow(/ENOENT/)
    await expect(readFile(join(replicaDir, manifestKeyOf(second.storagePath)))).rejects.toThrow(/ENOENT/)

    // verify() of the damaged primary verifies the replica's good copy instead and says why.
    const fallbacks = recordEvents(backups, 'backup:fallback')
    const report = await backups.verify(record.id)
    expect(report.copy).toBe('primary')
    await writeFile(join(primaryDir, record.storagePath), damaged)
    const fromReplica = await backups.verify(record.id)
    expect(fromReplica.ok).toBe(true)
    expect(fromReplica.copy).toBe('replica-1')
    expect(fromReplica.primaryProblem?.code).toBe('BACKUP_CORRUPT')
    expect(fallbacks.map((e) => [e.payload.operation, e.payload.copy])).toEqual([['verify', 'replica-1']])
  })

  it('with the primary bucket removed, restore, verify and download read the replica and say which copy they used', async () => {
    const second = await secondEndpoint()
    const primaryBucket = newBucket('p')
    const replicaBucket = newBucket('r')
    const options = () => ({ connection: source.url, storage: s3At(shared, primaryBucket), replicas: [{ storage: s3At(second, replicaBucket), name: 'far-away' }] })
    const backups = createBackupManager(options())
    const record = await backups.create()
    await removeBucket(shared, primaryBucket)

    for (const manager of [backups, createBackupManager(options())]) {
      const fallbacks = recordEvents(manager, 'backup:fallback')
      const name = `repl_restore_${Date.now()}`
      try {
        const summary = await manager.restore(record.id, { target: server.url, createDatabase: name })
        expect(summary.copy).toBe('far-away')
        expect(summary.bytesRead).toBe(record.size)
        await assertSameDatabase(source.url, server.url.replace(/\/[^/]*$/, `/${name}`))
      } finally {
        await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      }
      const download = await manager.openDownload(record.id)
      expect(download.copy).toBe('far-away')
      expect(sha256(await readAll(download.stream))).toBe(record.sha256)
      const report = await manager.verify(record.id)
      expect([report.ok, report.copy]).toEqual([true, 'far-away'])
      expect(report.primaryProblem?.code).toMatch(/^(STORAGE_NOT_FOUND|BACKUP_NOT_FOUND)$/)
      expect(fallbacks.map((e) => [e.payload.operation, e.payload.copy])).toEqual([['restore', 'far-away'], ['download', 'far-away'], ['verify', 'far-away']])
      expect((await manager.metrics()).copies['far-away']!.fallbacks).toBe(3)
    }
  })

  it('applies retention to every copy; a replica keeps longer when told to, and never shorter than the primary', async () => {
    const primaryDir = ownDirectory()
    const longDir = ownDirectory()
    const sameDir = ownDirectory()
    const shortDir = ownDirectory()
    let clock = Date.parse('2026-03-01T02:00:00Z')
    const backups = createBackupManager({
      connection: source.url,
      storage: fsStorage({ dir: primaryDir }),
      retention: { keepLast: 2 },
      rateLimit: false,
      now: () => new Date(clock),
      replicas: [
        { storage: fsStorage({ dir: longDir }), name: 'long', retention: { keepLast: 4 } },
        { storage: fsStorage({ dir: sameDir }), name: 'same' },
        // asks to keep nothing: it still keeps what the primary keeps
        { storage: fsStorage({ dir: shortDir }), name: 'short', retention: { keepLast: 0, maxAgeDays: 0 } },
      ],
    })
    const made = []
    for (let day = 0; day < 5; day++) {
      made.push(await backups.create())
      clock += 86_400_000
    }
    const ids = made.map((r) => r.id).reverse() // newest first
    const result = await backups.cleanup()
    expect(result.kept.map((k) => k.id)).toEqual(ids.slice(0, 2))
    expect(result.replicas?.map((r) => [r.storage, r.deleted, r.kept])).toEqual([
      ['long', [ids[4]], 4],
      ['same', ids.slice(2), 2],
      ['short', ids.slice(2), 2],
    ])
    const idsIn = async (dir: string) => (await createBackupManager({ connection: source.url, storage: fsStorage({ dir }) }).list()).map((r) => r.id)
    expect(await idsIn(primaryDir)).toEqual(ids.slice(0, 2))
    expect(await idsIn(longDir)).toEqual(ids.slice(0, 4))
    expect(await idsIn(sameDir)).toEqual(ids.slice(0, 2))
    expect(await idsIn(shortDir)).toEqual(ids.slice(0, 2))
    // The dumps went with their manifests.
    await expect(readFile(join(longDir, made[0]!.storagePath))).rejects.toThrow(/ENOENT/)
    expect(sha256(await readFile(join(longDir, made[1]!.storagePath)))).toBe(made[1]!.sha256)

    // The next cleanup, with the primary's backups gone, still applies the long replica's own policy.
    made.push(await backups.create())
    clock += 86_400_000
    const next = await backups.cleanup()
    expect(next.replicas?.find((r) => r.storage === 'long')?.deleted).toEqual([ids[3]])
    expect(await idsIn(longDir)).toEqual([made[5]!.id, ...ids.slice(0, 3)])
  })
})
