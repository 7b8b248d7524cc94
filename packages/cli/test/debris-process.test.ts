// What a killed (SIGKILL) `pgkeep verify` or `pgkeep restore -C` leaves on the server, and the next run:
// verify's scratch database and role stay behind, and the next verify (in its report) or cleanup drops
// them; a rerun of restore -C reuses the empty database the killed one created, while a name taken by a
// database pgkeep did not create still fails and says why. SIGTERM leaves nothing: restore -C is aborted
// (exit 130) and drops the database it created; verify finishes the check it began and drops its own.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { assertBuilt, createDatabase, dropDatabase, quoteIdent, runSql, withDatabase, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run, start, until } from './process'

const server = inject('pgDefault')
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
let big: TestDatabase
let dir: string
let id: string
const made: string[] = []

/** The scratch database (and role) of a verify of `id` running or left behind, once its restore has begun. */
async function scratchOf(backupId: string): Promise<string | null> {
  const rows = await runSql<{ name: string }>(server.url, `SELECT d.datname AS name FROM pg_database d
     WHERE d.datname LIKE 'pgkeep_verify_${backupId.slice(0, 8)}%' AND shobj_description(d.oid, 'pg_database') LIKE 'pgkeep:scratch verify %'
       AND EXISTS (SELECT FROM pg_stat_activity a WHERE a.usename = d.datname)`)
  return rows[0]?.name ?? null
}

async function sessions(database: string): Promise<number> {
  const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${database}' OR usename = '${database}'`)
  return Number(rows[0]!.n)
}

async function exists(kind: 'database' | 'role', name: string): Promise<boolean> {
  const sql = kind === 'database' ? `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'` : `SELECT count(*) AS n FROM pg_roles WHERE rolname = '${name}'`
  return (await runSql<{ n: string }>(server.url, sql))[0]!.n !== '0'
}

/** Starts `pgkeep verify`, kills it with SIGKILL once its restore is running, and returns the scratch name it left. */
async function killedVerify(): Promise<string> {
  const child = start(process.execPath, [bin, 'verify', id, server.url, '--dir', dir])
  let name: string | null = null
  await until(async () => (name = await scratchOf(id)) !== null)
  child.process.kill('SIGKILL')
  expect((await child.done).code).toBe(128)
  // The server ends the killed process's sessions as it notices.
  await until(async () => (await sessions(name!)) === 0)
  expect(await exists('database', name!)).toBe(true)
  expect(await exists('role', name!)).toBe(true)
  made.push(name!)
  return name!
}

beforeAll(async () => {
  assertBuilt('core', 'cli')
  // big enough that a restore takes a few seconds: time to kill it in the middle
  big = await createDatabase(server.url, { prefix: 'cli_debris' })
  await runSql(big.url, 'CREATE TABLE payments AS SELECT g AS id, repeat(md5(g::text), 8) AS note FROM generate_series(1, 600000) g')
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-debris-'))
  const backup = await run(process.execPath, [bin, 'backup', big.url, '--dir', dir])
  expect(backup.code, backup.stderr).toBe(0)
  id = /^([0-9a-f-]{36}) /.exec(backup.stdout)![1]!
}, 180_000)

afterAll(async () => {
  await big?.drop()
  for (const name of made) {
    await dropDatabase(server.url, name)
    await runSql(server.url, `DROP ROLE IF EXISTS ${quoteIdent(name)}`)
  }
})

