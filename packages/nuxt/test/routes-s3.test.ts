// The routes with S3 storage (the test run's s3rver), restore switched on and a metrics token: the
// backup streamed from the bucket, a presigned download URL, progress as server-sent events, verify,
// pin, unpin and delete, the metrics route (session or bearer token), and restore into a new database.
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { assertSameDatabase, dropDatabase, withDatabase } from '@pgkeep/testkit'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

const P = '/api/backup'
const METRICS_TOKEN = randomBytes(16).toString('hex')
let app: KostmanServer
let admin: string
let staff: string
let first: { id: string; filename: string; bytes: Buffer }

beforeAll(async () => {
  app = await startKostman({ storage: 's3', env: { NUXT_PGKEEP_ALLOW_RESTORE: 'true', NUXT_PGKEEP_METRICS_TOKEN: METRICS_TOKEN } })
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
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
}

describe('KostMan backup routes (S3 storage)', () => {
  it('backs up to the bucket and hands out a presigned URL that fetches the same bytes', async () => {
    const created = await call('POST', '/database', admin)
    expect(created.status).toBe(200)
    expect(created.headers.get('content-type')).toBe('application/gzip')
    const id = created.headers.get('x-backup-id')!
    const bytes = Buffer.from(await created.arrayBuffer())
    expect(bytes.subarray(0, 2).toString('hex')).toBe('1f8b')

    const history = (await (await call('GET', '/history', admin)).json()) as { backups: { id: string; size: number; filename: string }[]; total: number }
    expect(history.total).toBe(1)
    expect(history.backups[0]).toMatchObject({ id, size: bytes.length })

    const answer = await call('GET', `/download/${id}`, admin)
    expect(answer.status).toBe(200)
    const { url, expiresAt } = (await answer.json()) as { url: string; expiresAt: string }
    const s3 = inject('s3')
    const presigned = new URL(url)
    expect(presigned.host).toBe(`${s3.endPoint}:${s3.port}`)
    expect(presigned.pathname).toContain(`/${app.bucket}/`)
    expect(presigned.searchParams.get('X-Amz-Expires')).toBe('3600')
    expect(new Date(expiresAt).getTime() - Date.now()).toBeGreaterThan(3500_000)
    const file = await fetch(url)
    expect(file.status).toBe(200)
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true)
    first = { id, filename: history.backups[0]!.filename, bytes }
  })

  it('streams the progress of a backup as server-sent events: start, progress, success, all with its id', async () => {
    const controller = new AbortController()
    const events = await fetch(`${app.url}${P}/events`, { headers: { cookie: admin }, signal: controller.signal })
    expect(events.status).toBe(200)
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const seen: { event: string; data: Record<string, unknown> }[] = []
    const reading = (async () => {
      const decoder = new TextDecoder()
      let buffer = ''
      for await (const chunk of events.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.+)$/m.exec(frame)?.[1]
          const data = /^data: (.+)$/m.exec(frame)?.[1]
          if (event && data) seen.push({ event, data: JSON.parse(data) as Record<string, unknown> })
          if (event === 'success' || event === 'failure') return
        }
      }
    })()
    const created = await call('POST', '/database?download=0', admin)
    expect(created.status).toBe(201)
    const record = (await created.json()) as { id: string }
    await reading
    controller.abort()
    expect(seen[0]).toEqual({ event: 'running', data: { backups: [] } })
    const names = seen.map((e) => e.event)
    expect(names.at(-1)).toBe('success')
    expect(names).toContain('start')
    const progress = seen.filter((e) => e.event === 'progress')
    expect(progress.length).toBeGreaterThan(0)
    for (const e of seen.slice(1)) expect(e.data.id, e.event).toBe(record.id)
    expect(seen.find((e) => e.event === 'start')!.data).toMatchObject({ type: 'manual', actor: KOSTMAN_USERS.admin.email })
    const last = progress.at(-1)!.data as { bytes: number; percent?: number }
    expect(last.bytes).toBeGreaterThan(0)
    for (const e of progress) if (e.data.percent !== undefined) expect(e.data.percent as number).toBeLessThanOrEqual(100)
  })

  it('verifies, pins and unpins a backup', async () => {
    const verified = await call('POST', `/${first.id}/verify`, admin)
    expect(verified.status).toBe(200)
    expect(await verified.json()).toMatchObject({ id: first.id, ok: true })
    const pinned = await call('POST', `/${first.id}/pin`, admin)
    expect(await pinned.json()).toMatchObject({ id: first.id, pinned: true, verified: { ok: true } })
    const history = (await (await call('GET', '/history', admin)).json()) as { backups: { id: string; pinned: boolean }[] }
    expect(history.backups.find((b) => b.id === first.id)).toMatchObject({ pinned: true })
    expect(await (await call('POST', `/${first.id}/unpin`, admin)).json()).toMatchObject({ id: first.id, pinned: false })
  })

  it('answers metrics to the admin and to the bearer token, and refuses a wrong token', async () => {
    const bySession = await call('GET', '/metrics', admin)
    expect(bySession.status).toBe(200)
    expect(bySession.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await bySession.text()
    expect(text).toMatch(/^pgkeep_backups_total\{.*\} \d+$/m)
    // the bucket exists (the earlier tests backed up into it): up, with its backups counted
    expect(text).toMatch(/^pgkeep_storage_up 1$/m)
    expect(text).toMatch(/^pgkeep_backups\{type="manual"\} [1-9]\d*$/m)
    const byToken = await call('GET', '/metrics', undefined, undefined, { authorization: `Bearer ${METRICS_TOKEN}` })
    expect(byToken.status).toBe(200)
    expect((await call('GET', '/metrics', undefined, undefined, { authorization: `Bearer ${METRICS_TOKEN}x` })).status).toBe(401)
    expect((await call('GET', '/metrics', staff, undefined, { authorization: 'Bearer nope' })).status).toBe(403)
  })

  it('restores into a new database with allowRestore, only for the admin and only when the filename is confirmed', async () => {
    const name = `kostman_restored_${randomBytes(4).toString('hex')}`
    expect((await call('POST', `/${first.id}/restore`, staff, { confirm: first.filename, createDatabase: name })).status).toBe(403)
    const wrong = await call('POST', `/${first.id}/restore`, admin, { confirm: 'another.sql.gz', createDatabase: name })
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('confirm') })
    expect((await call('POST', `/${first.id}/restore`, admin, { confirm: first.filename })).status).toBe(400)
    const server = inject('pgDefault').url
    try {
      const restored = await call('POST', `/${first.id}/restore`, admin, { confirm: first.filename, createDatabase: name })
      expect(restored.status).toBe(200)
      expect(await restored.json()).toMatchObject({ success: true, id: first.id, database: name })
      await assertSameDatabase(app.databaseUrl, withDatabase(server, name))
    } finally {
      await dropDatabase(server, name)
    }
  })

  it('deletes a backup: it leaves the history and its id answers 404', async () => {
    const removed = await call('DELETE', `/${first.id}`, admin)
    expect(removed.status).toBe(200)
    const history = (await (await call('GET', '/history', admin)).json()) as { backups: { id: string }[]; total: number }
    expect(history.backups.map((b) => b.id)).not.toContain(first.id)
    expect(history.total).toBe(1)
    expect((await call('GET', `/download/${first.id}`, admin)).status).toBe(404)
  })
})
