// The route table run through handleBackupRequest: deny by default (no authorizer → 403), 401 without a
// user, 403 with the action's message, routes switched off answer 404, ids and bodies validated (400)
// only after authorization, the metrics bearer token, download tokens, and errors as
// `{ statusCode, message, code }` with Retry-After on 429 and no secret in the message.
import { describe, expect, it } from 'vitest'
import { handleBackupRequest, matchRoute, type BackupRequestContext } from '../../src/http/dispatch'
import { signDownloadToken } from '../../src/http/download-token'
import { resolveHttpConfig } from '../../src/http/http-config'
import { refuseBackupAccess } from '../../src/http/http-error'
import type { RouteRequest, RouteResult } from '../../src/http/route-types'
import { backupRoutes } from '../../src/http/routes'
import { PgkeepError } from '../../src/errors'
import type { BackupManager } from '../../src/manager'

const ID = '4b0d1c8e-5f2a-4c3b-9d7e-1a2b3c4d5e6f'

function request(method: string, path: string, more: Partial<RouteRequest> = {}): RouteRequest {
  return { method, path, query: {}, headers: {}, signal: new AbortController().signal, ...more }
}

/** A manager whose every call fails the test: the refusals must come before the manager is asked. */
const untouchable = new Proxy({}, { get: (_t, name) => { throw new Error(`the manager was asked for ${String(name)}`) } }) as BackupManager

function context(more: Partial<BackupRequestContext> = {}): BackupRequestContext {
  return { manager: untouchable, config: resolveHttpConfig({ tokenSecret: 's'.repeat(32), metricsToken: 'm'.repeat(20) }), log: () => {}, ...more }
}

/** A request with a JSON body, as a client sends it (the content type says so). */
function withJson(method: string, path: string, json: unknown): RouteRequest {
  return request(method, path, { body: json, headers: { 'content-type': 'application/json' } })
}

function body(result: RouteResult): unknown {
  return result.kind === 'json' ? result.json : undefined
}

describe('route matching', () => {
  it('finds every route of the table by its own method and path', () => {
    for (const route of backupRoutes) {
      const path = route.path.replace(':id', ID)
      expect(matchRoute(route.method, path)?.route.name, route.name).toBe(route.name)
    }
    expect(matchRoute('POST', `/${ID}/pin`)?.params).toEqual({ id: ID })
    expect(matchRoute('GET', '/database')).toBeNull()
    expect(matchRoute('GET', '/nothing/here')).toBeNull()
  })
})

