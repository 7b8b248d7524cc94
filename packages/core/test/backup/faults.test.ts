// The backup manager with S3 storage when something breaks: the S3 endpoint dies mid-upload, the database
// session is killed mid-copy, the S3 credentials are wrong, the endpoint is not there, the database refuses
// the connection, the backup outgrows maxSizeBytes. Every failure must reject with a PgkeepError whose code
// names the cause and whose message holds no secret, leave no record (list() empty, no manifest) and no
// object in the bucket (listed with a client of its own, not through the driver), and leave no database
// session of pgkeep open.
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { createDatabase, runSql, startS3Server, type S3Endpoint, type S3Request, type S3Server, type TestDatabase } from '@pgkeep/testkit'
import { findFreePort } from '@pgkeep/testkit/free-port'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { Client } from 'minio'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, s3Storage, type BackupManager, type ErrorCode, type PgkeepError, type S3StorageOptions } from '../../src/index'
import { failure, MiB } from '../storage/helpers'

const server = inject('pgDefault')
const shared = inject('s3')
const PART = 5 * MiB
/** The servers run with trust authentication, so this password is sent but never checked: a canary. */
const DB_PASSWORD = 'pg-canary-Pw-5b1e9d'
/** s3rver's one secret key (also its access key); messages must never hold it. */
const S3_SECRET = shared.secretKey
const WRONG_SECRET = 'wrong-secret-7f3a9c51'

let source: TestDatabase
/** The source with a password in the URL, so that a leak of it into a message shows. */
let sourceUrl: string

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'fault_src' })
  // scale 8: ~22 MB of gzip, so the upload is four full 5 MiB parts and a short one
  await loadSampleDatabase(source.url, { scale: 8 })
  sourceUrl = withPassword(source.url, DB_PASSWORD)
}, 180_000)
afterAll(() => source?.drop())

/** Endpoints a test started itself, and their folders; removed after it. */
const ownServers: S3Server[] = []
const ownDirectories: string[] = []
afterEach(async () => {
  await Promise.all(ownServers.splice(0).map((s) => s.stop()))
  await Promise.all(ownDirectories.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})
async function ownServer(opts: Parameters<typeof startS3Server>[0] = {}): Promise<S3Server> {
  const s3 = await startS3Server({ recordRequests: true, ...opts })
  ownServers.push(s3)
  return s3
}
function ownDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'pgkeep-faults-s3-'))
  ownDirectories.push(directory)
  return directory
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url)
  parsed.password = password
  return parsed.toString()
}

let buckets = 0
function newBucket(tag: string): string {
  return `fault-${tag}-${process.pid}-${buckets++}-${randomBytes(3).toString('hex')}`
}

function storageOptions(endpoint: S3Endpoint, bucket: string, extra: Partial<S3StorageOptions> = {}): S3StorageOptions {
  const { endPoint, port, accessKey, secretKey, region } = endpoint
  return { endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true, bucket, partSizeBytes: PART, ...extra }
}

function rawClient(endpoint: S3Endpoint): Client {
  const { endPoint, port, accessKey, secretKey, region } = endpoint
  return new Client({ endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true })
}

/** Every object name in the bucket, listed by a client of its own (no bucket: none). */
async function objectNames(endpoint: S3Endpoint, bucket: string): Promise<string[]> {
  const raw = rawClient(endpoint)
  if (!(await raw.bucketExists(bucket))) return []
  const names: string[] = []
  for await (const object of raw.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string; prefix?: string }>) {
    names.push(object.name ?? object.prefix ?? '')
  }
  // The audit trail (one object per event under backups/audit/) is meant to stay.
  return names.filter((n) => !n.startsWith('backups/audit/')).sort()
}

