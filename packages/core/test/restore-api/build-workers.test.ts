// A parallel restore's index builds and the server's own parallel workers. A build that starts while the
// restore still has work to hand out runs with max_parallel_maintenance_workers = 0: the restore's sessions
// already keep the server's cores at work. One that starts once the leader only waits for the last
// entries (drain) while a session sits idle runs with the session's own value again (here 3, from the
// connection's options), and so does every build of a one-session pool and of a server before
// PostgreSQL 11, which has no such setting. A script that sets the value itself is followed.
import pg from 'pg'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { BUILD_WORKERS, RestoreWorkers, type Lease, type Settings } from '../../src/restore/restore-workers'
import type { EntryHeader } from '../../src/restore/script-item'

const server = inject('pgDefault')
const clients: pg.Client[] = []
let db: TestDatabase
let pool: RestoreWorkers | null = null

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'bw' })
  await runSql(db.url, 'CREATE TABLE t (a int, b int, c int, d int, e int, f int)')
})
afterAll(async () => {
  await db?.drop()
})
afterEach(async () => {
  await pool?.close()
  pool = null
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})))
})

/** Worker sessions whose own value of the setting is 3, so that a RESET is told apart from a SET. */
async function connectOne(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url, options: `-c ${BUILD_WORKERS}=3` })
  await client.connect()
  clients.push(client)
  return client
}

function entry(type: string, name: string): EntryHeader {
  return { name, type, schema: 'public', owner: null, isData: type === 'TABLE DATA', isStatistics: false, line: 1 }
}

/** Runs `sql` as a build of `lease`, ends the lease and returns the setting its session had right after the build. */
async function build(lease: Lease, sql: string, settings: Settings = new Map()): Promise<string> {
  await lease.run(sql, 1, settings)
  let seen = ''
  lease.task(async (client) => {
    seen = (await client.query<{ value: string }>(`SELECT current_setting('${BUILD_WORKERS}') AS value`)).rows[0]!.value
    return 0
  }, 1, settings)
  await lease.end()
  pool!.check()
  return seen
}

async function indexes(): Promise<string[]> {
  const rows = await runSql<{ name: string }>(db.url, "SELECT indexname AS name FROM pg_indexes WHERE tablename = 't' ORDER BY 1")
  return rows.map((r) => r.name)
}

describe("a parallel restore's index builds", () => {
  it('go without parallel workers while the restore has work to hand out, and with the session\'s own value at its end', async () => {
    pool = await RestoreWorkers.open(2, connectOne, server.major)
    // the other session busy
    const loading = await pool.lease(entry('TABLE DATA', 'other'))
    expect(await build(await pool.lease(entry('INDEX', 't_a')), 'CREATE INDEX t_a ON public.t USING btree (a);')).toBe('0')
    await loading.end()
    // the other session idle, but the leader may still hand it the next entry
    expect(await build(await pool.lease(entry('INDEX', 't_b')), 'CREATE INDEX t_b ON public.t USING btree (b);')).toBe('0')
    // the leader waits for the last entry, the other session idle: the build starts after drain() began
    const last = await pool.lease(entry('CONSTRAINT', 't t_c_key'))
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    last.task(async () => {
      await gate
      return 0
    }, 1, new Map())
    const seen = build(last, 'ALTER TABLE ONLY public.t ADD CONSTRAINT t_c_key UNIQUE (c);')
    const drained = pool.drain()
    open()
    await drained
    expect(await seen).toBe('3')
    expect(await indexes()).toEqual(['t_a', 't_b', 't_c_key'])
  })

  it('follow a script that sets the value itself', async () => {
    pool = await RestoreWorkers.open(2, connectOne, server.major)
    const loading = await pool.lease(entry('TABLE DATA', 'other'))
    const settings: Settings = new Map([[BUILD_WORKERS, `SET ${BUILD_WORKERS} = 2;`]])
    expect(await build(await pool.lease(entry('INDEX', 't_d')), 'CREATE INDEX t_d ON public.t USING btree (d);', settings)).toBe('2')
    await loading.end()
  })

  it('are left to the server where it has no such setting (before PostgreSQL 11)', async () => {
    pool = await RestoreWorkers.open(2, connectOne, 10)
    const loading = await pool.lease(entry('TABLE DATA', 'other'))
    expect(await build(await pool.lease(entry('INDEX', 't_f')), 'CREATE INDEX t_f ON public.t USING btree (f);')).toBe('3')
    await loading.end()
  })

  it('keep the session\'s own value in a one-session pool', async () => {
    pool = await RestoreWorkers.open(1, connectOne, server.major)
    expect(await build(await pool.lease(entry('INDEX', 't_e')), 'CREATE INDEX t_e ON public.t USING btree (e);')).toBe('3')
  })
})
