// The backup routes of the built KostMan example, over HTTP, with folder storage: who may call them
// (401 / 403 / deny by default), what they validate (400), what they answer (a streamed .sql.gz that
// restores equal to the app's database, the history, signed download URLs with ranges, cleanup), the
// rate limit (429 with Retry-After) and hidden restore (404).
import { randomUUID } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { restore } from '@pgkeep/core'
import { assertSameDatabase, createDatabase } from '@pgkeep/testkit'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

const P = '/api/backup'
const ADMIN_ROUTES: [string, string][] = [
  ['POST', '/database'],
  ['GET', '/history'],
  ['GET', `/download/${randomUUID()}`],
  ['POST', '/cleanup'],
  ['POST', `/${randomUUID()}/verify`],
  ['DELETE', `/${randomUUID()}`],
  ['POST', `/${randomUUID()}/pin`],
  ['POST', `/${randomUUID()}/unpin`],
  ['GET', '/metrics'],
  ['GET', '/events'],
]

let app: KostmanServer
let admin: string
let staff: string

beforeAll(async () => {
  app = await startKostman()
  admin = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
  staff = await app.login(KOSTMAN_USERS.staff.email, KOSTMAN_USERS.staff.password)
})

afterEach((ctx) => {
  // The server's own account of a failure (its log) beside the test's.
  if (ctx.task.result?.state === 'fail') console.error(`--- KostMan server output ---\n${app?.output().slice(-6000)}`)
})

afterAll(async () => {
  await app?.stop()
})

function call(method: string, path: string, cookie?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}${P}${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })
}

async function errorOf(response: Response): Promise<{ statusCode: number; message: string; code: string }> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  return (await response.json()) as { statusCode: number; message: string; code: string }
}

