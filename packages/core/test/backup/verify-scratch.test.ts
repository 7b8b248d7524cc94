// The databases and roles pgkeep creates on the server: verify restores as a login role made for the
// run (no superuser powers, so a function the script runs cannot read server files), or as the
// connecting role when that role may not create roles; the scratch databases and roles a killed verify
// leaves (marked by a comment) are swept by cleanup when stale and unused, and nothing unmarked is
// ever dropped; restore -C reuses only the empty database a killed restore -C left (marked), and clears
// the mark when it completes.
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, dropDatabase, quoteIdent, runSql, withDatabase, type TestDatabase } from '@pgkeep/testkit'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, restore } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
const token = randomBytes(4).toString('hex')
let source: TestDatabase
let hostile: TestDatabase
const roles: string[] = []
const databases: string[] = []

/** The server URL as another role (trust authentication on the test server). */
function asRole(url: string, role: string): string {
  const u = new URL(url)
  u.username = role
  return u.toString()
}

async function exists(kind: 'database' | 'role', name: string): Promise<boolean> {
  const sql = kind === 'database' ? `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'` : `SELECT count(*) AS n FROM pg_roles WHERE rolname = '${name}'`
  return (await runSql<{ n: string }>(server.url, sql))[0]!.n !== '0'
}

async function leftBy(id: string): Promise<string[]> {
  const rows = await runSql<{ name: string }>(server.url, `SELECT datname AS name FROM pg_database WHERE datname LIKE 'pgkeep_verify_${id.slice(0, 8)}%'
    UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'pgkeep_verify_${id.slice(0, 8)}%'`)
  return rows.map((r) => r.name)
}

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'vs_src' })
  await runSql(source.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text);
    INSERT INTO rooms SELECT g, 'kamar ' || g FROM generate_series(1, 500) g;
    CREATE SEQUENCE bill_no START 40; SELECT nextval('bill_no');
    CREATE TABLE ledger (id integer, kost text);
    ALTER TABLE ledger ENABLE ROW LEVEL SECURITY; ALTER TABLE ledger FORCE ROW LEVEL SECURITY;
    CREATE POLICY nobody ON ledger USING (false);
    INSERT INTO ledger SELECT g, 'kost ' || g FROM generate_series(1, 20) g;`)
  // A dump pg_dump could write: an index expression calls a function that reads a server file.
  hostile = await createDatabase(server.url, { prefix: 'vs_hostile' })
  await runSql(hostile.url, `CREATE FUNCTION public.peek(integer) RETURNS integer LANGUAGE sql IMMUTABLE
      AS $$ SELECT $1 + length(pg_catalog.pg_read_file('PG_VERSION')) $$;
    CREATE TABLE notes (id integer);
    INSERT INTO notes VALUES (1), (2);
    CREATE INDEX notes_peek ON notes (public.peek(id));`)
}, 60_000)

afterAll(async () => {
  await source?.drop()
  await hostile?.drop()
  for (const name of databases) await dropDatabase(server.url, name)
  for (const role of roles) await runSql(server.url, `DROP ROLE IF EXISTS ${quoteIdent(role)}`)
})

describe('verify as a scratch role', () => {
  it('restores as a role made for the run: a good backup verifies; a function the script runs cannot read server files; nothing is left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-vs-'))
    const good = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
    const record = await good.create()
    const report = await good.verify(record.id)
    expect(report.ok, report.error?.message).toBe(true)
    expect(report.ranAs).toBe('scratch-role')
    expect(report.notes.join('\n')).toMatch(/ownership and privileges were not checked/)
    // A table whose owner is held to its policies (FORCE ROW LEVEL SECURITY) is loaded and read whole.
    expect(report.tables).toEqual([expect.objectContaining({ name: 'ledger', foundRows: 20, ok: true }), expect.objectContaining({ name: 'rooms', foundRows: 500, ok: true })])
    expect(await leftBy(record.id)).toEqual([])

    const backups = createBackupManager({ connection: hostile.url, storage: fsStorage({ dir }) })
    const bad = await backups.create()
    // The control: restored as the superuser that connects, the function reads the file and the restore succeeds.
    const control = `vs_control_${token}`
    databases.push(control)
    await backups.restore(bad.id, { target: server.url, createDatabase: control })
    expect(await runSql<{ n: string }>(withDatabase(server.url, control), 'SELECT count(*) AS n FROM notes')).toEqual([{ n: '2' }])

    const refused = await backups.verify(bad.id)
    expect(refused.ok).toBe(false)
    expect(refused.ranAs).toBe('scratch-role')
    expect(refused.error?.code).toBe('RESTORE_FAILED')
    expect(refused.error?.message).toMatch(/permission denied for function pg_read_file/)
    expect(await leftBy(bad.id)).toEqual([])
  })

  it('a role with CREATEROLE (not superuser) verifies as a scratch role; one without it verifies as itself, and the report says why', async () => {
    const creator = `vs_creator_${token}`
    const plain = `vs_plain_${token}`
    roles.push(creator, plain)
    await runSql(server.url, `CREATE ROLE ${creator} LOGIN CREATEDB CREATEROLE; CREATE ROLE ${plain} LOGIN CREATEDB`)
    // The plain role's own database: its objects' owner statements name it, so it can restore them itself.
    const owned = `vs_owned_${token}`
    databases.push(owned)
    await runSql(server.url, `CREATE DATABASE ${owned} OWNER ${plain}`)
    await runSql(asRole(withDatabase(server.url, owned), plain), `CREATE TABLE stays (id integer PRIMARY KEY); INSERT INTO stays SELECT generate_series(1, 30)`)
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-vs-'))
    const record = await createBackupManager({ connection: withDatabase(server.url, owned), storage: fsStorage({ dir }) }).create()

    const asPlain = await createBackupManager({ connection: asRole(server.url, plain), storage: fsStorage({ dir }) }).verify(record.id)
    expect(asPlain.ok, asPlain.error?.message).toBe(true)
    expect(asPlain.ranAs).toBe('connecting-role')
    expect(asPlain.notes.join('\n')).toMatch(/neither superuser nor has CREATEROLE/)

    const asCreator = await createBackupManager({ connection: asRole(server.url, creator), storage: fsStorage({ dir }) }).verify(record.id)
    expect(asCreator.ok, asCreator.error?.message).toBe(true)
    expect(asCreator.ranAs).toBe('scratch-role')
    expect(asCreator.tables).toEqual([expect.objectContaining({ name: 'stays', foundRows: 30, ok: true })])
    expect(await leftBy(record.id)).toEqual([])
  })
})

describe('sweeping what killed verifies left', () => {
  it('cleanup drops marked scratch databases and roles older than the stale age; a fresh one, one in use and unmarked ones stay', async () => {
    const name = (s: string) => `pgkeep_verify_${token}_${s}`
    const [serverNow] = await runSql<{ past: string; now: string }>(server.url, "SELECT (now() - interval '2 hours')::timestamptz AS past, now() AS now")
    const past = new Date(serverNow!.past).toISOString()
    const mark = (at: string) => `pgkeep:scratch verify ${randomUUID()} pid 1 host elsewhere at ${at}`
    const made = { stale: name('stale'), busy: name('busy'), fresh: name('fresh'), foreign: name('foreign'), bare: name('bare'), restore: name('restore') }
    databases.push(...Object.values(made))
    roles.push(made.stale, made.fresh)
    for (const db of Object.values(made)) await runSql(server.url, `CREATE DATABASE ${db}`)
    await runSql(server.url, `COMMENT ON DATABASE ${made.stale} IS '${mark(past)}';
      CREATE ROLE ${made.stale}; COMMENT ON ROLE ${made.stale} IS '${mark(past)}';
      COMMENT ON DATABASE ${made.busy} IS '${mark(past)}';
      COMMENT ON DATABASE ${made.fresh} IS '${mark(serverNow!.now)}';
      CREATE ROLE ${made.fresh}; COMMENT ON ROLE ${made.fresh} IS '${mark(serverNow!.now)}';
      COMMENT ON DATABASE ${made.foreign} IS 'the accounts team keeps this';
      COMMENT ON DATABASE ${made.restore} IS 'pgkeep:created restore pid 1 host elsewhere at ${past}'`)
    const session = new pg.Client({ connectionString: withDatabase(server.url, made.busy) })
    await session.connect()
    try {
      const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-vs-')) }), scratchStaleSeconds: 600 })
      const swept: unknown[] = []
      backups.on('scratch:swept', (e) => void swept.push(e))

      const dry = await backups.cleanup({ dryRun: true })
      expect(dry.scratch.databases).toContain(made.stale)
      expect(await exists('database', made.stale)).toBe(true)

      const result = await backups.cleanup()
      expect(result.scratch.databases).toContain(made.stale)
      expect(result.scratch.roles).toContain(made.stale)
      expect(result.scratch.left).toContainEqual({ kind: 'database', name: made.busy, reason: '1 session is connected to it' })
      for (const other of [made.busy, made.fresh, made.foreign, made.bare, made.restore]) {
        expect(result.scratch.databases).not.toContain(other)
        expect(await exists('database', other), other).toBe(true)
      }
      expect(result.scratch.roles).not.toContain(made.fresh)
      expect(await exists('role', made.fresh)).toBe(true)
      expect(await exists('database', made.stale)).toBe(false)
      expect(await exists('role', made.stale)).toBe(false)
      expect(swept).toEqual([expect.objectContaining({ by: 'cleanup', databases: expect.arrayContaining([made.stale]), roles: expect.arrayContaining([made.stale]) })])
    } finally {
      await session.end()
    }
  })
})

describe('restore -C over a database that exists', () => {
  // hand-written scripts (an INSERT, a probe, a failing SELECT): not dump-shaped, so restored with allowAnyStatement
  const script = Buffer.from('CREATE TABLE public.t (id integer);\nINSERT INTO public.t VALUES (1), (2);\n')

  it('reuses the empty database a killed restore -C left (marked) and clears the mark; refuses one without the mark, or not empty, and keeps it', async () => {
    const left = `vs_left_${token}`
    const foreign = `vs_foreign_${token}`
    const filled = `vs_filled_${token}`
    databases.push(left, foreign, filled)
    const mark = "'pgkeep:created restore pid 1 host elsewhere at 2026-01-01T00:00:00.000Z'"
    for (const db of [left, foreign, filled]) await runSql(server.url, `CREATE DATABASE ${db}`)
    await runSql(server.url, `COMMENT ON DATABASE ${left} IS ${mark}; COMMENT ON DATABASE ${filled} IS ${mark}`)
    await runSql(withDatabase(server.url, filled), 'CREATE TABLE kept (id integer)')

    const summary = await restore(script, { target: server.url, allowAnyStatement: true, createDatabase: left })
    expect(summary.tables).toEqual([])
    expect(await runSql(withDatabase(server.url, left), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }])
    const [comment] = await runSql<{ c: string | null }>(server.url, `SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = '${left}'`)
    expect(comment!.c).toBeNull()
    // Complete now: it is the user's database, no longer one a rerun may take.
    const again = await failure(restore(script, { target: server.url, allowAnyStatement: true, createDatabase: left }), 'TARGET_NOT_EMPTY')
    expect(again.message).toMatch(new RegExp(`unable to create database ${left}: it already exists, and pgkeep did not create it`))

    const notOurs = await failure(restore(script, { target: server.url, allowAnyStatement: true, createDatabase: foreign }), 'TARGET_NOT_EMPTY')
    expect(notOurs.message).toMatch(/no "pgkeep:created restore" mark/)
    expect(await exists('database', foreign)).toBe(true)

    const notEmpty = await failure(restore(script, { target: server.url, allowAnyStatement: true, createDatabase: filled }), 'TARGET_NOT_EMPTY')
    expect(notEmpty.message).toMatch(/an earlier pgkeep restore created it .* it is not empty: database \S+ already holds 1 object \(for example table public\.kept\)/)
    expect(await runSql(withDatabase(server.url, filled), 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 0 }])
  })

  it('marks the database it creates while the restore runs, and a failed restore still drops it', async () => {
    const name = `vs_marked_${token}`
    databases.push(name)
    // The script looks at its own database's comment while it is being restored.
    const probe = Buffer.from(`CREATE TABLE public.seen AS SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = current_database();\n`)
    await restore(probe, { target: server.url, allowAnyStatement: true, createDatabase: name })
    const [seen] = await runSql<{ c: string }>(withDatabase(server.url, name), 'SELECT c FROM seen')
    expect(seen!.c).toMatch(/^pgkeep:created restore pid \d+ host \S+ at \d{4}-\d\d-\d\dT[\d:.]+Z$/)
    await dropDatabase(server.url, name)

    await failure(restore(Buffer.from('CREATE TABLE public.t (id integer);\nSELECT 1/0;\n'), { target: server.url, allowAnyStatement: true, createDatabase: name }), 'RESTORE_FAILED')
    expect(await exists('database', name)).toBe(false)
  })
})
