// The backup routes of the built KostMan example over HTTP, with folder storage: the testkit's one list
// of route cases (the Express adapter runs the same list), signed in the KostMan way (a session cookie
// from POST /api/login), plus what only this adapter adds: the refusal comes before anything about the
// request is judged (staff sending a malformed body or id still get 403).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { describeBackupRouteCases, type Caller, type RouteTarget } from '@pgkeep/testkit'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

let app: KostmanServer
let target: RouteTarget

beforeAll(async () => {
  app = await startKostman()
  const cookies: Record<Caller, string | undefined> = {
    anonymous: undefined,
    admin: await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password),
    staff: await app.login(KOSTMAN_USERS.staff.email, KOSTMAN_USERS.staff.password),
  }
  const base = `${app.url}/api/backup`
  target = {
    base,
    databaseUrl: app.databaseUrl,
    adminActor: KOSTMAN_USERS.admin.email,
    filename: /^kostman-backup-\d{4}-\d{2}-\d{2}-\d{13}-[0-9a-f]{8}\.sql\.gz$/,
    table: 'public.activity_log',
    downloads: 'token',
    call(who, method, path, body, headers = {}) {
      const cookie = cookies[who]
      return fetch(`${base}${path}`, {
        method,
        headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      })
    },
  }
})

afterEach((ctx) => {
  // The server's own account of a failure (its log) beside the test's.
  if (ctx.task.result?.state === 'fail') console.error(`--- KostMan server output ---\n${app?.output().slice(-6000)}`)
})

afterAll(async () => {
  await app?.stop()
})

describeBackupRouteCases('Nuxt module (KostMan), folder storage', () => target)

describe('Nuxt module (KostMan): refusals first', () => {
  it('answers 403 to staff before it judges the request: a malformed body or id is still a 403', async () => {
    expect((await target.call('staff', 'POST', '/database', '{"tables": [')).status).toBe(403)
    expect((await target.call('staff', 'POST', '/not-a-uuid/verify')).status).toBe(403)
    expect((await target.call('anonymous', 'POST', '/cleanup', { daysToKeep: 'seven' })).status).toBe(401)
  })
})

describe('Nuxt module (KostMan): other origins allowed at run time', () => {
  it('NUXT_PGKEEP_ALLOWED_ORIGINS lets the pages of those origins send POST requests; any other origin stays a 403', async () => {
    // the module had no way to name them (the Express router's allowedOrigins)
    const other = await startKostman({ env: { NUXT_PGKEEP_ALLOWED_ORIGINS: 'https://admin.kostman.test, https://ops.kostman.test:8443' } })
    try {
      const cookie = await other.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
      const cleanup = (origin: string) => fetch(`${other.url}/api/backup/cleanup`, {
        method: 'POST',
        headers: { cookie, origin, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
        body: JSON.stringify({ daysToKeep: 30 }),
      })
      for (const origin of ['https://admin.kostman.test', 'https://ops.kostman.test:8443']) expect((await cleanup(origin)).status, origin).toBe(200)
      for (const origin of ['https://evil.example', 'https://ops.kostman.test']) {
        const refused = await cleanup(origin)
        expect(refused.status, origin).toBe(403)
        expect(await refused.json()).toMatchObject({ code: 'CROSS_SITE_REQUEST' })
      }
    } finally {
      await other.stop()
    }
  })
})
