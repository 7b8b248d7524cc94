// Against the machine's own PostgreSQL, with psql as the reference: the same connection string
// with the same environment must reach the same user, database and transport (skipped when there
// is no local server reachable with psql). Password handling runs against a fake server.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { skipAllWhen } from '@pgkeep/testkit/skip-when'
import { afterEach, describe, expect, it } from 'vitest'
import { isPgkeepError, type PgkeepError } from '../../src/errors.js'
import {
  CONVENTIONAL_SOCKET_DIRECTORIES,
  connect,
  idleErrorOf,
  nodeFileSystem,
  resolveConnection,
} from '../../src/connection/index.js'
import { defaultSocketDirectory } from '../../src/connection/socket-directory.js'
import { startFakeServer } from './fake-server.js'

const SECRET = 'hunter2-Integration'
const QUERY = "select current_user, current_database(), coalesce(inet_server_port()::text, 'socket')"

/** A clean environment: only what psql needs to run plus the PG* variables of the case. */
function envWith(vars: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, PGCONNECT_TIMEOUT: '5', ...vars }
}

function psql(conn: string, env: NodeJS.ProcessEnv): string {
  return execFileSync('psql', [conn, '-XAtc', QUERY], { env, encoding: 'utf8' }).trim()
}

const serverAvailable = spawnSync('psql', ['postgresql:///postgres', '-XAtc', 'select 1'], { env: envWith(), encoding: 'utf8' }).stdout?.trim() === '1'
const sslOn = serverAvailable && execFileSync('psql', ['postgresql:///postgres', '-XAtc', 'show ssl'], { env: envWith(), encoding: 'utf8' }).trim() === 'on'
const socketDir = defaultSocketDirectory(5432, nodeFileSystem, CONVENTIONAL_SOCKET_DIRECTORIES)

const clients: pg.Client[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})))
})

async function ours(conn: string, env: NodeJS.ProcessEnv): Promise<string> {
  const client = await connect(resolveConnection(conn, env))
  clients.push(client)
  const { rows } = await client.query({ text: QUERY, rowMode: 'array' })
  return (rows[0] as string[]).join('|')
}

