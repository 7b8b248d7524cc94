// One list of cases for the backup routes, run against every adapter (the Nuxt module through the
// built KostMan example, the Express router through a listening app), so the two cannot drift: who may
// call what (401 / 403, deny by default), validation (400), unknown ids (404), the streamed .sql.gz that
// restores equal to the app's database (psql as the oracle), history, signed or presigned download URLs
// with ranges, the rate limit (429 with Retry-After), hidden restore (404) and cleanup's answer.
// The cases run in order on a fresh storage: the backups made early are counted later.
import { randomUUID } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { describe, expect, inject, it } from 'vitest'
import { assertSameDatabase } from './compare'
import { createDatabase } from './database'
import { restoreWithPsql } from './psql'

export type Caller = 'anonymous' | 'staff' | 'admin'

export interface RouteTarget {
  /** Absolute URL of the routes' prefix, e.g. http://127.0.0.1:4321/api/backup. */
  base: string
  /** One request as `who` (the adapter's own way of signing in: a session cookie, a header). */
  call(who: Caller, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>
  /** The database the app backs up. */
  databaseUrl: string
  /** The admin's actor as the records show it (createdBy). */
  adminActor: string
  /** The file names of manual backups. */
  filename: RegExp
  /** A table of the app's database, and one whose data can be left out of a backup. */
  table: string
  /** Whether download URLs are the adapter's own signed links (folder storage) or presigned S3 URLs. */
  downloads: 'token' | 'presigned'
  /** Who parses JSON bodies: the routes, or the app in front of them (express.json()), whose parse errors are its own 400s. @default 'routes' */
  bodyParser?: 'routes' | 'app'
}

export const ADMIN_ROUTES: readonly (readonly [string, string])[] = [
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
  ['GET', `/compare?a=${randomUUID()}&b=${randomUUID()}`],
]

/** The cases, as one describe block; `target()` is called once the suite's beforeAll has run. */
export function describeBackupRouteCases(label: string, target: () => RouteTarget): void {
  describe(`backup routes: ${label}`, () => {
    let first: { id: string; bytes: Buffer; filename: string }
    const t = () => target()

    it('answers 401 on every route without a user', async () => {
      for (const [method, path] of ADMIN_ROUTES) {
        const response = await t().call('anonymous', method, path)
        expect(response.status, `${method} ${path}`).toBe(401)
        expect(await errorOf(response)).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' })
      }
    })

    it('answers 403 to staff on every admin route, with the action in the message', async () => {
      for (const [method, path] of ADMIN_ROUTES) {
        const response = await t().call('staff', method, path)
        expect(response.status, `${method} ${path}`).toBe(403)
        expect(await errorOf(response)).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', message: expect.stringMatching(/^Only administrators can /) })
      }
      expect(await errorOf(await t().call('staff', 'POST', '/database'))).toEqual({ statusCode: 403, message: 'Only administrators can create backups', code: 'FORBIDDEN' })
    })

    it('streams a new backup to the admin as a .sql.gz attachment that restores equal to the app database', async () => {
      const response = await t().call('admin', 'POST', '/database', {})
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/gzip')
      const id = response.headers.get('x-backup-id')!
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      const filename = /filename="([^"]+)"/.exec(response.headers.get('content-disposition')!)![1]!
      expect(filename).toMatch(t().filename)
      const bytes = Buffer.from(await response.arrayBuffer())
      expect(Number(response.headers.get('content-length'))).toBe(bytes.length)
      const copy = await createDatabase(inject('pgDefault').url, { prefix: 'route_copy' })
      try {
        await restoreWithPsql(copy.url, gunzipSync(bytes))
        await assertSameDatabase(t().databaseUrl, copy.url)
      } finally {
        await copy.drop()
      }
      first = { id, bytes, filename }
    })

    it('lists the backup in the history, newest first, with the record fields', async () => {
      const response = await t().call('admin', 'GET', '/history?limit=10')
      expect(response.status).toBe(200)
      const { backups, total } = (await response.json()) as { backups: Record<string, unknown>[]; total: number }
      expect(total).toBe(1)
      expect(backups[0]).toMatchObject({
        id: first.id, filename: first.filename, size: first.bytes.length, type: 'manual', createdBy: t().adminActor,
        storagePath: expect.stringContaining(first.filename), verified: null, pinned: false,
        // no signing key: nothing to check, and the manager uses it
        signed: false, signature: 'unsigned', trusted: true,
        metadata: { tables: expect.arrayContaining([t().table]), recordCount: expect.any(Number), duration: expect.any(Number) },
      })
      expect(new Date(backups[0]!.createdAt as string).getTime()).toBeGreaterThan(Date.now() - 10 * 60_000)
    })

    it('hands out a download URL that fetches the same bytes, also by ranges', async () => {
      const response = await t().call('admin', 'GET', `/download/${first.id}`)
      expect(response.status).toBe(200)
      const { url, expiresAt } = (await response.json()) as { url: string; expiresAt: string }
      const ttl = new Date(expiresAt).getTime() - Date.now()
      expect(ttl).toBeGreaterThan(3500_000)
      expect(ttl).toBeLessThanOrEqual(3600_000)
      const absolute = new URL(url, t().base).href
      // no user: the URL alone lets the file through
      const file = await fetch(absolute)
      expect(file.status).toBe(200)
      expect(Buffer.from(await file.arrayBuffer()).equals(first.bytes)).toBe(true)
      const part = await fetch(absolute, { headers: { range: 'bytes=10-99' } })
      expect(part.status).toBe(206)
      expect(Buffer.from(await part.arrayBuffer()).equals(first.bytes.subarray(10, 100))).toBe(true)
      if (t().downloads === 'presigned') return
      const prefix = new URL(t().base).pathname
      expect(url).toMatch(new RegExp(`^${prefix}/file/${first.id}\\?token=`))
      expect(file.headers.get('content-disposition')).toContain(first.filename)
      expect(part.headers.get('content-range')).toBe(`bytes 10-99/${first.bytes.length}`)
      expect((await fetch(absolute, { headers: { range: `bytes=${first.bytes.length}-` } })).status).toBe(416)
      const token = new URL(absolute).searchParams.get('token')!
      const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`
      expect((await fetch(`${t().base}/file/${first.id}?token=${forged}`)).status).toBe(403)
      expect((await fetch(`${t().base}/file/${first.id}`)).status).toBe(403)
      expect((await fetch(`${t().base}/file/${randomUUID()}?token=${token}`)).status).toBe(403)
    })

    it('answers 404 for an id no backup has', async () => {
      for (const [method, path] of [['GET', `/download/${randomUUID()}`], ['POST', `/${randomUUID()}/verify`], ['DELETE', `/${randomUUID()}`], ['POST', `/${randomUUID()}/pin`], ['POST', `/${randomUUID()}/unpin`]] as const) {
        const response = await t().call('admin', method, path)
        expect(response.status, `${method} ${path}`).toBe(404)
        expect(await errorOf(response)).toMatchObject({ statusCode: 404, code: 'BACKUP_NOT_FOUND' })
      }
    })

    it('answers 400 for malformed ids, queries and bodies', async () => {
      const cases: [string, string, unknown][] = [
        ['GET', '/download/not-a-uuid', undefined],
        ['POST', '/1234/verify', undefined],
        ['DELETE', '/..%2F..%2Fetc', undefined],
        ['POST', '/not-a-uuid/pin', undefined],
        ['GET', '/history?limit=lots', undefined],
        ['GET', `/compare?a=${first.id}&b=latest`, undefined],
        ['POST', '/cleanup', { daysToKeep: 'seven' }],
        ['POST', '/cleanup', { daysToKeep: 7, dryRun: true }],
        ['POST', '/database', { tables: 'public.tenants' }],
      ]
      for (const [method, path, body] of cases) {
        const response = await t().call('admin', method, path, body)
        expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400)
        expect(await errorOf(response)).toMatchObject({ statusCode: 400, code: 'OPTIONS_INVALID' })
      }
      // a body that is not JSON: 400 from whoever parses it (an app's own parser answers in its own way)
      const broken = await t().call('admin', 'POST', '/database', '{"tables": [')
      expect(broken.status).toBe(400)
      if ((t().bodyParser ?? 'routes') === 'routes') expect(await errorOf(broken)).toMatchObject({ statusCode: 400, code: 'OPTIONS_INVALID', message: 'invalid body: not valid JSON' })
    })

    it('hides the restore route (404) while allowRestore is off', async () => {
      for (const who of ['admin', 'staff', 'anonymous'] as const) {
        const response = await t().call(who, 'POST', `/${first.id}/restore`, { confirm: first.filename, clean: true })
        expect(response.status).toBe(404)
      }
    })

    it('answers the record as JSON with ?download=0, and refuses the fourth manual backup in an hour with 429 and Retry-After', async () => {
      const second = await t().call('admin', 'POST', '/database?download=0', { excludeTableData: [t().table] })
      expect(second.status).toBe(201)
      expect(await second.json()).toMatchObject({ type: 'manual', createdBy: t().adminActor, filename: expect.stringMatching(/\.sql\.gz$/) })
      expect((await t().call('admin', 'POST', '/database?download=0')).status).toBe(201)
      const fourth = await t().call('admin', 'POST', '/database?download=0')
      expect(fourth.status).toBe(429)
      const retryAfter = Number(fourth.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(3000)
      expect(retryAfter).toBeLessThanOrEqual(3600)
      expect(await errorOf(fourth)).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' })
    })

    it('compares two backups: the second left out one table\'s rows', async () => {
      const { backups } = (await (await t().call('admin', 'GET', '/history')).json()) as { backups: { id: string }[] }
      const second = backups.at(-2)!.id
      const response = await t().call('admin', 'GET', `/compare?a=${first.id}&b=${second}`)
      expect(response.status).toBe(200)
      const diff = (await response.json()) as { objects: { added: unknown[]; removed: unknown[]; changed: unknown[] }; tables: { removed: { schema: string; name: string }[] } }
      expect(diff.objects).toEqual({ added: [], removed: [], changed: [] })
      expect(diff.tables.removed.map((x) => `${x.schema}.${x.name}`)).toEqual([t().table])
    })

    it('cleans up with the seed\'s answer: success, deletedCount, message (the newest backup is always kept)', async () => {
      const before = (await (await t().call('admin', 'GET', '/history')).json()) as { total: number }
      expect(before.total).toBe(3)
      const response = await t().call('admin', 'POST', '/cleanup', { daysToKeep: 0 })
      expect(response.status).toBe(200)
      const result = (await response.json()) as { success: boolean; deletedCount: number; message: string; kept: unknown[] }
      expect(result).toMatchObject({ success: true, deletedCount: 2, message: expect.stringContaining('2 backups') })
      expect(result.kept).toHaveLength(1)
      const after = (await (await t().call('admin', 'GET', '/history')).json()) as { total: number; backups: { id: string }[] }
      expect(after.total).toBe(1)
      expect(after.backups[0]!.id).not.toBe(first.id)
    })
  })
}

async function errorOf(response: Response): Promise<{ statusCode: number; message: string; code: string }> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  return (await response.json()) as { statusCode: number; message: string; code: string }
}
