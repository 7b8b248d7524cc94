// restore() without psql: pgkeep's and pg_dump's plain dumps restore equal to their source; failures
// leave the target as it was and name the entry, SQLSTATE and line; clean replays over itself;
// selections (tables, schemas, schemaOnly, dataOnly, noOwner, noPrivileges) do what pg_restore's do.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { assertSameDatabase, createDatabase, pagilaFixture, runPgDump, runPsql, runSql, type TestDatabase } from '@pgkeep/testkit'
import { firstReason, noPagila, pgDumpNotOfMajor } from '@pgkeep/testkit/skip-reasons'
import { loadFixtures } from '@pgkeep/testkit/fixtures'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { restore } from '../../src/index'
import { dumpToFile } from '../helpers/dump-to-file'
import { failure } from '../failure'

const server = inject('pgDefault')
const pgDumpDiffers = await pgDumpNotOfMajor(server.major)
let fixtures: TestDatabase
let fixturesDump: string

beforeAll(async () => {
  fixtures = await createDatabase(server.url, { prefix: 'rs_fx' })
  await loadFixtures(fixtures.url, undefined, { major: server.major })
  fixturesDump = (await dumpToFile({ connection: fixtures.url })).file
}, 180_000)
afterAll(() => fixtures?.drop())

/** pg_dump's plain script of `source`, restored by restore() into a new database, equals the source. */
async function restoresPgDumpOf(source: TestDatabase): Promise<void> {
  const script = await runPgDump(source.url)
  const copy = await createDatabase(server.url, { prefix: 'rs_pgd' })
  try {
    await restore(Buffer.from(script, 'utf8'), { target: copy.url })
    await assertSameDatabase(source.url, copy.url)
  } finally {
    await copy.drop()
  }
}

async function objectCount(url: string): Promise<number> {
  const [row] = await runSql<{ n: string }>(url, "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'")
  return Number(row!.n)
}

