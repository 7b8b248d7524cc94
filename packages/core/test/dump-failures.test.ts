// How a dump fails: each failure has its stable code, a message that names the problem, the server's
// error as cause, and leaves no session behind on the server.
import { Writable } from 'node:stream'
import { createDatabase, runSql, withClient, type TestDatabase } from '@pgkeep/testkit'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dump } from '../src/index'
import { failure } from './failure'

const server = inject('pgDefault')
let db: TestDatabase

const sink = () => new Writable({ write: (_chunk, _enc, done) => done() })

/**
 * Sessions of pgkeep still connected to the test database, once they had up to 3 s to go away (a
 * backend leaves pg_stat_activity shortly after its client disconnected, not at once).
 */
async function pgkeepSessions(): Promise<number> {
  for (let waited = 0; ; waited += 100) {
    const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${db.name}' AND application_name = 'pgkeep'`)
    const n = Number(rows[0]!.n)
    if (n === 0 || waited >= 3000) return n
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'failures' })
  await runSql(db.url, `
    CREATE TABLE rooms (id integer PRIMARY KEY, name text);
    INSERT INTO rooms SELECT g, 'room ' || g FROM generate_series(1, 200000) g;
    CREATE TABLE secrets (id integer);
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgkeep_test_limited') THEN CREATE ROLE pgkeep_test_limited LOGIN; END IF;
    END $$;
    GRANT SELECT ON rooms TO pgkeep_test_limited;`)
})
afterAll(() => db?.drop())

