// Vitest globalSetup (listed once, in the root config): provides `pgDefault` (TEST_DATABASE_URL, else an
// embedded PostgreSQL of the local pg_dump's major, 15 without one), `pgServers` (one embedded server per
// major in PGKEEP_TEST_MAJORS, reusing the default where it fits) and `s3` (an s3rver endpoint) to the
// tests of every project, and stops what it started at teardown.
import type { TestProject } from 'vitest/node'
import { serverMajor, withClient } from './database'
import { embeddedDefaultMajor } from './default-major'
import type { EmbeddedMajor } from './embedded-binaries'
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server'
import type { PgServerRef } from './provided-context'
import { startS3Server, type S3Endpoint, type S3Server } from './s3-server'
import { testMajors } from './test-majors'

/** Listed more than once (root and a project), it starts the servers once and stops them after the last teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry()[KEY] ??= { users: 0, ready: startServers() })
  shared.users++
  let servers: Servers
  try {
    servers = await shared.ready
  } catch (err) {
    if (--shared.users === 0) delete registry()[KEY]
    throw err
  }
  project.provide('pgDefault', servers.pgDefault)
  project.provide('pgServers', servers.pgServers)
  project.provide('s3', servers.s3)
  return async () => {
    if (--shared.users > 0) return
    delete registry()[KEY]
    await Promise.all([...servers.started.map((s) => s.stop()), servers.s3Server.stop()])
  }
}

// --- internal ---

interface Servers {
  pgDefault: PgServerRef
  pgServers: Record<number, PgServerRef>
  started: EmbeddedServer[]
  s3: S3Endpoint
  s3Server: S3Server
}

const KEY = Symbol.for('pgkeep.testkit.global-setup')

function registry(): Record<symbol, { users: number; ready: Promise<Servers> } | undefined> {
  return globalThis as never
}

async function startServers(): Promise<Servers> {
  const s3 = startS3()
  s3.catch(() => {}) // awaited below, once postgres is up
  let pg: Omit<Servers, 's3' | 's3Server'>
  try {
    pg = await startPgServers()
  } catch (err) {
    await s3.then((server) => server.stop(), () => {})
    throw err
  }
  let s3Server: S3Server
  try {
    s3Server = await s3
  } catch (err) {
    await Promise.allSettled(pg.started.map((s) => s.stop()))
    throw err
  }
  const { endPoint, port, accessKey, secretKey, region } = s3Server
  return { ...pg, s3: { endPoint, port, accessKey, secretKey, region }, s3Server }
}

async function startS3(): Promise<S3Server> {
  const t0 = Date.now()
  const server = await startS3Server()
  report(`s3rver ready at http://${server.endPoint}:${server.port} in ${Date.now() - t0} ms`)
  return server
}

async function startPgServers(): Promise<Omit<Servers, 's3' | 's3Server'>> {
  const majors = testMajors()
  const externalUrl = process.env.TEST_DATABASE_URL?.trim() || undefined
  const started: EmbeddedServer[] = []
  const start = async (major: EmbeddedMajor): Promise<PgServerRef> => {
    const t0 = Date.now()
    const server = await startEmbeddedServer({ major })
    started.push(server)
    report(`embedded postgres ${server.version} ready at ${server.url} in ${Date.now() - t0} ms`)
    return { url: server.url, major }
  }
  // the default's major decides which test major reuses it; all servers then start side by side
  const embeddedMajor = externalUrl ? undefined : await embeddedDefaultMajor()
  const pending = embeddedMajor === undefined ? connectExternal(externalUrl!) : start(embeddedMajor)
  const defaultMajor = embeddedMajor ?? (await pending).major
  const settled = await Promise.allSettled([pending, ...majors.filter((m) => m !== defaultMajor).map((m) => start(m))])
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) {
    await Promise.allSettled(started.map((s) => s.stop()))
    throw failed.reason
  }
  const refs = settled.map((s) => (s as PromiseFulfilledResult<PgServerRef>).value)
  const pgServers: Record<number, PgServerRef> = {}
  for (const ref of refs) if ((majors as number[]).includes(ref.major)) pgServers[ref.major] = ref
  return { pgDefault: refs[0]!, pgServers, started }
}

async function connectExternal(url: string): Promise<PgServerRef> {
  try {
    const major = await withClient(url, (client) => serverMajor(client))
    report(`using TEST_DATABASE_URL (postgres ${major})`)
    return { url, major }
  } catch (err) {
    throw new Error(`unable to connect to TEST_DATABASE_URL: ${(err as Error).message}`, { cause: err })
  }
}

function report(line: string): void {
  process.stderr.write(`[testkit] ${line}\n`)
}