describe('restore() of whole dumps', () => {
  it('restores pgkeep\'s dump of the fixture corpus equal to the source (gzip too)', async () => {
    const copy = await createDatabase(server.url, { prefix: 'rs_copy' })
    try {
      const summary = await restore(fixturesDump, { target: copy.url })
      expect(summary.tables.length).toBeGreaterThan(50)
      await assertSameDatabase(fixtures.url, copy.url)
    } finally {
      await copy.drop()
    }
    const gz = join(await mkdtemp(join(tmpdir(), 'pgkeep-rs-')), 'dump.sql.gz')
    await writeFile(gz, gzipSync(await readFile(fixturesDump)))
    const name = `rs_gz_${Date.now()}`
    try {
      await restore(gz, { target: server.url, createDatabase: name })
      await assertSameDatabase(fixtures.url, server.url.replace(/\/[^/]*$/, `/${name}`))
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

  it('restores pg_dump\'s plain dump of the fixtures equal to its source', async (ctx) => {
    ctx.skip(pgDumpDiffers !== undefined, pgDumpDiffers)
    await restoresPgDumpOf(fixtures)
  })

  it('restores pg_dump\'s plain dump of pagila equal to its source', async (ctx) => {
    const missing = firstReason(noPagila(), pgDumpDiffers)
    ctx.skip(missing !== undefined, missing)
    const pagila = pagilaFixture()!
    const pagilaDb = await createDatabase(server.url, { prefix: 'rs_pagila' })
    try {
      await runPsql(pagilaDb.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.schema])
      await runPsql(pagilaDb.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.data])
      await restoresPgDumpOf(pagilaDb)
    } finally {
      await pagilaDb.drop()
    }
  })

  it('reads a stream source once, and clean replays a dump over its own restore', async () => {
    const copy = await createDatabase(server.url, { prefix: 'rs_clean' })
    try {
      const { createReadStream } = await import('node:fs')
      await restore(createReadStream(fixturesDump), { target: copy.url })
      const again = await failure(restore(fixturesDump, { target: copy.url }))
      expect(again.code).toBe('TARGET_NOT_EMPTY')
      const summary = await restore(fixturesDump, { target: copy.url, clean: true })
      expect(summary.dropped).toBeGreaterThan(100)
      await assertSameDatabase(fixtures.url, copy.url)
      expect((await failure(restore(createReadStream(fixturesDump), { target: copy.url, clean: true }))).message).toContain('read twice')
    } finally {
      await copy.drop()
    }
  })
})

describe('restore() refuses a target that holds objects', () => {
  // A table, a function or a schema were refused before; a type, a large object or the kinds below alone were not.
  it.each([
    ['an enum type', 'CREATE TYPE public.mood AS ENUM (\'calm\')', 'type public.mood'],
    ['a domain', 'CREATE DOMAIN public.rupiah AS numeric(14, 2)', 'type public.rupiah'],
    ['a composite type', 'CREATE TYPE public.pair AS (a integer, b integer)', 'type public.pair'],
    ['a large object with a small OID', 'SELECT lo_create(4242)', 'large object 4242'],
    // nor were the other objects a dump creates outside tables, functions and types
    ['a collation', 'CREATE COLLATION public.c_copy (locale = \'C\')', 'collation public.c_copy'],
    ['a conversion', 'CREATE CONVERSION public.to_latin1 FOR \'UTF8\' TO \'LATIN1\' FROM pg_catalog.utf8_to_iso8859_1', 'conversion public.to_latin1'],
    ['an operator', 'CREATE OPERATOR public.=== (FUNCTION = pg_catalog.int4eq, LEFTARG = integer, RIGHTARG = integer)', 'operator public."==="'],
    ['an operator family', 'CREATE OPERATOR FAMILY public.fam USING btree', 'operator family public.fam'],
    ['a text search configuration', 'CREATE TEXT SEARCH CONFIGURATION public.indo (COPY = pg_catalog.simple)', 'text search configuration public.indo'],
    ['a text search dictionary', 'CREATE TEXT SEARCH DICTIONARY public.kata (TEMPLATE = pg_catalog.simple)', 'text search dictionary public.kata'],
    ['a foreign-data wrapper', 'CREATE FOREIGN DATA WRAPPER kosong', 'foreign-data wrapper kosong'],
    ['a publication', 'CREATE PUBLICATION semua', 'publication semua'],
    ['a cast', 'CREATE CAST (xid AS integer) WITHOUT FUNCTION', 'cast (xid AS integer)'],
    ['a transform', 'CREATE TRANSFORM FOR integer LANGUAGE plpgsql (FROM SQL WITH FUNCTION pg_catalog.prsd_lextype(internal), TO SQL WITH FUNCTION pg_catalog.int4recv(internal))', 'transform FOR integer LANGUAGE plpgsql'],
    ['a language', 'CREATE LANGUAGE bahasa HANDLER pg_catalog.plpgsql_call_handler', 'language bahasa'],
    ['an access method', 'CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER pg_catalog.heap_tableam_handler', 'access method heap2'],
    ['default privileges', 'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC', 'default privileges FOR ROLE $user'],
  ])('%s alone', async (_, sql, example) => {
    const target = await createDatabase(server.url, { prefix: 'rs_nonempty' })
    try {
      await runSql(target.url, sql)
      const [{ user }] = (await runSql(target.url, 'SELECT current_user AS user')) as [{ user: string }]
      example = example.replace('$user', user)
      const error = await failure(restore(Buffer.from('CREATE TABLE public.t (a integer);\n'), { target: target.url }))
      expect(error.code).toBe('TARGET_NOT_EMPTY')
      expect(error.message).toContain(`already holds 1 object (for example ${example})`)
      expect(await runSql(target.url, "SELECT 1 FROM pg_class WHERE relname = 't'")).toHaveLength(0)
    } finally {
      await target.drop()
    }
  })

  it.each([
    // an event trigger needs a function of its own, which counts too
    ['an event trigger', 'CREATE FUNCTION public.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$; CREATE EVENT TRIGGER catat ON ddl_command_start EXECUTE FUNCTION public.log_ddl()', 2, 'event trigger catat', ''],
    // a subscription made without connecting; the database can only be dropped once it is gone
    ['a subscription', "CREATE SUBSCRIPTION langganan CONNECTION 'dbname=nowhere' PUBLICATION semua WITH (connect = false, slot_name = NONE)", 1, 'subscription langganan', 'DROP SUBSCRIPTION langganan'],
    // the example is a relation when there is one: by name alone the cast or the collation would come first
    ['a table among other objects', "CREATE TABLE public.zz (a integer); CREATE COLLATION public.c_copy (locale = 'C'); CREATE CAST (xid AS integer) WITHOUT FUNCTION", 3, 'table public.zz', ''],
    // a table's row type and array type, and the array type of a type, are not objects of their own
    ['a table, whose types come with it', 'CREATE TABLE public.t (a integer)', 1, 'table public.t', ''],
  ])('%s', async (_, sql, n, example, cleanup) => {
    const target = await createDatabase(server.url, { prefix: 'rs_nonempty' })
    try {
      await runSql(target.url, sql)
      const error = await failure(restore(Buffer.from('CREATE TABLE public.restored (a integer);\n'), { target: target.url }))
      expect(error.code).toBe('TARGET_NOT_EMPTY')
      expect(error.message).toContain(`already holds ${n} object${n === 1 ? '' : 's'} (for example ${example})`)
    } finally {
      if (cleanup) await runSql(target.url, cleanup)
      await target.drop()
    }
  })
})

describe('restore() failures leave the target as it was', () => {
  it('rolls back a failing script and names the entry, SQLSTATE and line', async () => {
    const copy = await createDatabase(server.url, { prefix: 'rs_fail' })
    try {
      const text = await readFile(fixturesDump, 'utf8')
      // Break the definition of one view in the middle of the script.
      const broken = text.replace(/(CREATE VIEW fx_views\.\S+ AS\n)/, '$1    SELECT no_such_column FROM no_such_table;\n-- ')
      expect(broken).not.toBe(text)
      const error = await failure(restore(Buffer.from(broken), { target: copy.url }))
      expect(error.code).toBe('RESTORE_FAILED')
      expect(error.message).toMatch(/^restoring VIEW fx_views\.\S+ failed at line \d+: relation "no_such_table" does not exist \(SQLSTATE 42P01\)$/)
      expect(await objectCount(copy.url)).toBe(0)
    } finally {
      await copy.drop()
    }
  })

  it('reports a truncated dump as SCRIPT_INVALID, drops the database it created, and a cut gzip too', async () => {
    const text = await readFile(fixturesDump)
    const name = `rs_trunc_${Date.now()}`
    const cut = await failure(restore(text.subarray(0, Math.floor(text.length * 0.6)), { target: server.url, createDatabase: name }))
    expect(cut.code).toBe('SCRIPT_INVALID')
    const [exists] = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'`)
    expect(exists!.n).toBe('0')
    const gz = gzipSync(text)
    const copy = await createDatabase(server.url, { prefix: 'rs_trunc_gz' })
    try {
      const error = await failure(restore(gz.subarray(0, gz.length - 100), { target: copy.url }))
      expect(error.code).toBe('SCRIPT_INVALID')
      expect(error.message).toContain('truncated')
      expect(await objectCount(copy.url)).toBe(0)
    } finally {
      await copy.drop()
    }
  })

  it('rejects invalid options naming the field', async () => {
    expect((await failure(restore(fixturesDump, { schemaOnly: true, dataOnly: true }))).message).toContain('dataOnly')
    expect((await failure(restore(fixturesDump, { clean: true, dataOnly: true }))).message).toContain('clean')
    expect((await failure(restore(fixturesDump, { tables: [''] }))).code).toBe('OPTIONS_INVALID')
    expect((await failure(restore(fixturesDump, { target: server.url, tables: ['no_such_table'], allowNonEmpty: true }))).code).toBe('PATTERN_NO_MATCH')
  })
})

describe('restore() selections', () => {
  it('tables brings a table with its data, sequences, defaults and the types it needs', async () => {
    const copy = await createDatabase(server.url, { prefix: 'rs_tables' })
    try {
      const summary = await restore(fixturesDump, { target: copy.url, tables: ['fx_tables.serials'] })
      expect(summary.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['fx_tables.serials'])
      const [src] = await runSql<{ n: string }>(fixtures.url, 'SELECT count(*) AS n FROM fx_tables.serials')
      const [dst] = await runSql<{ n: string }>(copy.url, 'SELECT count(*) AS n FROM fx_tables.serials')
      expect(dst!.n).toBe(src!.n)
      // exactly the table and the sequences it owns or its defaults use, in the source
      const expected = await runSql<{ r: string }>(fixtures.url, `
        SELECT 'serials' AS r
        UNION SELECT s.relname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
         WHERE d.classid = 'pg_class'::regclass AND d.refobjid = 'fx_tables.serials'::regclass AND s.relkind = 'S'
        UNION SELECT s.relname FROM pg_attrdef ad JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
          JOIN pg_class s ON s.oid = d.refobjid WHERE ad.adrelid = 'fx_tables.serials'::regclass AND s.relkind = 'S'
        ORDER BY 1`)
      const relations = await runSql<{ r: string }>(copy.url, "SELECT c.relname AS r FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'fx_tables' AND c.relkind IN ('r', 'S') ORDER BY 1")
      expect(relations).toEqual(expected)
      expect(relations.length).toBeGreaterThan(1)
      // its sequence is restored at the source's value
      const seq = (await runSql<{ s: string | null }>(fixtures.url, "SELECT pg_get_serial_sequence('fx_tables.serials', 'id') AS s"))[0]!.s
      if (seq) {
        const a = await runSql<{ v: string }>(fixtures.url, `SELECT last_value::text AS v FROM ${seq}`)
        const b = await runSql<{ v: string }>(copy.url, `SELECT last_value::text AS v FROM ${seq}`)
        expect(b).toEqual(a)
      }
    } finally {
      await copy.drop()
    }
  })

  it('schemas, schemaOnly, dataOnly, noOwner and noPrivileges', async () => {
    const copy = await createDatabase(server.url, { prefix: 'rs_sel' })
    try {
      await runSql(copy.url, 'CREATE SCHEMA fx_lobs')
      await restore(fixturesDump, { target: copy.url, schemas: ['fx_lobs'], schemaOnly: true, noOwner: true, noPrivileges: true, allowNonEmpty: true })
      const [rows] = await runSql<{ n: string }>(copy.url, 'SELECT count(*) AS n FROM fx_lobs.attachments')
      expect(rows!.n).toBe('0')
      const owners = await runSql<{ o: string }>(copy.url, "SELECT DISTINCT pg_get_userbyid(c.relowner) AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'fx_lobs'")
      expect(owners.map((o) => o.o)).toEqual([new URL(server.url).username || 'postgres'])
      const acls = await runSql<{ n: string }>(copy.url, "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'fx_lobs' AND c.relacl IS NOT NULL")
      expect(acls[0]!.n).toBe('0')
      await restore(fixturesDump, { target: copy.url, schemas: ['fx_lobs'], dataOnly: true })
      const [after] = await runSql<{ n: string }>(copy.url, 'SELECT count(*) AS n FROM fx_lobs.attachments')
      const [src] = await runSql<{ n: string }>(fixtures.url, 'SELECT count(*) AS n FROM fx_lobs.attachments')
      expect(after!.n).toBe(src!.n)
      const schemas = await runSql<{ n: string }>(copy.url, "SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'fx%' ORDER BY 1")
      expect(schemas.map((s) => s.n)).toEqual(['fx_lobs'])
    } finally {
      await copy.drop()
    }
  })
})
