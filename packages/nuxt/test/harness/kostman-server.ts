// Test harness: the KostMan example built once (core's sources, this module's dist, `nuxi build`;
// reused while none of their files changed) and started as a real Nitro server on a free port, with
// its own fresh database on the test server (loaded with the sample boarding-house data) and its own
// backup folder, or a bucket of its own on the test run's s3rver.
//   const app = await startKostman({ storage: 's3' })
//   const cookie = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
//   await fetch(`${app.url}/api/backup/history`, { headers: { cookie } })
//   await app.stop()
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inject } from 'vitest'
import type {} from '@pgkeep/testkit/provided-context'
import { createDatabase, type TestDatabase } from '@pgkeep/testkit/database'
import { findFreePort } from '@pgkeep/testkit/free-port'
import { s3Env } from '@pgkeep/testkit/s3-env'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { buildKostman, KOSTMAN_DIR } from './build-kostman'

export { buildKostman, KOSTMAN_DIR } from './build-kostman'

/** The seeded users of the example (see examples/nuxt-kostman/README.md). */
export const KOSTMAN_USERS = {
  admin: { email: 'admin@kostman.test', password: 'kostman-admin' },
  staff: { email: 'staff@kostman.test', password: 'kostman-staff' },
} as const

export interface KostmanOptions {
  /** Where backups go. @default 'folder' */
  storage?: 'folder' | 's3'
  /** More environment for the server (NUXT_PGKEEP_ALLOW_RESTORE, NUXT_PGKEEP_RATE_LIMIT, …). */
  env?: Record<string, string>
  /** Scale of the sample data (1 ≈ 8 MB). @default 0.2 */
  scale?: number
}

export interface KostmanServer {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** The app's database (a fresh one, loaded with the sample data; dropped by stop()). */
  databaseUrl: string
  /** The backup folder (folder storage) or undefined. */
  storageDir?: string
  /** The bucket (S3 storage) or undefined. */
  bucket?: string
  /** Signs in through POST /api/login and answers the session cookie (`name=value`) for a Cookie header. */
  login(email: string, password: string): Promise<string>
  /** The server's process id. */
  pid: number
  /** What the server printed so far (stdout and stderr). */
  output(): string
  /** Stops the server, drops the database, removes the folder. */
  stop(): Promise<void>
}

export async function startKostman(options: KostmanOptions = {}): Promise<KostmanServer> {
  const outputDir = await buildKostman()
  const pg = inject('pgDefault')
  const db: TestDatabase = await createDatabase(pg.url, { prefix: 'kostman' })
  let storageDir: string | undefined
  let child: ChildProcess | undefined
  try {
    await loadSampleDatabase(db.url, { scale: options.scale ?? 0.2 })
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TZ: process.env.TZ,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      NUXT_SESSION_PASSWORD: randomBytes(24).toString('hex'),
      NUXT_PGKEEP_DATABASE_URL: db.url,
      NUXT_PGKEEP_SCHEDULE_ENABLED: 'false',
    }
    let bucket: string | undefined
    if (options.storage === 's3') {
      const s3 = inject('s3')
      bucket = `kostman-${randomBytes(4).toString('hex')}`
      Object.assign(env, s3Env(s3, bucket, 'NUXT_PGKEEP_S3_'))
    } else {
      storageDir = mkdtempSync(join(tmpdir(), 'kostman-backups-'))
      env.NUXT_PGKEEP_STORAGE_DIR = storageDir
    }
    Object.assign(env, options.env)
    const started = await listen(outputDir, env)
    child = started.child
    const url = started.url
    const output = started.output
    let stopped: Promise<void> | undefined
    return {
      url,
      databaseUrl: db.url,
      ...(storageDir ? { storageDir } : {}),
      ...(bucket ? { bucket } : {}),
      pid: started.child.pid!,
      login: (email, password) => login(url, email, password),
      output: () => output.join(''),
      stop: () => (stopped ??= (async () => {
        await stopChild(started.child)
        await db.drop()
        if (storageDir) rmSync(storageDir, { recursive: true, force: true })
      })()),
    }
  } catch (error) {
    if (child) await stopChild(child)
    await db.drop()
    if (storageDir) rmSync(storageDir, { recursive: true, force: true })
    throw error
  }
}

async function login(url: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (!response.ok) throw new Error(`login as ${email} answered ${response.status}: ${await response.text()}`)
  const cookies = response.headers.getSetCookie().map((c) => c.split(';')[0]!)
  if (cookies.length === 0) throw new Error(`login as ${email} set no cookie`)
  return cookies.join('; ')
}

/** Starts `.output/server/index.mjs` on a free port and waits until it answers (retrying if the port was taken). */
async function listen(outputDir: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; output: string[] }> {
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort()
    const output: string[] = []
    const child = spawn(process.execPath, [join(outputDir, 'server', 'index.mjs')], {
      cwd: KOSTMAN_DIR,
      env: { ...env, PORT: String(port), NITRO_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')))
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')))
    const url = `http://127.0.0.1:${port}`
    const ready = await waitUntilUp(url, child)
    if (ready) return { child, url, output }
    await stopChild(child)
    if (attempt >= 3 || !/EADDRINUSE/.test(output.join(''))) throw new Error(`the KostMan server did not start:\n${output.join('')}`)
  }
}

async function waitUntilUp(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false
    try {
      const response = await fetch(`${url}/api/_kostman/health`, { signal: AbortSignal.timeout(2000) })
      await response.arrayBuffer()
      if (response.status < 500) return true
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