describe('authorization', () => {
  it('refuses every authorizer route with 403 while no authorizer is registered', async () => {
    for (const route of backupRoutes.filter((r) => r.auth !== 'token' && !r.enabled)) {
      const result = await handleBackupRequest(request(route.method, route.path.replace(':id', ID)), context())
      expect(result.status, route.name).toBe(403)
      expect(body(result)).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' })
    }
  })

  it('answers 401 when the authorizer finds no user, 403 with the action\'s message when it refuses', async () => {
    const none = await handleBackupRequest(request('POST', '/database'), context({ authorize: () => null }))
    expect(none.status).toBe(401)
    expect(body(none)).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' })
    const staff = await handleBackupRequest(request('POST', '/database'), context({ authorize: () => false }))
    expect(body(staff)).toEqual({ statusCode: 403, message: 'Only administrators can create backups', code: 'FORBIDDEN' })
    const thrown = await handleBackupRequest(request('GET', '/history'), context({ authorize: () => { throw refuseBackupAccess('forbidden') } }))
    expect(thrown.status).toBe(403)
    // A framework's 401 (nuxt-auth-utils' requireUserSession throws one) is a 401 too.
    const framework = await handleBackupRequest(request('GET', '/history'), context({ authorize: () => { throw Object.assign(new Error('no session'), { statusCode: 401 }) } }))
    expect(framework.status).toBe(401)
  })

  it('answers 401 to an actor that names nobody: { actor: undefined }, a blank string, NaN', async () => {
    // `{ actor: session?.user?.id }` with nobody signed in; the manager (untouchable) must not be asked
    const nobody: unknown[] = [{ actor: undefined }, { actor: '' }, '', '  ', Number.NaN, Number.POSITIVE_INFINITY, { actor: Number.NaN }]
    for (const outcome of nobody) {
      for (const [method, path] of [['POST', '/database'], ['GET', '/history'], ['POST', '/cleanup']] as const) {
        const result = await handleBackupRequest(request(method, path), context({ authorize: () => outcome as never }))
        expect({ outcome, path, status: result.status, body: body(result) }).toMatchObject({ outcome, path, status: 401, body: { statusCode: 401, code: 'UNAUTHORIZED' } })
      }
    }
  })

  it('asks the authorizer about the route\'s action', async () => {
    const asked: string[] = []
    const authorize = (action: string) => {
      asked.push(action)
      return false
    }
    for (const [method, path] of [['POST', '/database'], ['GET', '/history'], ['GET', `/download/${ID}`], ['POST', '/cleanup'], ['POST', `/${ID}/verify`], ['DELETE', `/${ID}`], ['POST', `/${ID}/pin`], ['POST', `/${ID}/unpin`], ['GET', '/metrics'], ['GET', '/events']] as const) {
      await handleBackupRequest(request(method, path), context({ authorize }))
    }
    expect(asked).toEqual(['backup', 'history', 'download', 'cleanup', 'verify', 'remove', 'pin', 'pin', 'metrics', 'events'])
  })

  it('refuses before it validates: a staff member with a malformed id gets 403, an admin 400', async () => {
    expect((await handleBackupRequest(request('POST', '/not-a-uuid/verify'), context({ authorize: () => false }))).status).toBe(403)
    const admin = await handleBackupRequest(request('POST', '/not-a-uuid/verify'), context({ authorize: () => 'admin' }))
    expect(admin.status).toBe(400)
    expect(body(admin)).toMatchObject({ statusCode: 400, code: 'OPTIONS_INVALID' })
    expect((body(admin) as { message: string }).message).toMatch(/id: must be a backup id/)
  })

  it('answers a body that could not be read with 400, but only after authorization', async () => {
    const unreadable = request('POST', '/cleanup', { bodyError: 'not valid JSON', headers: { 'content-type': 'application/json' } })
    expect((await handleBackupRequest(unreadable, context({ authorize: () => false }))).status).toBe(403)
    const admin = await handleBackupRequest(unreadable, context({ authorize: () => 'admin' }))
    expect(body(admin)).toEqual({ statusCode: 400, message: 'invalid body: not valid JSON', code: 'OPTIONS_INVALID' })
  })

  it('answers 400 for malformed bodies and queries', async () => {
    const admin = context({ authorize: () => 'admin' })
    const cases: RouteRequest[] = [
      withJson('POST', '/cleanup', { daysToKeep: 'seven' }),
      withJson('POST', '/cleanup', { daysToKeep: 7, extra: true }),
      withJson('POST', '/database', { tables: 'public.tenants' }),
      withJson('POST', '/database', [1, 2]),
      request('GET', '/history', { query: { limit: 'lots' } }),
    ]
    for (const r of cases) {
      const result = await handleBackupRequest(r, admin)
      expect(result.status, JSON.stringify(r.body ?? r.query)).toBe(400)
      // refused for what the body or query holds, not for how it was sent
      expect((body(result) as { message: string }).message, JSON.stringify(r.body ?? r.query)).toMatch(/^invalid (body|query): (daysToKeep|extra|tables|body|limit): /)
    }
  })

  it('keeps the restore route hidden (404) unless allowRestore, for everyone', async () => {
    for (const authorize of [() => 'admin', () => false, () => null]) {
      const result = await handleBackupRequest(request('POST', `/${ID}/restore`, { body: { confirm: 'x', clean: true } }), context({ authorize }))
      expect(result.status).toBe(404)
    }
    const on = context({ authorize: () => false, config: resolveHttpConfig({ allowRestore: true }) })
    expect((await handleBackupRequest(request('POST', `/${ID}/restore`), on)).status).toBe(403)
  })

  it('lets the metrics route in with the bearer token, and only with the exact token', async () => {
    const manager = { metricsText: async () => 'pgkeep_backups_total 0\n' } as unknown as BackupManager
    const ok = await handleBackupRequest(request('GET', '/metrics', { headers: { authorization: `Bearer ${'m'.repeat(20)}` } }), context({ manager }))
    expect(ok).toMatchObject({ kind: 'text', status: 200, text: 'pgkeep_backups_total 0\n' })
    for (const header of [`Bearer ${'m'.repeat(19)}`, `Bearer ${'m'.repeat(21)}`, `Basic ${'m'.repeat(20)}`, '']) {
      expect((await handleBackupRequest(request('GET', '/metrics', { headers: { authorization: header } }), context({ manager }))).status, header).toBe(403)
    }
  })

  it('lets the file route in with a valid download token only, without asking the authorizer', async () => {
    const config = resolveHttpConfig({ tokenSecret: 's'.repeat(32) })
    const authorize = () => { throw new Error('the authorizer must not be asked') }
    const expired = signDownloadToken({ id: ID, exp: Math.floor(Date.now() / 1000) - 1, actor: null }, config.tokenSecret)
    const other = signDownloadToken({ id: '00000000-0000-4000-8000-000000000000', exp: Math.floor(Date.now() / 1000) + 60, actor: null }, config.tokenSecret)
    for (const token of [undefined, 'garbage', expired, other]) {
      const result = await handleBackupRequest(request('GET', `/file/${ID}`, { query: token ? { token } : {} }), context({ config, authorize }))
      expect(result.status, String(token)).toBe(403)
      expect(body(result)).toMatchObject({ code: 'TOKEN_INVALID' })
    }
  })
})