/** Sessions of pgkeep on the source database; the server may take a moment to drop a closed one. */
async function openSessions(database: string): Promise<number> {
  const count = async () =>
    Number((await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${database}' AND application_name = 'pgkeep'`))[0]!.n)
  for (let waited = 0; ; waited += 50) {
    const n = await count()
    if (n === 0 || waited >= 3000) return n
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The failure of a backup: the code, and no secret in the message, the hint or anything inspect() shows. */
async function failedBackup(backups: BackupManager, code: ErrorCode, options: Parameters<BackupManager['create']>[0] = {}): Promise<PgkeepError> {
  const error = await failure(backups.create(options), code)
  for (const secret of [DB_PASSWORD, S3_SECRET, WRONG_SECRET]) {
    expect(error.message).not.toContain(secret)
    expect(error.hint ?? '').not.toContain(secret)
    expect(inspect(error, { depth: 10 })).not.toContain(secret)
  }
  return error
}

/** No record and no object: the manager lists nothing, and the bucket holds nothing (so no dump, no manifest). */
async function expectNothingStored(backups: BackupManager, endpoint: S3Endpoint, bucket: string): Promise<void> {
  expect(await backups.list()).toEqual([])
  const names = await objectNames(endpoint, bucket)
  expect(names.filter((n) => n.endsWith('.manifest.json'))).toEqual([])
  expect(names).toEqual([])
}

/** The requests about backup objects (backups/<year>/…), as `METHOD query status`, upload ids hidden. */
function backupRequests(requests: S3Request[], bucket: string): string[] {
  return requests
    .filter((r) => r.path.startsWith(`/${bucket}/backups/`) && !r.path.startsWith(`/${bucket}/backups/audit/`))
    .map((r) => `${r.method} ${r.query.replace(/uploadId=[0-9a-f]+/, 'uploadId=ID')} ${r.status ?? '-'}`.replace(/ +/g, ' '))
}

describe('backup manager faults with S3 storage', () => {
  it('fails with STORAGE_UNREACHABLE when the endpoint dies mid-upload, and after a restart nothing is under the key', async () => {
    const directory = ownDirectory()
    const first = await ownServer({ directory })
    const bucket = newBucket('dies')
    const backups = createBackupManager({ connection: sourceUrl, storage: s3Storage(storageOptions(first, bucket)) })
    let stopping: Promise<void> | undefined
    let storedAtStop = 0
    const error = await failedBackup(backups, 'STORAGE_UNREACHABLE', {
      onProgress: (p) => {
        // Part 3 starts filling only once part 1 is stored (s3-upload.ts): past 2 parts and some slack for
        // the bytes buffered between the gzip and the upload, part 1 is on the server.
        if (stopping === undefined && p.storedBytes > 2 * PART + MiB) {
          storedAtStop = p.storedBytes
          stopping = first.stop()
        }
      },
    })
    await stopping
    expect(storedAtStop).toBeGreaterThan(2 * PART)
    expect(error.message).toContain(`"${bucket}"`)
    expect(error.message).toContain(`127.0.0.1:${first.port}`)

    // the upload was well under way: part 1 stored, and no completion ever answered
    const requests = backupRequests(await first.requests(), bucket)
    expect(requests[0]).toBe('POST uploads 200')
    expect(requests).toContain('PUT uploadId=ID&partNumber=1 200')
    expect(requests.filter((r) => r.startsWith('POST uploadId=ID'))).toEqual([])
    expect(await openSessions(source.name)).toBe(0)

    const second = await ownServer({ port: first.port, directory })
    expect(await objectNames(second, bucket)).toEqual([])
    await expectNothingStored(backups, second, bucket)
  })

  it('fails with COPY_FAILED when the database session is killed mid-backup, and aborts the upload', async () => {
    const s3 = await ownServer()
    const bucket = newBucket('killed')
    const backups = createBackupManager({ connection: sourceUrl, storage: s3Storage(storageOptions(s3, bucket)) })
    let killing: Promise<unknown> | undefined
    let killedAt = 0
    const error = await failedBackup(backups, 'COPY_FAILED', {
      onProgress: (p) => {
        // well into the data, with a multipart upload under way
        if (killing === undefined && p.phase === 'data' && p.storedBytes > PART + MiB) {
          killedAt = p.storedBytes
          killing = runSql(server.url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${source.name}' AND application_name = 'pgkeep'`)
        }
      },
    })
    const [terminated] = (await killing) as { pg_terminate_backend: boolean }[]
    expect(terminated?.pg_terminate_backend).toBe(true)
    expect(killedAt).toBeGreaterThan(PART)
    expect(error.message).toMatch(/terminat/i)
    const requests = backupRequests(await s3.requests(), bucket)
    expect(requests[0]).toBe('POST uploads 200')
    expect(requests.filter((r) => r.startsWith('POST uploadId=ID'))).toEqual([])
    expect(await openSessions(source.name)).toBe(0)
    await expectNothingStored(backups, s3, bucket)
  })

  it('fails with STORAGE_ACCESS_DENIED on a wrong secret key, leaving no database session open', async () => {
    const bucket = newBucket('denied')
    await rawClient(shared).makeBucket(bucket, shared.region)
    const backups = createBackupManager({ connection: sourceUrl, storage: s3Storage(storageOptions(shared, bucket, { secretKey: WRONG_SECRET })) })
    const error = await failedBackup(backups, 'STORAGE_ACCESS_DENIED')
    expect(error.message).toContain(`"${bucket}"`)
    expect(error.hint).toMatch(/secretKey/)
    expect(await openSessions(source.name)).toBe(0)
    // the history as the right credentials see it: empty
    const readable = createBackupManager({ connection: sourceUrl, storage: s3Storage(storageOptions(shared, bucket)) })
    await expectNothingStored(readable, shared, bucket)
  })

  it('fails with STORAGE_UNREACHABLE when nothing listens at the endpoint', async () => {
    const directory = ownDirectory()
    const before = await ownServer({ directory })
    const bucket = newBucket('absent')
    const port = before.port
    await before.stop()
    const backups = createBackupManager({ connection: sourceUrl, storage: s3Storage(storageOptions(before, bucket)) })
    const error = await failedBackup(backups, 'STORAGE_UNREACHABLE')
    expect(error.message).toContain(`127.0.0.1:${port}`)
    expect(error.message).toContain('ECONNREFUSED')
    expect(error.hint).toMatch(/endPoint/)
    expect(await openSessions(source.name)).toBe(0)
    // the same endpoint back on its port and folder: nothing arrived
    const after = await ownServer({ port, directory })
    await expectNothingStored(backups, after, bucket)
  })

  it('fails with CONNECT_FAILED when the database refuses the connection, and stores nothing', async () => {
    const parsed = new URL(sourceUrl)
    const freePort = await findFreePort()
    const wrongPort = new URL(sourceUrl)
    wrongPort.port = String(freePort)
    const unknownDb = new URL(sourceUrl)
    unknownDb.pathname = '/pgkeep_no_such_database'
    for (const [label, url, said] of [
      ['wrong port', wrongPort.toString(), String(freePort)],
      ['unknown database', unknownDb.toString(), 'pgkeep_no_such_database'],
    ] as const) {
      const bucket = newBucket('refused')
      const backups = createBackupManager({ connection: url, storage: s3Storage(storageOptions(shared, bucket)) })
      const error = await failedBackup(backups, 'CONNECT_FAILED')
      expect(error.message, label).toContain(said)
      expect(error.message, label).toContain(parsed.hostname)
      await expectNothingStored(backups, shared, bucket)
    }
    expect(await openSessions(source.name)).toBe(0)
  })

  it('fails with SIZE_LIMIT_EXCEEDED past maxSizeBytes, within the first part and mid-multipart, storing nothing', async () => {
    const s3 = await ownServer()
    for (const limit of [50_000, 2 * PART + PART / 2]) {
      const bucket = newBucket('limit')
      const backups = createBackupManager({ connection: sourceUrl, storage: s3Storage(storageOptions(s3, bucket)), maxSizeBytes: limit })
      const error = await failedBackup(backups, 'SIZE_LIMIT_EXCEEDED')
      expect(error.message).toContain(String(limit))
      const requests = backupRequests(await s3.requests(), bucket)
      if (limit < PART) {
        // the body failed before its first part was full: nothing was ever sent for the object, and the
        // manager removes nothing it did not store (the key might be another backup's)
        expect(requests).toEqual([])
      } else {
        // the first part went up, the limit was passed within the third part's bytes (while the second
        // was uploading or after it: compression may outrun the upload, and then the second is cut off);
        // the upload was aborted, never completed
        expect(requests.slice(0, 2)).toEqual(['POST uploads 200', 'PUT uploadId=ID&partNumber=1 200'])
        expect(requests[2]).toMatch(/^PUT uploadId=ID&partNumber=2 (200|-)$/)
        expect(requests.filter((r) => r.includes('partNumber=3'))).toEqual([])
        expect(requests.filter((r) => r.startsWith('POST uploadId=ID'))).toEqual([])
        expect(requests).toContain('DELETE uploadId=ID 405')
      }
      expect(await openSessions(source.name)).toBe(0)
      await expectNothingStored(backups, s3, bucket)
    }
  })
})