describe('after kill -9', () => {
  it('pgkeep verify: the next verify drops the scratch database and role it left and reports them; so does cleanup', async () => {
    const first = await killedVerify()
    const next = await run(process.execPath, [bin, 'verify', id, server.url, '--dir', dir, '--json'], { PGKEEP_SCRATCH_STALE_SECONDS: '0' })
    expect(next.code, next.stderr).toBe(0)
    const report = JSON.parse(next.stdout)
    expect(report).toMatchObject({ ok: true, ranAs: 'scratch-role' })
    expect(report.swept.databases).toContain(first)
    expect(report.swept.roles).toContain(first)
    expect(await exists('database', first)).toBe(false)
    expect(await exists('role', first)).toBe(false)

    const second = await killedVerify()
    const cleanup = await run(process.execPath, [bin, 'cleanup', big.url, '--dir', dir], { PGKEEP_SCRATCH_STALE_SECONDS: '0' })
    expect(cleanup.code, cleanup.stderr).toBe(0)
    expect(cleanup.stdout).toContain(`dropped scratch database ${second} (left by a verify that did not finish)\n`)
    expect(cleanup.stdout).toContain(`dropped scratch role ${second}\n`)
    expect(await exists('database', second)).toBe(false)
    expect(await exists('role', second)).toBe(false)
  }, 180_000)

  it('pgkeep restore -C: the rerun reuses the empty database and succeeds; a name taken by a database pgkeep did not create fails clearly', async () => {
    const file = join(dir, 'big.sql.gz')
    const dumped = await run(process.execPath, [bin, 'dump', big.url, '-f', file])
    expect(dumped.code, dumped.stderr).toBe(0)
    const name = `cli_debris_c_${randomBytes(4).toString('hex')}`
    made.push(name)
    const child = start(process.execPath, [bin, 'restore', file, server.url, '-C', name])
    // killed while it copies the rows, in its one transaction
    await until(async () => (await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${name}' AND query LIKE 'COPY %'`))[0]!.n !== '0')
    child.process.kill('SIGKILL')
    expect((await child.done).code).toBe(128)
    await until(async () => (await sessions(name)) === 0)
    expect(await runSql(withDatabase(server.url, name), "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toEqual([])

    const rerun = await run(process.execPath, [bin, 'restore', file, server.url, '-C', name])
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.stdout).toContain(`into ${name}`)
    expect(await runSql(withDatabase(server.url, name), 'SELECT count(*)::int AS n FROM payments')).toEqual([{ n: 600000 }])

    const taken = await createDatabase(server.url, { prefix: 'cli_debris_taken' })
    try {
      const refused = await run(process.execPath, [bin, 'restore', file, server.url, '-C', taken.name])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(`unable to create database ${taken.name}: it already exists, and pgkeep did not create it (it has no "pgkeep:created restore" mark), so it is not reused`)
      expect(await exists('database', taken.name)).toBe(true)
    } finally {
      await taken.drop()
    }
  }, 180_000)
})

describe('after SIGTERM', () => {
  it('pgkeep restore -C: aborted (exit 130), the database it created is dropped, and a rerun succeeds', async () => {
    const file = join(dir, 'big-term.sql.gz')
    const dumped = await run(process.execPath, [bin, 'dump', big.url, '-f', file])
    expect(dumped.code, dumped.stderr).toBe(0)
    const name = `cli_debris_t_${randomBytes(4).toString('hex')}`
    made.push(name)
    const child = start(process.execPath, [bin, 'restore', file, server.url, '-C', name])
    await until(async () => (await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${name}' AND query LIKE 'COPY %'`))[0]!.n !== '0')
    child.process.kill('SIGTERM')
    const result = await child.done
    expect(result.code, result.stderr).toBe(130)
    expect(await exists('database', name)).toBe(false)

    const rerun = await run(process.execPath, [bin, 'restore', file, server.url, '-C', name])
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(await runSql(withDatabase(server.url, name), 'SELECT count(*)::int AS n FROM payments')).toEqual([{ n: 600000 }])
  }, 180_000)

  it('pgkeep verify: the check it began is finished and reported, and its scratch database and role are gone', async () => {
    const child = start(process.execPath, [bin, 'verify', id, server.url, '--dir', dir])
    let name: string | null = null
    await until(async () => (name = await scratchOf(id)) !== null)
    child.process.kill('SIGTERM')
    const result = await child.done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^ok: 1 tables and \d+ sequences match the manifest/)
    expect(await exists('database', name!)).toBe(false)
    expect(await exists('role', name!)).toBe(false)
  }, 180_000)
})
