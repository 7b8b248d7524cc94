// GET /metrics against a storage that is not there: an S3 bucket missing on the test run's s3rver, a
// folder that does not exist, an S3 endpoint nothing listens at. A missing bucket or folder lists as
// empty, so the metrics said zero backups for a misspelt bucket. The route still answers 200 (the scrape
// carries the counters and the database's figures) with pgkeep_storage_up 0 and without the figures of
// what the storage holds; metrics() says why. A backup makes the storage, and then it is up.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { findFreePort } from '@pgkeep/testkit/free-port'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, s3Storage, type StorageDriver } from '../../src/index'
import { handleBackupRequest } from '../../src/http/dispatch'
import { resolveHttpConfig } from '../../src/http/http-config'
import type { RouteRequest } from '../../src/http/route-types'
import { exposition } from '../helpers/prometheus-text'

const server = inject('pgDefault')
const config = resolveHttpConfig({ tokenSecret: 's'.repeat(32) })
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'http_metrics_missing' })
  await runSql(db.url, 'CREATE TABLE rooms (id int PRIMARY KEY, name text); INSERT INTO rooms VALUES (1, $$Melati$$)')
}, 60_000)
afterAll(() => db?.drop())

const request = (method: string, path: string): RouteRequest => ({ method, path, query: {}, headers: {}, signal: new AbortController().signal })

/** The families of a metrics answer, after checking it is valid exposition text. */
function families(text: string) {
  expect(exposition(text)).toEqual([])
  return new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]))
}

/** What a storage holds: none of these may read as zero for a storage that is not there. */
const HELD = ['pgkeep_backups', 'pgkeep_backups_bytes', 'pgkeep_last_success_timestamp_seconds', 'pgkeep_last_backup_duration_seconds',
  'pgkeep_last_backup_size_bytes', 'pgkeep_invalid_manifests', 'pgkeep_storage_bytes', 'pgkeep_storage_objects']

const s3 = () => inject('s3')
const missing: { name: string; make: () => Promise<StorageDriver>; code: string; message: RegExp }[] = [
  {
    name: 'an S3 bucket that does not exist',
    make: async () => s3Storage({ endPoint: s3().endPoint, port: s3().port, accessKey: s3().accessKey, secretKey: s3().secretKey, region: s3().region, useSSL: false, bucket: `pgkeep-typo-${randomBytes(4).toString('hex')}` }),
    code: 'STORAGE_NOT_FOUND',
    message: /^the bucket "pgkeep-typo-[0-9a-f]{8}" does not exist at 127\.0\.0\.1:\d+; check the bucket name and the endpoint; the bucket is created by the first backup/,
  },
  {
    name: 'a folder that does not exist',
    make: async () => fsStorage({ dir: join(await mkdtemp(join(tmpdir(), 'pgkeep-missing-')), 'backupz') }),
    code: 'STORAGE_NOT_FOUND',
    message: /^the backup folder \/.+\/backupz does not exist; check the path and that its volume is mounted; the folder is created by the first backup/,
  },
]

describe.each(missing)('GET /metrics with $name', ({ make, code, message }) => {
  it('answers 200 with pgkeep_storage_up 0 and no backup figures, makes nothing, and is up once a backup made it', async () => {
    const storage = await make()
    const manager = createBackupManager({ connection: db.url, storage, rateLimit: false })
    const ask = (req: RouteRequest) => handleBackupRequest(req, { manager, config, log: () => {}, authorize: () => 'admin' })

    const answer = await ask(request('GET', '/metrics'))
    expect(answer.status).toBe(200)
    if (answer.kind !== 'text') throw new Error(`expected text, got ${answer.kind}`)
    const down = families(answer.text)
    expect(down.get('pgkeep_storage_up')).toMatchObject({ type: 'GAUGE', metrics: [{ value: '0' }] })
    for (const name of HELD) expect(down.has(name), name).toBe(false)
    // what the process counted still shows
    expect(down.get('pgkeep_backups_total')!.metrics.map((m) => m.value)).toEqual(['0', '0', '0', '0'])

    const json = await manager.metrics()
    expect(json).toMatchObject({ storageUp: false, storageError: { code }, history: null, invalidManifests: null, storage: null })
    expect(json.storageError!.message).toMatch(message)
    // the scrape made nothing
    await expect(storage.assertExists!()).rejects.toMatchObject({ code: 'STORAGE_NOT_FOUND' })

    expect((await ask({ ...request('POST', '/database'), query: { download: '0' } })).status).toBe(201)
    const after = await ask(request('GET', '/metrics'))
    if (after.kind !== 'text') throw new Error(`expected text, got ${after.kind}`)
    const up = families(after.text)
    expect(up.get('pgkeep_storage_up')!.metrics[0]!.value).toBe('1')
    expect(up.get('pgkeep_backups')!.metrics.find((m) => m.labels?.type === 'manual')!.value).toBe('1')
    expect(up.has('pgkeep_last_success_timestamp_seconds')).toBe(true)
    expect((await manager.metrics()).storageError).toBeUndefined()
  }, 60_000)
})

describe('GET /metrics with an S3 endpoint nothing listens at', () => {
  it('answers 200 with pgkeep_storage_up 0 and says STORAGE_UNREACHABLE in metrics()', async () => {
    const port = await findFreePort()
    const storage = s3Storage({ endPoint: s3().endPoint, port, accessKey: s3().accessKey, secretKey: s3().secretKey, region: s3().region, useSSL: false, bucket: 'pgkeep-down' })
    const manager = createBackupManager({ connection: db.url, storage, rateLimit: false })
    const answer = await handleBackupRequest(request('GET', '/metrics'), { manager, config, log: () => {}, authorize: () => 'admin' })
    expect(answer.status).toBe(200)
    if (answer.kind !== 'text') throw new Error(`expected text, got ${answer.kind}`)
    const down = families(answer.text)
    expect(down.get('pgkeep_storage_up')!.metrics[0]!.value).toBe('0')
    for (const name of HELD) expect(down.has(name), name).toBe(false)
    const json = await manager.metrics()
    expect(json).toMatchObject({ storageUp: false, storageError: { code: 'STORAGE_UNREACHABLE' }, history: null })
    expect(json.storageError!.message).toContain(`127.0.0.1:${port}`)
  }, 60_000)
})