describe('dump failures', () => {
  it('LOCK_TIMEOUT when another session holds an exclusive lock longer than lockWaitTimeout', async () => {
    const holder = new pg.Client({ connectionString: db.url })
    await holder.connect()
    try {
      await holder.query('BEGIN')
      await holder.query('LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE')
      const started = Date.now()
      const error = await failure(dump({ connection: db.url, lockWaitTimeout: 300 }, sink()))
      expect(error.code).toBe('LOCK_TIMEOUT')
      expect(error.message).toMatch(/lock/i)
      expect(error.hint).toMatch(/lockWaitTimeout/)
      expect((error.cause as { code?: string }).code).toBe('55P03')
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await holder.query('ROLLBACK')
      await holder.end()
    }
    expect(await pgkeepSessions()).toBe(0)
  })

  it('PERMISSION_DENIED naming the table the role cannot read', async () => {
    const url = new URL(db.url)
    url.username = 'pgkeep_test_limited'
    const error = await failure(dump({ connection: url.toString() }, sink()))
    expect(error.code).toBe('PERMISSION_DENIED')
    expect(error.message).toContain('secrets')
    expect((error.cause as { code?: string }).code).toBe('42501')
  })

  it('OUTPUT_FAILED when the destination fails, and the session is released', async () => {
    let written = 0
    const broken = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        written += chunk.length
        done(written > 100_000 ? new Error('disk full') : undefined)
      },
    })
    broken.on('error', () => {})
    const error = await failure(dump({ connection: db.url }, broken))
    expect(error.code).toBe('OUTPUT_FAILED')
    expect(error.message).toContain('disk full')
    expect(await pgkeepSessions()).toBe(0)
  })

  it('ABORTED when the signal fires during the data, and the session is released', async () => {
    const controller = new AbortController()
    let bytes = 0
    const error = await failure(dump({ connection: db.url }, sink(), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'data' && (bytes = p.bytes) > 50_000) controller.abort()
      },
    }))
    expect(error.code).toBe('ABORTED')
    expect(bytes).toBeGreaterThan(50_000)
    expect(await pgkeepSessions()).toBe(0)
  })

  it('ABORTED before connecting when the signal has already fired', async () => {
    const error = await failure(dump({ connection: db.url }, sink(), { signal: AbortSignal.abort() }))
    expect(error.code).toBe('ABORTED')
  })

  it('SERVER_VERSION_UNSUPPORTED and OPTIONS_INVALID are raised before anything is written', async () => {
    let wrote = false
    const watch = new Writable({ write: (_c, _e, done) => { wrote = true; done() } })
    const error = await failure(dump({ connection: db.url, tables: [''] }, watch))
    expect(error.code).toBe('OPTIONS_INVALID')
    expect(error.message).toContain('tables.0')
    const unknown = await failure(dump({ connection: db.url, tabels: ['x'] } as never, watch))
    expect(unknown.code).toBe('OPTIONS_INVALID')
    expect(unknown.message).toContain('tabels')
    expect(wrote).toBe(false)
  })

  it('OPTIONS_INVALID for a lockWaitTimeout past lock_timeout\'s limit, before connecting', async () => {
    // was CATALOG_QUERY_FAILED from the server ("invalid value for parameter lock_timeout") after connecting
    const error = await failure(dump({ connection: 'postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2', lockWaitTimeout: 2_147_483_648 }, sink()), 'OPTIONS_INVALID')
    expect(error.message).toMatch(/lockWaitTimeout: must be at most 2147483647/)
    const atLimit = await dump({ connection: db.url, lockWaitTimeout: 2_147_483_647 }, sink())
    expect(atLimit.tables.map((t) => t.name)).toContain('rooms')
    expect(await pgkeepSessions()).toBe(0)
  })

  it('keeps the connection string password out of the message', async () => {
    const error = await failure(dump({ connection: 'postgresql://app:hunter2-very-secret@127.0.0.1:1/kost' }, sink()))
    expect(error.code).toBe('CONNECT_FAILED')
    expect(`${error.message} ${error.hint ?? ''} ${String(error.stack)}`).not.toContain('hunter2-very-secret')
  })

  it('names a missing database the way libpq does, without the sslmode=prefer retry', async () => {
    const url = new URL(db.url)
    url.pathname = '/pgkeep_no_such_database'
    const error = await failure(dump({ connection: url.toString() }, sink()))
    expect(error.code).toBe('CONNECT_FAILED')
    expect(error.message).toMatch(/: database "pgkeep_no_such_database" does not exist$/)
    expect(error.message).not.toMatch(/ssl/i)
  })

  it('dumps through a client the caller connected, without closing it', async () => {
    await withClient(db.url, async (client) => {
      const summary = await dump({ tables: ['rooms'], schemaOnly: true }, sink(), { client })
      expect(summary.database).toBe(db.name)
      const { rows } = await client.query('SELECT 1 AS ok')
      expect(rows[0].ok).toBe(1)
    })
  })

  it('refuses run options of the wrong kind with OPTIONS_INVALID, before connecting', async () => {
    // a client never connected made the dump wait forever; the others were a TypeError or CONNECT_FAILED
    const unconnected = new pg.Client({ connectionString: db.url })
    const ended = new pg.Client({ connectionString: db.url })
    await ended.connect()
    await ended.end()
    const cases: [unknown, RegExp][] = [
      [{ client: unconnected }, /client is not connected: await client\.connect\(\)/],
      [{ client: ended }, /client has been ended/],
      [{ client: {} }, /client must be a pg\.Client/],
      [{ signal: 'stop' }, /signal must be an AbortSignal/],
      [{ onProgress: 5 }, /onProgress must be a function/],
      [{ gcPacing: 'no' }, /gcPacing must be true or false/],
    ]
    for (const [run, mentions] of cases) {
      const pending = dump({ connection: db.url }, sink(), run as never)
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`dump() with ${String(mentions)} did not settle within 5 s`)), 5000))
      const error = await failure(Promise.race([pending, timeout]), 'OPTIONS_INVALID')
      expect(error.message).toMatch(mentions)
    }
    // null is no run options at all
    expect((await dump({ connection: db.url, tables: ['rooms'], schemaOnly: true }, sink(), null as never)).database).toBe(db.name)
    expect(await pgkeepSessions()).toBe(0)
  })

  /** The caller's client as a dump leaves it: settings, and whether it is still in a transaction holding locks. */
  async function stateOf(client: pg.Client) {
    const answer = client.query(`SELECT current_setting('search_path') AS search_path, current_setting('statement_timeout') AS statement_timeout,
      current_setting('row_security') AS row_security, now() = statement_timestamp() AS fresh_transaction,
      (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'public.rooms'::regclass)::int AS rooms_locks`)
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the client did not answer within 10 s')), 10_000))
    return (await Promise.race([answer, timeout])).rows[0]
  }
  const callersState = { search_path: 'public', statement_timeout: '7s', row_security: 'on', fresh_transaction: true, rooms_locks: 0 }

  it('gives the caller\'s client back with its own settings after a dump', async () => {
    // the client kept search_path '', statement_timeout 0, row_security off: "SELECT … FROM rooms" then failed
    await withClient(db.url, async (client) => {
      await client.query("SET search_path = public; SET statement_timeout = '7s'")
      await dump({ tables: ['rooms'], schemaOnly: true }, sink(), { client })
      expect(await stateOf(client)).toEqual(callersState)
      expect((await client.query('SELECT count(*)::int AS n FROM rooms')).rows[0].n).toBe(200000)
    })
  })

  it('ABORTED through the caller\'s client cancels the dump\'s query on the server and leaves the client open', async () => {
    // the abort ended the caller's client: "Client was closed and is not queryable" afterwards
    await withClient(db.url, async (client) => {
      await client.query("SET search_path = public; SET statement_timeout = '7s'")
      const controller = new AbortController()
      const slow = new Writable({ highWaterMark: 1024, write: (_chunk, _enc, done) => setTimeout(done, 1) })
      const started = Date.now()
      const error = await failure(dump({ tables: ['rooms'] }, slow, {
        client,
        signal: controller.signal,
        onProgress: (p) => { if (p.phase === 'data' && p.bytes > 50_000) controller.abort() },
      }), 'ABORTED')
      expect(error.message).toBe('the dump was cancelled')
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(await stateOf(client)).toEqual(callersState)
    })
  })

  it('rolls back its transaction on the caller\'s client when it fails, also in the middle of a COPY', async () => {
    // the client stayed in the dump's snapshot transaction, holding its locks; after an OUTPUT_FAILED in
    // the middle of a COPY it never answered again
    await withClient(db.url, async (client) => {
      await client.query("SET search_path = public; SET statement_timeout = '7s'")
      await failure(dump({ tables: ['nope'] }, sink(), { client }), 'PATTERN_NO_MATCH')
      expect(await stateOf(client)).toEqual(callersState)
      const failing = new Writable({ write: (_chunk, _enc, done) => done(new Error('disk full')) })
      await failure(dump({ tables: ['rooms'] }, failing, { client }), 'OUTPUT_FAILED')
      expect(await stateOf(client)).toEqual(callersState)
    })
  })
})