describe('errors', () => {
  const admin = (manager: Partial<BackupManager>, secrets: string[] = []) => context({ authorize: () => 'admin', manager: manager as BackupManager, secrets })

  it('maps the manager\'s codes to statuses, with Retry-After on 429', async () => {
    const cases: [PgkeepError, number][] = [
      [new PgkeepError('BACKUP_NOT_FOUND', `no backup has the id ${ID}`), 404],
      [new PgkeepError('RATE_LIMITED', 'too many manual backups', { retryAfter: 1234 }), 429],
      [new PgkeepError('OPTIONS_INVALID', 'bad'), 400],
      [new PgkeepError('SIZE_LIMIT_EXCEEDED', 'too big'), 413],
      [new PgkeepError('STORAGE_UNREACHABLE', 'gone'), 503],
      [new PgkeepError('COPY_FAILED', 'copy failed'), 500],
    ]
    for (const [error, status] of cases) {
      const result = await handleBackupRequest(request('POST', `/${ID}/verify`), admin({ verify: async () => { throw error } }))
      expect(result.status, error.code).toBe(status)
      expect(body(result)).toEqual({ statusCode: status, message: error.message, code: error.code })
      expect(result.headers['retry-after']).toBe(status === 429 ? '1234' : undefined)
    }
  })

  it('answers 500 when the app\'s manager cannot be made (its configuration), never 400', async () => {
    const broken = context({ authorize: () => 'admin', manager: () => { throw new PgkeepError('OPTIONS_INVALID', 'give either connection or connectionString, not both') } })
    const result = await handleBackupRequest(request('GET', '/history'), broken)
    expect(result.status).toBe(500)
    expect(body(result)).toMatchObject({ statusCode: 500, code: 'INTERNAL', message: expect.stringContaining('could not be created') })
  })

  it('never sends a secret, a stack or a foreign error\'s message', async () => {
    const url = 'postgresql://kost:s3cr3t-pw@db.internal:5432/kostman'
    const leaky = await handleBackupRequest(request('POST', `/${ID}/verify`), admin({ verify: async () => { throw new PgkeepError('CONNECT_FAILED', `unable to connect to ${url}`) } }, [url, 's3cr3t-pw']))
    expect(JSON.stringify(body(leaky))).not.toContain('s3cr3t-pw')
    const foreign = await handleBackupRequest(request('POST', `/${ID}/verify`), admin({ verify: async () => { throw new Error(`boom at ${url}`) } }, []))
    expect(body(foreign)).toEqual({ statusCode: 500, message: 'Internal error', code: 'INTERNAL' })
  })
})
