// Webhooks against a real HTTP server on 127.0.0.1 (node:http), with backups of a real PostgreSQL into a
// real folder: start / success / failure POSTs with a small JSON body, in order; retries on a 5xx; a
// timeout on a server that never answers; a refused connection. A failing webhook raises an alert
// (naming the host only, never the URL's secret path) and never changes the backup's outcome.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, isPgkeepError, PGKEEP_VERSION, type BackupManagerOptions, type ManagerEvents, type WebhookBody } from '../../src/index'

const server = inject('pgDefault')
let db: TestDatabase
let hooks: HookServer

interface Received {
  path: string
  method: string
  contentType: string | undefined
  userAgent: string | undefined
  authorization: string | undefined
  body: WebhookBody
}

interface HookServer {
  base: string
  received: Received[]
  /** Answers for a path: a status, or 'hang' (never answer). Default 200. */
  answers: Map<string, (number | 'hang')[]>
  close(): Promise<void>
}

async function startHookServer(): Promise<HookServer> {
  const received: Received[] = []
  const answers = new Map<string, (number | 'hang')[]>()
  const hanging: ServerResponse[] = []
  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url!, method: req.method!, contentType: req.headers['content-type'], userAgent: req.headers['user-agent'], authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookBody })
      const answer = answers.get(req.url!)?.shift() ?? 200
      if (answer === 'hang') {
        hanging.push(res)
        return
      }
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'OK' : 'nope')
    })
  })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const { port } = http.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    answers,
    close: async () => {
      for (const res of hanging) res.destroy()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

/** A port nothing listens on: a server is started on it, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function manager(extra: Partial<BackupManagerOptions>) {
  const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-hooks-')) }), rateLimit: false, ...extra })
  const alerts: ManagerEvents['alert'][] = []
  backups.on('alert', (a) => { alerts.push(a) })
  return { backups, alerts }
}

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'hooks' })
  await runSql(db.url, "CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items VALUES (1, 'a'), (2, 'b')")
  hooks = await startHookServer()
}, 120_000)
afterAll(async () => {
  await hooks?.close()
  await db?.drop()
})

describe('webhooks', () => {
  it('POSTs start and success, then failure, with a small JSON body, in order', async () => {
    const token = 'b1f4c2d0-secret-check-uuid'
    const { backups, alerts } = await manager({ webhooks: { start: `${hooks.base}/ping/${token}/start`, success: `${hooks.base}/ping/${token}`, failure: `${hooks.base}/ping/${token}/fail` } })
    const before = hooks.received.length
    const record = await backups.create({ createdBy: 'admin-1' })
    await until('start and success', () => hooks.received.length >= before + 2)
    const [start, success] = hooks.received.slice(before)
    expect(start).toMatchObject({ path: `/ping/${token}/start`, method: 'POST', contentType: 'application/json', userAgent: `pgkeep/${PGKEEP_VERSION}` })
    expect(start!.body).toEqual({ event: 'start', type: 'manual', createdBy: 'admin-1', at: expect.any(String), pgkeep: PGKEEP_VERSION })
    expect(success!.path).toBe(`/ping/${token}`)
    expect(success!.body).toEqual({
      event: 'success', type: 'manual', createdBy: 'admin-1', at: expect.any(String), pgkeep: PGKEEP_VERSION,
      backup: { id: record.id, filename: record.filename, size: record.size, durationMs: record.metadata.duration },
    })
    expect(new Date(success!.body.at).getTime()).toBeGreaterThanOrEqual(new Date(start!.body.at).getTime())

    const failed = await backups.create({ type: 'scheduled', tables: ['no_such_table'] }).catch((e: unknown) => e)
    expect(isPgkeepError(failed, 'PATTERN_NO_MATCH')).toBe(true)
    await until('start and failure', () => hooks.received.length >= before + 4)
    const [start2, failure] = hooks.received.slice(before + 2)
    expect(start2!.body).toMatchObject({ event: 'start', type: 'scheduled', createdBy: null })
    expect(failure!.path).toBe(`/ping/${token}/fail`)
    expect(failure!.body).toEqual({ event: 'failure', type: 'scheduled', createdBy: null, at: expect.any(String), pgkeep: PGKEEP_VERSION, error: { code: 'PATTERN_NO_MATCH', message: expect.stringContaining('no_such_table') } })
    expect(JSON.stringify(failure!.body).length).toBeLessThan(1000)
    expect(alerts).toEqual([])
  }, 60_000)

  it('sends only for the backup types asked for', async () => {
    const { backups } = await manager({ webhooks: { success: `${hooks.base}/only-scheduled`, types: ['scheduled'] } })
    await backups.create()
    const scheduled = await backups.create({ type: 'scheduled' })
    // A manager delivers its webhooks one after the other, in the order of its events: had the manual
    // backup's success been sent, it would have arrived before the scheduled one's.
    await until('the scheduled success', () => hooks.received.some((r) => r.path === '/only-scheduled'))
    expect(hooks.received.filter((r) => r.path === '/only-scheduled').map((r) => [r.body.type, r.body.backup?.id])).toEqual([['scheduled', scheduled.id]])
  }, 60_000)

  it('retries a failed delivery and stops at the first success', async () => {
    hooks.answers.set('/flaky', [500, 503, 200])
    const { backups, alerts } = await manager({ webhooks: { success: `${hooks.base}/flaky`, retries: 3 } })
    const record = await backups.create()
    await until('three attempts', () => hooks.received.filter((r) => r.path === '/flaky').length >= 3)
    // Deliveries go one after the other: the next backup's webhook comes after any further attempt for
    // the first would have.
    const next = await backups.create()
    await until('the next backup\'s webhook', () => hooks.received.some((r) => r.path === '/flaky' && r.body.backup?.id === next.id))
    const attempts = hooks.received.filter((r) => r.path === '/flaky')
    expect(attempts.map((a) => a.body.backup?.id)).toEqual([record.id, record.id, record.id, next.id])
    expect(alerts).toEqual([])
  }, 60_000)

  it('raises webhook-failed after its retries on a server that never answers, without delaying or changing the backup', async () => {
    hooks.answers.set('/hang/secret-token', ['hang', 'hang'])
    const { backups, alerts } = await manager({ webhooks: { success: `${hooks.base}/hang/secret-token`, timeoutMs: 500, retries: 1 } })
    const record = await backups.create()
    // create() resolved with its record before the webhook gave up.
    expect(alerts).toEqual([])
    expect((await backups.get(record.id)).sha256).toBe(record.sha256)
    await until('the alert', () => alerts.length > 0, 10_000)
    expect(hooks.received.filter((r) => r.path === '/hang/secret-token')).toHaveLength(2)
    const [alert] = alerts
    expect(alert!.kind).toBe('webhook-failed')
    expect(alert!.message).toBe(`the success webhook to ${new URL(hooks.base).host} failed after 2 attempt(s): no answer within 500 ms`)
    expect(alert!.detail).toMatchObject({ hook: 'success', attempts: 2, backupId: record.id, backupType: 'manual' })
    expect(JSON.stringify(alert)).not.toContain('secret-token')
  }, 60_000)

  it('raises webhook-failed when nothing listens, and the backup still succeeds', async () => {
    const port = await closedPort()
    const { backups, alerts } = await manager({ webhooks: { start: `http://127.0.0.1:${port}/start`, timeoutMs: 1000, retries: 0 } })
    const record = await backups.create()
    expect(record.status).toBe('completed')
    await until('the alert', () => alerts.length > 0)
    expect(alerts[0]).toMatchObject({ kind: 'webhook-failed', detail: { hook: 'start', host: `127.0.0.1:${port}`, attempts: 1, error: 'ECONNREFUSED' } })
    expect(await backups.list()).toHaveLength(1)
  }, 60_000)

  it('names only the scheme and host of a webhook URL with credentials and a token, never the userinfo, path or query', async () => {
    const port = await closedPort()
    const url = `http://hookuser:hook-pass-9431@127.0.0.1:${port}/ping/path-secret-77?token=query-secret-55`
    const { backups, alerts } = await manager({ webhooks: { start: url, timeoutMs: 1000, retries: 0 } })
    await backups.create()
    await until('the alert', () => alerts.length > 0)
    const [alert] = alerts
    expect(alert!.kind).toBe('webhook-failed')
    expect(alert!.message).toBe(`the start webhook to 127.0.0.1:${port} failed after 1 attempt(s): ECONNREFUSED`)
    for (const secret of ['hookuser', 'hook-pass-9431', 'path-secret-77', 'query-secret-55', 'token=']) {
      expect(alert!.message).not.toContain(secret)
      expect(JSON.stringify(alert!.detail)).not.toContain(secret)
    }
    expect(alert!.detail).toMatchObject({ hook: 'start', host: `127.0.0.1:${port}`, attempts: 1, error: 'ECONNREFUSED' })
  }, 60_000)

  it('sends the credentials of a webhook URL as a Basic Authorization header, and the path and query as given', async () => {
    const url = `http://hook%20user:p%40ss:w0rd@${new URL(hooks.base).host}/auth/check?token=abc`
    const { backups, alerts } = await manager({ webhooks: { start: url, retries: 0 } })
    const before = hooks.received.length
    await backups.create()
    await until('the start POST', () => hooks.received.length > before)
    const start = hooks.received[before]!
    expect(start.path).toBe('/auth/check?token=abc')
    expect(start.authorization).toBe(`Basic ${Buffer.from('hook user:p@ss:w0rd').toString('base64')}`)
    expect(alerts).toEqual([])
  }, 60_000)

  it('validates the webhook options', () => {
    const bad = (webhooks: unknown) => { try { createBackupManager({ connection: db.url, webhooks } as never); return null } catch (e) { return e as Error } }
    expect(bad({ success: 'ftp://example.invalid/x' })?.message).toContain('webhooks.success')
    expect(bad({ success: 'not a url' })?.message).toContain('webhooks.success')
    expect(bad({ failure: `${hooks.base}/f`, timeoutMs: 0 })?.message).toContain('webhooks.timeoutMs')
    expect(bad({ failure: `${hooks.base}/f`, retries: -1 })?.message).toContain('webhooks.retries')
    expect(bad({ sucess: `${hooks.base}/f` })?.message).toContain('webhooks')
    expect(bad({ success: `${hooks.base}/f`, timeoutMs: 2000, retries: 0 })).toBeNull()
  })
})