describe('KostMan backup routes (folder storage)', () => {
  let first: { id: string; bytes: Buffer; filename: string }

  it('answers 401 on every route without a session', async () => {
    for (const [method, path] of ADMIN_ROUTES) {
      const response = await call(method, path)
      expect(response.status, `${method} ${path}`).toBe(401)
      expect(await errorOf(response)).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' })
    }
  })

  it('answers 403 to staff on every admin route, with the action in the message', async () => {
    for (const [method, path] of ADMIN_ROUTES) {
      const response = await call(method, path, staff)
      expect(response.status, `${method} ${path}`).toBe(403)
      expect(await errorOf(response)).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', message: expect.stringMatching(/^Only administrators can /) })
    }
    expect(await errorOf(await call('POST', '/database', staff))).toEqual({ statusCode: 403, message: 'Only administrators can create backups', code: 'FORBIDDEN' })
    // Refused before anything about the request is judged: a malformed body or id is still a 403 for staff.
    expect((await call('POST', '/database', staff, '{"tables": [')).status).toBe(403)
    expect((await call('POST', '/not-a-uuid/verify', staff)).status).toBe(403)
  })

  it('streams a new backup to the admin as a .sql.gz attachment that restores equal to the app database', async () => {
    const response = await call('POST', '/database', admin, {})
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/gzip')
    const id = response.headers.get('x-backup-id')!
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const disposition = response.headers.get('content-disposition')!
    const filename = /filename="([^"]+)"/.exec(disposition)![1]!
    expect(filename).toMatch(/^kostman-backup-\d{4}-\d{2}-\d{2}-\d+\.sql\.gz$/)
    const bytes = Buffer.from(await response.arrayBuffer())
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length)
    const script = gunzipSync(bytes).toString('utf8')
    expect(script).toContain('PostgreSQL database dump')
    const copy = await createDatabase(inject('pgDefault').url, { prefix: 'kostman_copy' })
    try {
      await restore(bytes, { target: copy.url })
      await assertSameDatabase(app.databaseUrl, copy.url)
    } finally {
      await copy.drop()
    }
    first = { id, bytes, filename }
  })

  it('lists the backup in the history, newest first, with the record fields', async () => {
    const response = await call('GET', '/history?limit=10', admin)
    expect(response.status).toBe(200)
    const { backups, total } = (await response.json()) as { backups: Record<string, unknown>[]; total: number }
    expect(total).toBe(1)
    expect(backups[0]).toMatchObject({
      id: first.id, filename: first.filename, size: first.bytes.length, type: 'manual', createdBy: KOSTMAN_USERS.admin.email,
      storagePath: expect.stringContaining(first.filename), verified: null, pinned: false,
      metadata: { tables: expect.arrayContaining(['public.tenants']), recordCount: expect.any(Number), duration: expect.any(Number) },
    })
    expect(new Date(backups[0]!.createdAt as string).getTime()).toBeGreaterThan(Date.now() - 10 * 60_000)
  })

  it('hands out a signed download URL that fetches the same bytes, also by ranges, and refuses a forged one', async () => {
    const response = await call('GET', `/download/${first.id}`, admin)
    expect(response.status).toBe(200)
    const { url, expiresAt } = (await response.json()) as { url: string; expiresAt: string }
    expect(url).toMatch(new RegExp(`^${P}/file/${first.id}\\?token=`))
    const ttl = new Date(expiresAt).getTime() - Date.now()
    expect(ttl).toBeGreaterThan(3500_000)
    expect(ttl).toBeLessThanOrEqual(3600_000)
    // No cookie: the token alone lets the file through.
    const file = await fetch(`${app.url}${url}`)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-disposition')).toContain(first.filename)
    expect(Buffer.from(await file.arrayBuffer()).equals(first.bytes)).toBe(true)
    const part = await fetch(`${app.url}${url}`, { headers: { range: 'bytes=10-99' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 10-99/${first.bytes.length}`)
    expect(Buffer.from(await part.arrayBuffer()).equals(first.bytes.subarray(10, 100))).toBe(true)
    const beyond = await fetch(`${app.url}${url}`, { headers: { range: `bytes=${first.bytes.length}-` } })
    expect(beyond.status).toBe(416)
    const token = new URL(url, app.url).searchParams.get('token')!
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`
    expect((await fetch(`${app.url}${P}/file/${first.id}?token=${forged}`)).status).toBe(403)
    expect((await fetch(`${app.url}${P}/file/${first.id}`)).status).toBe(403)
    expect((await fetch(`${app.url}${P}/file/${randomUUID()}?token=${token}`)).status).toBe(403)
  })

  it('answers 404 for an id no backup has', async () => {
    for (const [method, path] of [['GET', `/download/${randomUUID()}`], ['POST', `/${randomUUID()}/verify`], ['DELETE', `/${randomUUID()}`], ['POST', `/${randomUUID()}/pin`], ['POST', `/${randomUUID()}/unpin`]]) {
      const response = await call(method!, path!, admin)
      expect(response.status, `${method} ${path}`).toBe(404)
      expect(await errorOf(response)).toMatchObject({ statusCode: 404, code: 'BACKUP_NOT_FOUND' })
    }
  })

  it('answers 400 for malformed ids, queries and bodies, naming the field', async () => {
    const cases: [string, string, unknown][] = [
      ['GET', '/download/not-a-uuid', undefined],
      ['POST', '/1234/verify', undefined],
      ['DELETE', '/..%2F..%2Fetc', undefined],
      ['POST', '/not-a-uuid/pin', undefined],
      ['GET', '/history?limit=lots', undefined],
      ['POST', '/cleanup', { daysToKeep: 'seven' }],
      ['POST', '/cleanup', { daysToKeep: 7, dryRun: true }],
      ['POST', '/database', { tables: 'public.tenants' }],
      ['POST', '/database', '{"tables": ['],
    ]
    for (const [method, path, body] of cases) {
      const response = await call(method, path, admin, body)
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400)
      expect(await errorOf(response)).toMatchObject({ statusCode: 400, code: 'OPTIONS_INVALID' })
    }
  })

  it('hides the restore route (404) while allowRestore is off', async () => {
    for (const cookie of [admin, staff, undefined]) {
      const response = await call('POST', `/${first.id}/restore`, cookie, { confirm: first.filename, clean: true })
      expect(response.status).toBe(404)
    }
  })

  it('answers the record as JSON with ?download=0, and refuses the fourth manual backup in an hour with 429 and Retry-After', async () => {
    const second = await call('POST', '/database?download=0', admin, { excludeTables: ['public.activity_log'] })
    expect(second.status).toBe(201)
    expect(await second.json()).toMatchObject({ type: 'manual', createdBy: KOSTMAN_USERS.admin.email, filename: expect.stringMatching(/\.sql\.gz$/) })
    expect((await call('POST', '/database?download=0', admin)).status).toBe(201)
    const fourth = await call('POST', '/database?download=0', admin)
    expect(fourth.status).toBe(429)
    const retryAfter = Number(fourth.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(3000)
    expect(retryAfter).toBeLessThanOrEqual(3600)
    expect(await errorOf(fourth)).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' })
  })

  it('cleans up with the seed\'s answer: success, deletedCount, message (the newest backup is always kept)', async () => {
    const before = (await (await call('GET', '/history', admin)).json()) as { total: number }
    expect(before.total).toBe(3)
    const response = await call('POST', '/cleanup', admin, { daysToKeep: 0 })
    expect(response.status).toBe(200)
    const result = (await response.json()) as { success: boolean; deletedCount: number; message: string; kept: { id: string; reasons: string[] }[] }
    expect(result).toMatchObject({ success: true, deletedCount: 2, message: expect.stringContaining('2 backups') })
    expect(result.kept).toHaveLength(1)
    const after = (await (await call('GET', '/history', admin)).json()) as { total: number; backups: { id: string }[] }
    expect(after.total).toBe(1)
    expect(after.backups[0]!.id).not.toBe(first.id)
  })
})
