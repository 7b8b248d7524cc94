// The route table over real HTTP: core's Node binding (nodeRouteRequest / writeRouteResult, what both
// adapters use) on a listening node:http server, a real manager backing up a small database on the test
// server into a folder. Browser requests from another site are refused before the authorizer is asked,
// bodies must come as application/json, body validation names each field, the backup route's POST
// ignores Range, and many /events viewers share the manager's listeners.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManager } from '../../src/index'
import { handleBackupRequest } from '../../src/http/dispatch'
import { resolveHttpConfig, type HttpConfig } from '../../src/http/http-config'
import { nodeRouteRequest, writeRouteResult } from '../../src/http/node-http'

const server = inject('pgDefault')
let db: TestDatabase
let manager: BackupManager
const asked: string[] = []

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'http_node_routes' })
  await runSql(db.url, 'create table tenants (id int primary key, name text); insert into tenants select g, md5(g::text) from generate_series(1, 200) g')
  manager = createBackupManager({ connection: db.url, storage: fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-http-')) }), namePrefix: 'http', rateLimit: false })
}, 120_000)
afterAll(() => db?.drop())

/** A listening server that hands every request below /api/backup to the route table; the admin is whoever sends `authorization: admin`. */
async function listen(http: HttpConfig = {}): Promise<{ base: string; host: string; close: () => Promise<void> }> {
  const config = resolveHttpConfig({ tokenSecret: 's'.repeat(32), allowRestore: true, ...http })
  const s: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api\/backup/, '')
    const request = await nodeRouteRequest(req, res, { path })
    const result = await handleBackupRequest(request, {
      manager,
      config,
      authorize: (action) => {
        asked.push(action)
        return req.headers.authorization === 'admin' ? 'admin@test' : null
      },
      log: () => {},
    })
    await writeRouteResult(res, result)
  })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const host = `127.0.0.1:${(s.address() as AddressInfo).port}`
  return {
    base: `http://${host}/api/backup`,
    host,
    close: () => new Promise<void>((resolve) => {
      s.closeAllConnections()
      s.close(() => resolve())
    }),
  }
}

const admin = { authorization: 'admin' }
const json = { ...admin, 'content-type': 'application/json' }

