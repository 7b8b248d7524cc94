// The route table against a storage that does not exist: an S3 bucket missing on the test run's s3rver,
// a folder that is not there. Both list as empty, so the history answered "no backups" (200, []) for a
// misspelt bucket. The reading routes answer 404 STORAGE_NOT_FOUND naming the bucket or folder, after
// authorization and validation, and without making it (the refused requests write no audit event into
// it); a backup still makes it. The history asks the storage only when its list came back empty.
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, s3Storage, type StorageDriver } from '../../src/index'
import { handleBackupRequest } from '../../src/http/dispatch'
import { signDownloadToken } from '../../src/http/download-token'
import { resolveHttpConfig } from '../../src/http/http-config'
import type { RouteRequest, RouteResult } from '../../src/http/route-types'

const server = inject('pgDefault')
const SECRET = 's'.repeat(32)
const config = resolveHttpConfig({ tokenSecret: SECRET })
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'http_missing_storage' })
  await runSql(db.url, 'CREATE TABLE rooms (id int PRIMARY KEY, name text); INSERT INTO rooms VALUES (1, $$Melati$$)')
}, 60_000)
afterAll(() => db?.drop())

function request(method: string, path: string, query: Record<string, string> = {}): RouteRequest {
  return { method, path, query, headers: {}, signal: new AbortController().signal }
}

function json(result: RouteResult): Record<string, unknown> {
  if (result.kind !== 'json') throw new Error(`expected a JSON answer, got ${result.kind} (${result.status})`)
  return result.json as Record<string, unknown>
}

/** `storage` with its assertExists() calls counted: the storage itself answers every call. */
function counted(storage: StorageDriver): { storage: StorageDriver; checks: () => number } {
  let n = 0
  const check = storage.assertExists!.bind(storage)
  return { storage: { ...storage, assertExists: () => { n++; return check() } }, checks: () => n }
}

const cases: { name: string; make: () => Promise<StorageDriver>; names: (storage: StorageDriver) => RegExp }[] = [
  {
    name: 'an S3 bucket that does not exist',
    make: async () => {
      const s3 = inject('s3')
      return s3Storage({ endPoint: s3.endPoint, port: s3.port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, bucket: `pgkeep-typo-${randomBytes(4).toString('hex')}` })
    },
    names: () => /^the bucket "pgkeep-typo-[0-9a-f]{8}" does not exist at 127\.0\.0\.1:\d+; check the bucket name and the endpoint; the bucket is created by the first backup, never by listing, downloading or restoring$/,
  },
  {
    name: 'a folder that does not exist',
    make: async () => fsStorage({ dir: join(await mkdtemp(join(tmpdir(), 'pgkeep-missing-')), 'backupz') }),
    names: () => /^the backup folder \/.+\/backupz does not exist; check the path and that its volume is mounted; the folder is created by the first backup, never by listing, downloading or restoring$/,
  },
]

describe.each(cases)('the routes with $name', ({ make, names }) => {
  it('answer 404 STORAGE_NOT_FOUND naming it on every route that reads backups, make nothing, and a backup still makes it', async () => {
    const raw = await make()
    const { storage, checks } = counted(raw)
    const manager = createBackupManager({ connection: db.url, storage, rateLimit: false })
    const ask = (req: RouteRequest, who: string | null = 'admin') => handleBackupRequest(req, { manager, config, log: () => {}, authorize: () => who })
    const id = randomUUID()
    const token = signDownloadToken({ id, exp: Math.floor(Date.now() / 1000) + 60, actor: 'admin' }, SECRET)

    // nobody signed in: 401 as before, the storage not asked
    expect((await ask(request('GET', '/history'), null)).status).toBe(401)
    expect(checks()).toBe(0)

    const reading: [string, RouteRequest][] = [
      ['history', request('GET', '/history')],
      ['download link', request('GET', `/download/${id}`)],
      ['file', request('GET', `/file/${id}`, { token })],
      ['verify', request('POST', `/${id}/verify`)],
      ['pin', request('POST', `/${id}/pin`)],
      ['remove', request('DELETE', `/${id}`)],
      ['cleanup', request('POST', '/cleanup')],
      ['compare', request('GET', '/compare', { a: id, b: randomUUID() })],
    ]
    for (const [what, req] of reading) {
      const answer = await ask(req)
      expect(answer.status, what).toBe(404)
      const body = json(answer)
      expect(body, what).toMatchObject({ statusCode: 404, code: 'STORAGE_NOT_FOUND' })
      expect(body.message, what).toMatch(names(raw))
    }
    // none of them made it: their refusals were not audited into it
    await expect(raw.assertExists!()).rejects.toMatchObject({ code: 'STORAGE_NOT_FOUND' })
    expect((await manager.auditLog()).length).toBe(0)

    // a backup makes it; the history then lists it without asking the storage whether it exists
    const created = await ask(request('POST', '/database', { download: '0' }))
    expect(created.status, JSON.stringify(json(created))).toBe(201)
    const before = checks()
    const history = await ask(request('GET', '/history'))
    expect(history.status).toBe(200)
    expect(json(history)).toMatchObject({ total: 1, backups: [{ id: json(created).id }] })
    expect(checks()).toBe(before)
  })
})

describe('the history of a storage that exists and holds no backup', () => {
  it('is an empty list, for a bucket and for a folder', async () => {
    for (const { make } of cases) {
      const storage = await make()
      await storage.put('elsewhere/readme.txt', Readable.from([Buffer.from('not a backup')]))
      const manager = createBackupManager({ connection: db.url, storage, rateLimit: false })
      const answer = await handleBackupRequest(request('GET', '/history'), { manager, config, log: () => {}, authorize: () => 'admin' })
      expect(answer.status).toBe(200)
      expect(json(answer)).toEqual({ backups: [], total: 0 })
    }
  })
})
