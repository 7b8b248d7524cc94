// The Express router over real HTTP (a listening app, the sample database on the test server, folder
// storage and an S3 endpoint on loopback), through the same list of cases as the Nuxt module's routes.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes, randomUUID } from 'node:crypto'
import express, { type Request } from 'express'
import { createDatabase, describeBackupRouteCases, type Caller, type RouteTarget, type TestDatabase } from '@pgkeep/testkit'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, s3Storage, type StorageDriver } from '@pgkeep/core'
import { createBackupRouter } from '../src/index'

const server = inject('pgDefault')
const s3 = inject('s3')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'express_routes' })
  await loadSampleDatabase(db.url, { scale: 0.05 })
}, 120_000)
afterAll(() => db?.drop())

/** The example's idea of a session, reduced to a header: who is calling. */
const USERS: Record<string, { id: string; role: 'admin' | 'staff' }> = {
  'admin-token': { id: 'admin@kostman.test', role: 'admin' },
  'staff-token': { id: 'staff@kostman.test', role: 'staff' },
}
const TOKENS: Record<Caller, string | undefined> = { admin: 'admin-token', staff: 'staff-token', anonymous: undefined }

function authorize(req: Request) {
  const user = USERS[(req.headers.authorization ?? '').replace(/^Bearer /, '')]
  if (!user) return null
  return user.role === 'admin' ? user.id : false
}

async function listen(storage: StorageDriver, mount: string, parseJson: boolean, more: { parseForms?: boolean; allowedOrigins?: string[] } = {}): Promise<{ server: Server; target: RouteTarget }> {
  const backups = createBackupManager({ connection: db.url, storage, namePrefix: 'kostman-backup' })
  const app = express()
  if (parseJson) app.use(express.json())
  if (more.parseForms) app.use(express.urlencoded(), express.text())
  app.use(mount, createBackupRouter(backups, { authorize, ...(more.allowedOrigins ? { allowedOrigins: more.allowedOrigins } : {}) }))
  const listening = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}${mount}`
  const target: RouteTarget = {
    base,
    databaseUrl: db.url,
    adminActor: 'admin@kostman.test',
    filename: /^kostman-backup-\d{4}-\d{2}-\d{2}-\d{13}-[0-9a-f]{8}\.sql\.gz$/,
    table: 'public.activity_log',
    downloads: storage.kind === 's3' ? 'presigned' : 'token',
    bodyParser: parseJson ? 'app' : 'routes',
    call(who, method, path, body, headers = {}) {
      const token = TOKENS[who]
      return fetch(`${base}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      })
    },
  }
  return { server: listening, target }
}