describe('cross-site requests', () => {
  let app: Awaited<ReturnType<typeof listen>>
  beforeAll(async () => {
    app = await listen()
  })
  afterAll(() => app?.close())

  it('refuses a POST or DELETE from another origin with 403 CROSS_SITE_REQUEST, before the authorizer is asked and before anything is done', async () => {
    const before = (await manager.list()).length
    const cases: [string, string, Record<string, string>, string?][] = [
      // the reviewer's cleanup: text/plain from evil.example
      ['POST', '/cleanup', { origin: 'https://evil.example', 'content-type': 'text/plain' }, '{"daysToKeep":30}'],
      // a form with no body
      ['POST', '/database', { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }],
      ['POST', '/database', { origin: 'null' }],
      ['POST', '/database', { 'sec-fetch-site': 'cross-site' }],
      ['POST', '/database', { 'sec-fetch-site': 'same-site', origin: 'https://other.example' }],
      // Sec-Fetch-Site wins over an Origin that names the host (a browser would never send both)
      ['POST', '/database', { 'sec-fetch-site': 'cross-site', origin: `http://${app.host}` }],
      // same host, other port: another origin
      ['POST', '/cleanup', { origin: 'http://127.0.0.1:1', 'content-type': 'application/json' }, '{}'],
      ['DELETE', '/4b0d1c8e-5f2a-4c3b-9d7e-1a2b3c4d5e6f', { origin: 'https://evil.example' }],
    ]
    for (const [method, path, headers, body] of cases) {
      asked.length = 0
      const response = await fetch(`${app.base}${path}`, { method, headers: { ...admin, ...headers }, ...(body !== undefined ? { body } : {}) })
      expect(response.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403)
      const answer = (await response.json()) as { statusCode: number; code: string; message: string }
      expect(answer).toMatchObject({ statusCode: 403, code: 'CROSS_SITE_REQUEST' })
      expect(answer.message).toMatch(/^cross-site request refused: this (POST|DELETE) came from .+, not from the app's own origin/)
      expect(asked).toEqual([])
    }
    expect((await manager.list()).length).toBe(before)
  })

  it('names the origin it refused', async () => {
    const response = await fetch(`${app.base}/database`, { method: 'POST', headers: { ...admin, origin: 'https://evil.example' } })
    expect(((await response.json()) as { message: string }).message).toContain('came from https://evil.example,')
  })

  it('lets same-origin browser requests, allowed origins, requests without Origin and GETs through', async () => {
    const ok: [string, string, Record<string, string>][] = [
      // the settings page's $fetch: Origin is the app's own
      ['POST', '/cleanup', { ...json, origin: `http://${app.host}`, 'sec-fetch-site': 'same-origin' }],
      // the same from an older browser without Sec-Fetch-Site: the Origin names the Host
      ['POST', '/cleanup', { ...json, origin: `http://${app.host}` }],
      // behind a proxy that rewrites Host: the browser's Sec-Fetch-Site says same-origin; without it, the
      // public host arrives as X-Forwarded-Host or Forwarded
      ['POST', '/cleanup', { ...json, origin: 'https://backups.example.org', 'sec-fetch-site': 'same-origin' }],
      ['POST', '/cleanup', { ...json, origin: 'https://backups.example.org', 'x-forwarded-host': 'backups.example.org' }],
      ['POST', '/cleanup', { ...json, origin: 'https://backups.example.org:443', forwarded: 'for=10.0.0.1;proto=https;host=backups.example.org' }],
      // curl, cron, another server: no Origin, no Sec-Fetch-Site
      ['POST', '/cleanup', json],
      // a GET changes nothing: a cross-site one is left to the authorizer
      ['GET', '/history', { ...admin, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ]
    for (const [method, path, headers] of ok) {
      const response = await fetch(`${app.base}${path}`, { method, headers, ...(method === 'POST' ? { body: '{"daysToKeep":30}' } : {}) })
      expect(response.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(200)
    }
  })

  it('lets a browser on an origin of allowedOrigins through, and no other', async () => {
    const allowing = await listen({ allowedOrigins: ['https://admin.example.com'] })
    try {
      const from = (origin: string) => fetch(`${allowing.base}/cleanup`, { method: 'POST', headers: { ...json, origin, 'sec-fetch-site': 'cross-site' }, body: '{"daysToKeep":30}' })
      expect((await from('https://admin.example.com')).status).toBe(200)
      expect((await from('https://evil.example')).status).toBe(403)
      expect((await from('http://admin.example.com')).status).toBe(403)
    } finally {
      await allowing.close()
    }
  })

  it('refuses an allowedOrigins entry that is not an origin', async () => {
    expect(() => resolveHttpConfig({ allowedOrigins: ['https://admin.example.com/settings'] })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('allowedOrigins') }))
    expect(() => resolveHttpConfig({ allowedOrigins: ['admin.example.com'] })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID' }))
    expect(resolveHttpConfig({ allowedOrigins: ['HTTPS://Admin.Example.com:443'] }).allowedOrigins).toEqual(['https://admin.example.com'])
  })
})

describe('bodies', () => {
  let app: Awaited<ReturnType<typeof listen>>
  beforeAll(async () => {
    app = await listen()
  })
  afterAll(() => app?.close())

  const post = (path: string, body: string, headers: Record<string, string> = json) => fetch(`${app.base}${path}`, { method: 'POST', headers, body })

  it('refuses a body that is not sent as application/json with 400 naming its content type, and takes an empty one', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await post('/cleanup', '{"daysToKeep":30}', { ...admin, 'content-type': type })
      expect(response.status, type).toBe(400)
      expect(await response.json()).toEqual({ statusCode: 400, code: 'OPTIONS_INVALID', message: `invalid body: it was sent with content type ${JSON.stringify(type)}; send a JSON body as application/json` })
    }
    // fetch sends a string as text/plain; without a content type at all:
    const bare = await fetch(`${app.base}/cleanup`, { method: 'POST', headers: admin, body: new Uint8Array(Buffer.from('{"daysToKeep":30}')) })
    expect(await bare.json()).toMatchObject({ statusCode: 400, message: 'invalid body: it was sent with no content type; send a JSON body as application/json' })
    // no body, whatever the type says (curl -X POST, a cron's empty form)
    expect((await post('/cleanup', '', { ...admin, 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(200)
    expect((await fetch(`${app.base}/cleanup`, { method: 'POST', headers: admin })).status).toBe(200)
    expect((await post('/cleanup', '{"daysToKeep":30}', { ...admin, 'content-type': 'application/json; charset=utf-8' })).status).toBe(200)
  })

  it('names each field and its problem', async () => {
    const cases: [string, string, string][] = [
      ['/cleanup', '{"daysToKeep":"5"}', 'invalid body: daysToKeep: expected a whole number from 0 to 36500, got a string'],
      ['/cleanup', '{"daysToKeep":-1}', 'invalid body: daysToKeep: expected a whole number from 0 to 36500, got -1'],
      ['/cleanup', '{"daysToKeep":1.5}', 'invalid body: daysToKeep: expected a whole number from 0 to 36500, got 1.5'],
      ['/cleanup', '{"daysToKeep":null}', 'invalid body: daysToKeep: expected a whole number from 0 to 36500, got null'],
      ['/cleanup', '{"foo":1}', 'invalid body: foo: unknown field; the body takes daysToKeep'],
      ['/cleanup', '[30]', 'invalid body: body: expected a JSON object, got an array of 1'],
      ['/database', '{"tables":[""]}', 'invalid body: tables[0]: expected a table name (a string of 1 to 200 characters), got an empty string'],
      ['/database', '{"tables":"users"}', 'invalid body: tables: expected a list of table names (a JSON array of strings), got a string'],
      ['/database', '{"tables":["ok", 5], "excludeTables":["x"], "foo":1, "bar":true}',
        'invalid body: tables[1]: expected a table name (a string of 1 to 200 characters), got 5; foo: unknown field; the body takes tables, excludeTables, excludeTableData; bar: unknown field; the body takes tables, excludeTables, excludeTableData'],
      ['/4b0d1c8e-5f2a-4c3b-9d7e-1a2b3c4d5e6f/pin', '{"force":true}', 'invalid body: force: unknown field; this route takes no body fields'],
      ['/4b0d1c8e-5f2a-4c3b-9d7e-1a2b3c4d5e6f/restore', '{"clean":"yes"}', "invalid body: confirm: expected the backup's filename (a string), got nothing; clean: expected true or false, got a string"],
    ]
    for (const [path, body, message] of cases) {
      const response = await post(path, body)
      expect(response.status, body).toBe(400)
      expect(await response.json(), body).toEqual({ statusCode: 400, code: 'OPTIONS_INVALID', message })
    }
  })

  it('answers a body over 64 kB with 413 SIZE_LIMIT_EXCEEDED naming the limit, after authorization', async () => {
    const big = JSON.stringify({ tables: Array.from({ length: 20_000 }, (_, i) => `public.t${i}`) })
    expect(big.length).toBeGreaterThan(64 * 1024)
    const response = await post('/database', big)
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({ statusCode: 413, code: 'SIZE_LIMIT_EXCEEDED', message: "the body is larger than the routes' limit of 65536 bytes (64 kB)" })
    expect((await post('/database', big, { 'content-type': 'application/json' })).status).toBe(401)
  })
})

describe('the backup route and Range', () => {
  let app: Awaited<ReturnType<typeof listen>>
  beforeAll(async () => {
    app = await listen()
  })
  afterAll(() => app?.close())

  it('answers the new backup whole with its id whatever Range the POST carries; the GET download honours it', async () => {
    for (const range of ['bytes=0-9', 'bytes=99999999-']) {
      const response = await fetch(`${app.base}/database`, { method: 'POST', headers: { ...admin, range } })
      expect(response.status, range).toBe(200)
      const id = response.headers.get('x-backup-id')
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect(response.headers.get('content-range')).toBeNull()
      expect(response.headers.get('accept-ranges')).toBeNull()
      const bytes = Buffer.from(await response.arrayBuffer())
      const record = await manager.get(id!)
      expect(bytes.length).toBe(record.size)
      expect(Number(response.headers.get('content-length'))).toBe(record.size)
      // the stored backup's own download still takes ranges
      const { url } = (await (await fetch(`${app.base}/download/${id}`, { headers: admin })).json()) as { url: string }
      const file = new URL(url, app.base).href
      const part = await fetch(file, { headers: { range: 'bytes=0-9' } })
      expect(part.status).toBe(206)
      expect(part.headers.get('accept-ranges')).toBe('bytes')
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(0, 10))).toBe(true)
      expect((await fetch(file, { headers: { range: 'bytes=99999999-' } })).status).toBe(416)
    }
  })
})

describe('/events', () => {
  let app: Awaited<ReturnType<typeof listen>>
  beforeAll(async () => {
    app = await listen()
  })
  afterAll(() => app?.close())

  it('serves 15 viewers at once without a MaxListenersExceededWarning, each seeing the backup end, and lets go of the manager after the last', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    // the manager's listeners the routes hold, counted on the way in and out
    let listening = 0
    const on = manager.on
    manager.on = ((event, listener) => {
      listening++
      const off = on(event, listener)
      return () => {
        listening--
        off()
      }
    }) as typeof manager.on
    const controllers: AbortController[] = []
    try {
      const streams = await Promise.all(Array.from({ length: 15 }, async () => {
        const controller = new AbortController()
        controllers.push(controller)
        const response = await fetch(`${app.base}/events`, { headers: admin, signal: controller.signal })
        expect(response.status).toBe(200)
        const reader = response.body!.getReader()
        let text = ''
        const first = await reader.read()
        text += Buffer.from(first.value!).toString('utf8')
        expect(text).toContain('event: running')
        return { reader, text }
      }))
      const created = await fetch(`${app.base}/database?download=0`, { method: 'POST', headers: admin })
      expect(created.status).toBe(201)
      const { id } = (await created.json()) as { id: string }
      for (const stream of streams) {
        while (!stream.text.includes('event: success')) {
          const next = await stream.reader.read()
          if (next.done) break
          stream.text += Buffer.from(next.value).toString('utf8')
        }
        expect(stream.text).toContain(`"id":"${id}"`)
      }
      // warnings are emitted on the next tick
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([])
      expect(listening).toBe(4)
      for (const c of controllers) c.abort()
      await expect.poll(() => listening, { timeout: 5000 }).toBe(0)
    } finally {
      manager.on = on
      process.off('warning', onWarning)
      for (const c of controllers) c.abort()
    }
  })
})

describe('restore refusals', () => {
  let app: Awaited<ReturnType<typeof listen>>
  beforeAll(async () => {
    app = await listen()
  })
  afterAll(() => app?.close())

  it('audits a restore refused for a wrong confirm as refused, like the other refusals', async () => {
    const record = await manager.create({ actor: 'admin@test' })
    const response = await fetch(`${app.base}/${record.id}/restore`, { method: 'POST', headers: json, body: JSON.stringify({ confirm: 'not-the-file.sql.gz', createDatabase: 'http_never_made' }) })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ statusCode: 400, code: 'OPTIONS_INVALID', message: 'confirm must be the filename of the backup being restored' })
    const [entry] = await manager.auditLog({ action: 'restore', target: record.id })
    expect(entry).toMatchObject({ action: 'restore', target: record.id, actor: 'admin@test', outcome: 'refused', detail: { code: 'OPTIONS_INVALID', message: 'confirm must be the filename of the backup being restored' } })
  })
})
