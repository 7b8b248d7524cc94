// The example server as `pnpm start` runs it (tsx server.ts, NODE_ENV unset as on a developer's
// machine), probed over HTTP on loopback: bodies that are not valid JSON, not an object, or too large,
// sent without credentials, are answered by the backup router as JSON (401 first: who calls is asked
// before the body counts), never by Express's HTML error page with a stack trace and server paths; with
// credentials the router names the problem (400 OPTIONS_INVALID, 413 SIZE_LIMIT_EXCEEDED) and a good
// body works; a path nobody serves is a JSON 404.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findFreePort } from '@pgkeep/testkit/free-port'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url))
const ADMIN = { authorization: 'Bearer admin-example-token' }
const JSON_TYPE = { 'content-type': 'application/json' }
/** 120 kB of JSON: over the router's 64 kB and over express.json()'s default 100 kB. */
const BIG = JSON.stringify({ daysToKeep: 30, padding: 'x'.repeat(120_000) })

let server: ChildProcess
let base: string
let dir: string
let output = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-example-express-'))
  const port = await findFreePort()
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), PGKEEP_BACKUP_DIR: dir }
  // the server the workspace's global setup provides (run from the root's pnpm test), else the environment's
  const provided = (inject as (key: string) => { url: string } | undefined)('pgDefault')
  env.DATABASE_URL = provided?.url ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
  server = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { cwd: EXAMPLE, env, stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('listening on')) resolve()
    }
    server.stdout!.on('data', onData)
    server.stderr!.on('data', onData)
    server.once('exit', (code) => reject(new Error(`the example exited with ${code}:\n${output}`)))
  })
  base = `http://127.0.0.1:${port}`
})

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGTERM')
    await exited
  }
  await rm(dir, { recursive: true, force: true })
})

/** The answer, checked to be JSON without a stack trace, an HTML page or a path of the server. */
async function jsonAnswer(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, init)
  const text = await response.text()
  expect(response.headers.get('content-type'), text).toMatch(/^application\/json/)
  expect(text).not.toMatch(/<html|<pre>|\bat [\w.<>]+ \(|node:internal|node_modules/i)
  expect(text).not.toContain(EXAMPLE)
  expect(text).not.toContain('/work/')
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown> }
}

describe('the Express example answers bad bodies as JSON, without a stack', () => {
  it.each([
    ['not valid JSON', '{bad'],
    ['null', 'null'],
    ['a string', '"str"'],
    ['120 kB', BIG],
  ])('without credentials, a body that is %s: 401 as JSON', async (_label, body) => {
    const { status, body: answer } = await jsonAnswer('/api/backup/cleanup', { method: 'POST', headers: JSON_TYPE, body })
    expect(status).toBe(401)
    expect(answer).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' })
  })

  it('with credentials, the router names the problem: 400 OPTIONS_INVALID, 413 SIZE_LIMIT_EXCEEDED', async () => {
    for (const body of ['{bad', '"str"']) {
      const { status, body: answer } = await jsonAnswer('/api/backup/cleanup', { method: 'POST', headers: { ...ADMIN, ...JSON_TYPE }, body })
      expect(status, body).toBe(400)
      expect(answer).toMatchObject({ statusCode: 400, code: 'OPTIONS_INVALID' })
    }
    const { status, body: answer } = await jsonAnswer('/api/backup/cleanup', { method: 'POST', headers: { ...ADMIN, ...JSON_TYPE }, body: BIG })
    expect(status).toBe(413)
    expect(answer).toMatchObject({ statusCode: 413, code: 'SIZE_LIMIT_EXCEEDED' })
  })

  it('with credentials, a good body works, and so does null (the router takes it as no body)', async () => {
    for (const sent of ['{"daysToKeep":30}', 'null']) {
      const { status, body } = await jsonAnswer('/api/backup/cleanup', { method: 'POST', headers: { ...ADMIN, ...JSON_TYPE }, body: sent })
      expect(status, sent).toBe(200)
      expect(body).toMatchObject({ success: true, deletedCount: 0 })
    }
  })

  it('a path nobody serves: 404 as JSON', async () => {
    const { status, body } = await jsonAnswer('/nothing/here')
    expect(status).toBe(404)
    expect(body).toEqual({ statusCode: 404, message: 'not found' })
  })
})