describe('@pgkeep/express with folder storage, behind express.json(), at /api/backup', () => {
  let app: { server: Server; target: RouteTarget }
  beforeAll(async () => {
    app = await listen(fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-express-')) }), '/api/backup', true)
  })
  afterAll(() => new Promise<void>((resolve) => (app ? app.server.close(() => resolve()) : resolve())))
  describeBackupRouteCases('Express, folder storage', () => app.target)
})

describe('@pgkeep/express with S3 storage, without a body parser, at /admin/backups', () => {
  let app: { server: Server; target: RouteTarget }
  beforeAll(async () => {
    const storage = s3Storage({ endPoint: s3.endPoint, port: s3.port, useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, bucket: `express-${randomBytes(4).toString('hex')}` })
    app = await listen(storage, '/admin/backups', false)
  })
  afterAll(() => new Promise<void>((resolve) => (app ? app.server.close(() => resolve()) : resolve())))
  describeBackupRouteCases('Express, S3 storage', () => app.target)
})

describe('createBackupRouter', () => {
  it('reads at most 64 kB of a JSON body itself: a larger one is a 413 for a user, a 401 for nobody, and the answer arrives', async () => {
    const app = await listen(fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-express-')) }), '/api/backup', false)
    try {
      const big = JSON.stringify({ tables: Array.from({ length: 20_000 }, (_, i) => `public.t${i}`) })
      expect(big.length).toBeGreaterThan(64 * 1024)
      const admin = await app.target.call('admin', 'POST', '/database', big)
      expect(admin.status).toBe(413)
      expect(await admin.json()).toEqual({ statusCode: 413, code: 'SIZE_LIMIT_EXCEEDED', message: "the body is larger than the routes' limit of 65536 bytes (64 kB)" })
      expect((await app.target.call('anonymous', 'POST', '/database', big)).status).toBe(401)
    } finally {
      await new Promise<void>((resolve) => app.server.close(() => resolve()))
    }
  })

  it('refuses cross-site browser requests and bodies not sent as JSON, whatever parser the app put in front', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-express-'))
    for (const [parseJson, parseForms] of [[false, false], [true, false], [true, true]] as const) {
      const app = await listen(fsStorage({ dir }), '/api/backup', parseJson, { parseForms, allowedOrigins: ['https://admin.kostman.test'] })
      const label = `express.json(): ${parseJson}, express.urlencoded() and text(): ${parseForms}`
      try {
        const { base, call } = app.target
        const host = new URL(base).host
        // the reviewer's cleanup from evil.example as text/plain, and a form that posts nothing
        const evil = await call('admin', 'POST', '/cleanup', undefined, { origin: 'https://evil.example', 'content-type': 'text/plain' })
        expect(evil.status, label).toBe(403)
        expect(await evil.json()).toMatchObject({ statusCode: 403, code: 'CROSS_SITE_REQUEST', message: expect.stringContaining('came from https://evil.example') })
        const form = await fetch(`${base}/database`, { method: 'POST', headers: { authorization: 'Bearer admin-token', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' }, body: '' })
        expect(form.status, label).toBe(403)
        // same origin (the app's own page), an allowed origin, or no Origin at all (curl, cron): through
        const page = await call('admin', 'POST', '/cleanup', { daysToKeep: 30 }, { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })
        expect(page.status, label).toBe(200)
        expect((await call('admin', 'POST', '/cleanup', { daysToKeep: 30 }, { origin: 'https://admin.kostman.test', 'sec-fetch-site': 'cross-site' })).status, label).toBe(200)
        expect((await call('admin', 'POST', '/cleanup', { daysToKeep: 30 })).status, label).toBe(200)
        // a body in another type than JSON: 400 naming it, also when the app's parsers read it first
        for (const [type, text] of [['text/plain', '{"daysToKeep":30}'], ['application/x-www-form-urlencoded', 'daysToKeep=30']]) {
          const response = await fetch(`${base}/cleanup`, { method: 'POST', headers: { authorization: 'Bearer admin-token', 'content-type': type }, body: text })
          expect(response.status, `${label}, ${type}`).toBe(400)
          expect(await response.json()).toEqual({ statusCode: 400, code: 'OPTIONS_INVALID', message: `invalid body: it was sent with content type "${type}"; send a JSON body as application/json` })
        }
        // the fields named
        const wrong = await call('admin', 'POST', '/cleanup', { daysToKeep: '5' })
        expect(await wrong.json(), label).toEqual({ statusCode: 400, code: 'OPTIONS_INVALID', message: 'invalid body: daysToKeep: expected a whole number from 0 to 36500, got a string' })
      } finally {
        await new Promise<void>((resolve) => app.server.close(() => resolve()))
      }
    }
  })

  it('answers a bucket or folder that does not exist with 404 STORAGE_NOT_FOUND naming it, not as an empty history, and its metrics with pgkeep_storage_up 0', async () => {
    // a misspelt bucket (or an unmounted volume) listed as no backups
    const bucket = `express-typo-${randomBytes(4).toString('hex')}`
    const folder = join(await mkdtemp(join(tmpdir(), 'pgkeep-express-')), 'backupz')
    const missing: [StorageDriver, RegExp][] = [
      [s3Storage({ endPoint: s3.endPoint, port: s3.port, useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, bucket }), new RegExp(`^the bucket "${bucket}" does not exist at 127\\.0\\.0\\.1:${s3.port}; check the bucket name`)],
      [fsStorage({ dir: folder }), new RegExp(`^the backup folder ${folder} does not exist; check the path`)],
    ]
    for (const [storage, names] of missing) {
      const app = await listen(storage, '/api/backup', true)
      try {
        for (const [method, path] of [['GET', '/history'], ['GET', `/download/${randomUUID()}`], ['POST', '/cleanup']] as const) {
          const response = await app.target.call('admin', method, path)
          expect(response.status, `${storage.kind} ${method} ${path}`).toBe(404)
          const body = (await response.json()) as { code: string; message: string }
          expect(body.code).toBe('STORAGE_NOT_FOUND')
          expect(body.message).toMatch(names)
        }
        expect((await app.target.call('anonymous', 'GET', '/history')).status).toBe(401)
        // the metrics still answer, saying the storage is down rather than that it holds no backups
        const metrics = await app.target.call('admin', 'GET', '/metrics')
        expect(metrics.status, `${storage.kind} GET /metrics`).toBe(200)
        const text = await metrics.text()
        expect(text).toMatch(/^pgkeep_storage_up 0$/m)
        expect(text).not.toMatch(/^pgkeep_(backups|storage_bytes|last_success_timestamp_seconds)[ {]/m)
        await expect(storage.assertExists!()).rejects.toMatchObject({ code: 'STORAGE_NOT_FOUND' })
      } finally {
        await new Promise<void>((resolve) => app.server.close(() => resolve()))
      }
    }
  })

  it('refuses to be made without an authorizer: nothing is reachable by default', () => {
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir: tmpdir() }) })
    expect(() => createBackupRouter(backups, {} as never)).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('authorize(req, action)') }))
  })

  it('validates its options with the routes\' schema (a short token secret is refused)', () => {
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir: tmpdir() }) })
    expect(() => createBackupRouter(backups, { authorize, tokenSecret: 'short' })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('tokenSecret') }))
  })
})
