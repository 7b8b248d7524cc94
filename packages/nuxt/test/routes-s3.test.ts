// The same routes with S3 storage (the test run's s3rver): the backup streamed from the bucket, the
// history, and a download URL that is a presigned S3 URL fetching the same bytes without the app.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

const P = '/api/backup'
let app: KostmanServer
let admin: string

beforeAll(async () => {
  app = await startKostman({ storage: 's3' })
  admin = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
})

afterEach((ctx) => {
  // The server's own account of a failure (its log) beside the test's.
  if (ctx.task.result?.state === 'fail') console.error(`--- KostMan server output ---\n${app?.output().slice(-6000)}`)
})

afterAll(async () => {
  await app?.stop()
})

describe('KostMan backup routes (S3 storage)', () => {
  it('backs up to the bucket and hands out a presigned URL that fetches the same bytes', async () => {
    const created = await fetch(`${app.url}${P}/database`, { method: 'POST', headers: { cookie: admin } })
    expect(created.status).toBe(200)
    expect(created.headers.get('content-type')).toBe('application/gzip')
    const id = created.headers.get('x-backup-id')!
    const bytes = Buffer.from(await created.arrayBuffer())
    expect(bytes.subarray(0, 2).toString('hex')).toBe('1f8b')

    const history = (await (await fetch(`${app.url}${P}/history`, { headers: { cookie: admin } })).json()) as { backups: { id: string; size: number }[]; total: number }
    expect(history.total).toBe(1)
    expect(history.backups[0]).toMatchObject({ id, size: bytes.length })

    const answer = await fetch(`${app.url}${P}/download/${id}`, { headers: { cookie: admin } })
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
  })
})