async function connectError(conn: string, env: NodeJS.ProcessEnv = envWith()): Promise<PgkeepError> {
  try {
    clients.push(await connect(resolveConnection(conn, env)))
  } catch (error) {
    expect(isPgkeepError(error, 'CONNECT_FAILED')).toBe(true)
    return error as PgkeepError
  }
  throw new Error(`connecting to ${conn} succeeded`)
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('connect: the local server', () => {
  skipAllWhen(serverAvailable ? undefined : 'no PostgreSQL answers psql on the default socket as the OS user (postgresql:///postgres)')
  it('postgresql:///postgres is the local socket as the OS user', async () => {
    const client = await connect(resolveConnection('postgresql:///postgres', envWith()))
    clients.push(client)
    const { rows } = await client.query('select current_user as u, inet_server_addr() as addr')
    expect(rows[0]).toEqual({ u: userInfo().username, addr: null })
  })

  it('PGUSER from the injected environment', async () => {
    const client = await connect(resolveConnection('postgresql:///postgres', envWith({ PGUSER: 'postgres' })))
    clients.push(client)
    expect((await client.query('select current_user as u')).rows[0].u).toBe('postgres')
  })

  const socketUri = socketDir === undefined ? 'postgresql:///postgres' : `postgresql://${encodeURIComponent(socketDir)}/postgres`
  const cases: [string, NodeJS.ProcessEnv][] = [
    ['postgresql:///postgres', {}],
    ['postgresql:///postgres', { PGUSER: 'postgres' }],
    ['postgres', {}],
    ['', { PGDATABASE: 'postgres', PGUSER: 'postgres' }],
    ['host=127.0.0.1 dbname=postgres', {}],
    ['postgresql://127.0.0.1:5432/postgres', { PGUSER: 'postgres' }],
    ['postgresql://localhost/postgres?user=postgres', {}],
    ['postgresql:///postgres?host=127.0.0.1', { PGPORT: '5432' }],
    [socketUri, {}],
    ["dbname='postgres' user=''", { PGUSER: 'postgres' }],
    ['postgresql://127.0.0.1:1/postgres?port=5432', {}],
  ]
  it.each(cases)('same result as psql: %j with %j', async (conn, vars) => {
    const env = envWith(vars)
    expect(await ours(conn, env)).toBe(psql(conn, env))
  })

  it('tries the next host when one is down, like psql', async () => {
    const port = await closedPort()
    const conn = `postgresql://127.0.0.1:${port},127.0.0.1:5432/postgres`
    expect(await ours(conn, envWith())).toBe(psql(conn, envWith()))
  })

  it('target_session_attrs: read-write matches a primary, standby does not', async () => {
    expect(await ours('postgresql:///postgres?target_session_attrs=read-write', envWith())).toMatch(/\|postgres\|socket$/)
    const error = await connectError('postgresql:///postgres?target_session_attrs=standby')
    expect(error.message).toMatch(/: server is not in hot standby mode$/)
    expect(error.hint).toBe('no server matched target_session_attrs=standby')
  })

  it('a wrong port fails with a hint and without the password, even one given in the URL', async () => {
    const port = await closedPort()
    const error = await connectError(`postgresql://postgres:${SECRET}@127.0.0.1:${port}/postgres`, envWith())
    expect(error.message).toBe(`unable to connect to postgres@127.0.0.1:${port}/postgres: connection refused`)
    expect(error.hint).toBe(`is the server running on host "127.0.0.1" and accepting tcp/ip connections on port ${port}?`)
    expect(error.cause).toBeInstanceOf(Error)
    for (const text of [error.message, error.hint, String(error), JSON.stringify(error), error.stack]) {
      expect(text).not.toContain(SECRET)
    }
  })

  it('PGPASSWORD never shows in the message either', async () => {
    const port = await closedPort()
    const error = await connectError(`postgresql://127.0.0.1:${port}/${SECRET}`, envWith({ PGPASSWORD: SECRET }))
    expect(error.message).not.toContain(SECRET)
    expect(error.message).toContain('/***: connection refused')
  })

  it('a missing socket names the socket file', async () => {
    const error = await connectError('host=/nonexistent-pgkeep dbname=postgres')
    expect(error.message).toBe(`unable to connect to ${userInfo().username}@/nonexistent-pgkeep:5432/postgres: no such socket "/nonexistent-pgkeep/.s.PGSQL.5432"`)
    expect(error.hint).toMatch(/^is the server running locally and accepting connections on socket/)
  })

  it('a missing database fails naming it', async () => {
    const error = await connectError('postgresql:///pgkeep_no_such_database')
    expect(error.message).toMatch(/: database "pgkeep_no_such_database" does not exist$/)
    expect(error.hint).toMatch(/^database "pgkeep_no_such_database" does not exist on the server/)
    expect((error.cause as { code?: string }).code).toBe('3D000')
  })

  it('a missing role fails with the server message', async () => {
    const error = await connectError('postgresql://pgkeep_no_such_role@/postgres')
    expect(error.message).toMatch(/: role "pgkeep_no_such_role" does not exist$/)
  })

  it('sslmode=prefer falls back to plain tcp; require fails as libpq does', async (ctx) => {
    ctx.skip(sslOn, 'the local server has ssl on, so there is no plain-tcp fallback to see')
    expect(await ours('postgresql://127.0.0.1/postgres?user=postgres', envWith())).toBe('postgres|postgres|5432')
    const error = await connectError('postgresql://127.0.0.1/postgres?sslmode=require')
    expect(error.message).toMatch(/: server does not support ssl, but ssl was required$/)
  })

  it('applicationName is the fallback; application_name and PGAPPNAME win', async () => {
    const name = async (conn: string, vars: NodeJS.ProcessEnv = {}) => {
      const client = await connect(resolveConnection(conn, envWith(vars)), { applicationName: 'pgkeep-test' })
      clients.push(client)
      return (await client.query("select current_setting('application_name') as n")).rows[0].n as string
    }
    expect(await name('postgresql:///postgres')).toBe('pgkeep-test')
    expect(await name('postgresql:///postgres?application_name=mine')).toBe('mine')
    expect(await name('postgresql:///postgres', { PGAPPNAME: 'fromenv' })).toBe('fromenv')
  })

  it('options reach the server', async () => {
    const client = await connect(resolveConnection('postgresql:///postgres?options=-c%20search_path%3Dpgkeep_x', envWith()))
    clients.push(client)
    expect((await client.query('show search_path')).rows[0].search_path).toBe('pgkeep_x')
  })

  it('an idle client whose backend dies does not crash the process; the error is kept', async () => {
    const client = await connect(resolveConnection('postgresql:///postgres', envWith()))
    clients.push(client)
    const pid = (await client.query('select pg_backend_pid() as pid')).rows[0].pid as number
    const ended = new Promise((resolve) => client.once('end', resolve))
    const killer = await connect(resolveConnection('postgresql:///postgres', envWith({ PGUSER: 'postgres' })))
    clients.push(killer)
    await killer.query('select pg_terminate_backend($1)', [pid])
    await ended
    expect(idleErrorOf(client)?.message).toMatch(/terminating connection/)
    await expect(client.query('select 1')).rejects.toThrow()
  })
})

describe('connect: password authentication (fake server)', () => {
  const servers: Awaited<ReturnType<typeof startFakeServer>>[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  const fake = async () => {
    const server = await startFakeServer(SECRET)
    servers.push(server)
    return server
  }

  it('sends the password from the URL, after the libpq prefer fallback', async () => {
    const server = await fake()
    const client = await connect(resolveConnection(`postgresql://u:${encodeURIComponent(SECRET)}@127.0.0.1:${server.port}/d`, envWith()), {
      applicationName: 'pgkeep-test',
    })
    clients.push(client)
    expect(server.sessions.map((s) => [s.sslRequested, s.password])).toEqual([[false, SECRET]])
    expect(server.sessions[0]!.params).toMatchObject({ user: 'u', database: 'd', application_name: 'pgkeep-test' })
  })

  it('after a server refused SSL, later sessions of the same resolved connection skip the SSL attempt', async () => {
    const server = await fake()
    const resolved = resolveConnection(`postgresql://u:${encodeURIComponent(SECRET)}@127.0.0.1:${server.port}/d`, envWith())
    clients.push(await connect(resolved))
    expect(server.connections).toBe(2)
    clients.push(await connect(resolved), await connect(resolved))
    expect(server.connections).toBe(4)
    // a connection resolved anew asks again, as libpq does
    clients.push(await connect(resolveConnection(`postgresql://u:${encodeURIComponent(SECRET)}@127.0.0.1:${server.port}/d`, envWith())))
    expect(server.connections).toBe(6)
    expect(server.sessions.map((s) => [s.sslRequested, s.password])).toEqual(Array(4).fill([false, SECRET]))
  })

  it('sends the password found in the password file', async () => {
    const server = await fake()
    const dir = mkdtempSync(join(tmpdir(), 'pgkeep-pgpass-'))
    try {
      const passfile = join(dir, 'pgpass')
      writeFileSync(passfile, `127.0.0.1:${server.port}:d:u:${SECRET.replace(/[:\\]/g, '\\$&')}\n`, { mode: 0o600 })
      const client = await connect(resolveConnection(`postgresql://u@127.0.0.1:${server.port}/d?sslmode=disable`, envWith({ PGPASSFILE: passfile })))
      clients.push(client)
      expect(server.sessions.at(-1)!.password).toBe(SECRET)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a wrong password gives CONNECT_FAILED with the server message, a hint, and no password', async () => {
    const server = await fake()
    const wrong = 'wrong-Password-123'
    const error = await connectError(`postgresql://u:${wrong}@127.0.0.1:${server.port}/d?sslmode=disable`, envWith())
    expect(error.message).toBe(`unable to connect to u@127.0.0.1:${server.port}/d: password authentication failed for user "u"`)
    expect(error.hint).toBe('check the password, which came from the connection string')
    expect(`${error.message} ${error.hint} ${String(error)}`).not.toContain(wrong)
  })

  it('no password at all: pg does not fall back to PGPASSWORD of the process, and the error says so', async () => {
    const server = await fake()
    const saved = process.env.PGPASSWORD
    process.env.PGPASSWORD = SECRET
    try {
      const error = await connectError(`postgresql://u@127.0.0.1:${server.port}/d?sslmode=disable&passfile=/nonexistent`, envWith())
      expect(error.message).toBe(
        `unable to connect to u@127.0.0.1:${server.port}/d: the server requested password authentication, but no password was supplied`,
      )
      expect(error.hint).toMatch(/^give the password in the connection string, PGPASSWORD or a password file/)
      expect(server.sessions.every((s) => s.password === undefined)).toBe(true)
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD
      else process.env.PGPASSWORD = saved
    }
  })
})
