// The plain-script writer against real pg_dump output. PG_DUMP_15 is, byte for byte, what pg_dump 15.20
// wrote (`pg_dump --restrict-key=k`) for a database made with
//   CREATE SCHEMA app; CREATE SEQUENCE app.s; CREATE TABLE app.t2(id integer, note text);
//   COMMENT ON TABLE app.t2 IS 'it''s t2'; INSERT INTO app.t2 VALUES (1, 'a'), (2, NULL);
//   REVOKE ALL ON app.t2 FROM postgres; GRANT USAGE ON SCHEMA app TO PUBLIC;
// Other expectations come from more pg_dump 15.20 runs (noted where used) and, for what changed in
// pg_dump 16 to 18, from the pg_dump reference notes (§1.1, §1.5) and pg_backup_archiver.c.
import { PassThrough } from 'node:stream'
import { describe, expect, it, vi } from 'vitest'
import type { TocEntry } from '../../src/emit/toc-entry'
import { ScriptOutput } from '../../src/write/output'
import { dropStatement, ownerTarget, preamble, trailer, writeScript, type ScriptOptions } from '../../src/write/script'

const options = (over: Partial<ScriptOptions> = {}): ScriptOptions => ({
  flavour: 15,
  serverVersion: '15.20 (Debian 15.20-0+deb12u1)',
  producer: 'pg_dump version 15.20 (Debian 15.20-0+deb12u1)',
  standardConformingStrings: true,
  transactionTimeout: false,
  restrictKey: 'k',
  clean: false,
  ifExists: false,
  noOwner: false,
  noTablespaces: false,
  ...over,
})

const PG_DUMP_15 = [
  "--",
  "-- PostgreSQL database dump",
  "--",
  "",
  "\\restrict k",
  "",
  "-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)",
  "-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)",
  "",
  "SET statement_timeout = 0;",
  "SET lock_timeout = 0;",
  "SET idle_in_transaction_session_timeout = 0;",
  "SET client_encoding = 'UTF8';",
  "SET standard_conforming_strings = on;",
  "SELECT pg_catalog.set_config('search_path', '', false);",
  "SET check_function_bodies = false;",
  "SET xmloption = content;",
  "SET client_min_messages = warning;",
  "SET row_security = off;",
  "",
  "--",
  "-- Name: app; Type: SCHEMA; Schema: -; Owner: postgres",
  "--",
  "",
  "CREATE SCHEMA app;",
  "",
  "",
  "ALTER SCHEMA app OWNER TO postgres;",
  "",
  "--",
  "-- Name: s; Type: SEQUENCE; Schema: app; Owner: postgres",
  "--",
  "",
  "CREATE SEQUENCE app.s",
  "    START WITH 1",
  "    INCREMENT BY 1",
  "    NO MINVALUE",
  "    NO MAXVALUE",
  "    CACHE 1;",
  "",
  "",
  "ALTER TABLE app.s OWNER TO postgres;",
  "",
  "SET default_tablespace = '';",
  "",
  "SET default_table_access_method = heap;",
  "",
  "--",
  "-- Name: t2; Type: TABLE; Schema: app; Owner: postgres",
  "--",
  "",
  "CREATE TABLE app.t2 (",
  "    id integer,",
  "    note text",
  ");",
  "",
  "",
  "ALTER TABLE app.t2 OWNER TO postgres;",
  "",
  "--",
  "-- Name: TABLE t2; Type: COMMENT; Schema: app; Owner: postgres",
  "--",
  "",
  "COMMENT ON TABLE app.t2 IS 'it''s t2';",
  "",
  "",
  "--",
  "-- Data for Name: t2; Type: TABLE DATA; Schema: app; Owner: postgres",
  "--",
  "",
  "COPY app.t2 (id, note) FROM stdin;",
  "1\ta",
  "2\t\\N",
  "\\.",
  "",
  "",
  "--",
  "-- Name: s; Type: SEQUENCE SET; Schema: app; Owner: postgres",
  "--",
  "",
  "SELECT pg_catalog.setval('app.s', 1, false);",
  "",
  "",
  "--",
  "-- Name: SCHEMA app; Type: ACL; Schema: -; Owner: postgres",
  "--",
  "",
  "GRANT USAGE ON SCHEMA app TO PUBLIC;",
  "",
  "",
  "--",
  "-- Name: TABLE t2; Type: ACL; Schema: app; Owner: postgres",
  "--",
  "",
  "REVOKE ALL ON TABLE app.t2 FROM postgres;",
  "",
  "",
  "--",
  "-- PostgreSQL database dump complete",
  "--",
  "",
  "\\unrestrict k",
  "",
  "",
].join('\n')

const PREAMBLE_END = 'SET row_security = off;\n\n'
const TRAILER_START = '--\n-- PostgreSQL database dump complete\n--\n'

describe('preamble', () => {
  it('is pg_dump 15\'s header, up to the first entry', () => {
    const end = PG_DUMP_15.indexOf(PREAMBLE_END) + PREAMBLE_END.length
    expect(preamble(options())).toBe(PG_DUMP_15.slice(0, end))
  })

  // pg_dump 15.20 against a database with ALTER DATABASE … SET standard_conforming_strings = off
  it('says standard_conforming_strings = off and adds escape_string_warning = off after client_min_messages', () => {
    const text = preamble(options({ standardConformingStrings: false }))
    expect(text).toContain('SET standard_conforming_strings = off;\n')
    expect(text).toContain('SET client_min_messages = warning;\nSET escape_string_warning = off;\nSET row_security = off;\n\n')
    expect(text).not.toContain('standard_conforming_strings = on')
  })

  // pg_dump 17+: SET transaction_timeout = 0 right after idle_in_transaction_session_timeout
  it('puts SET transaction_timeout where pg_dump 17+ does', () => {
    const text = preamble(options({ transactionTimeout: true }))
    expect(text).toContain('SET idle_in_transaction_session_timeout = 0;\nSET transaction_timeout = 0;\nSET client_encoding = \'UTF8\';\n')
    expect(preamble(options())).not.toContain('transaction_timeout')
  })

  it('omits the \\restrict line and its blank line without a key', () => {
    expect(preamble(options({ restrictKey: null }))).toBe(preamble(options()).replace('\\restrict k\n\n', ''))
    expect(preamble(options({ restrictKey: null }))).toMatch(/^--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version /)
  })

  it('keeps the version comment on one line', () => {
    expect(preamble(options({ serverVersion: '15.20\n\\! rm -rf /' }))).toContain('-- Dumped from database version 15.20 \\! rm -rf /\n')
  })
})

describe('trailer', () => {
  it('is pg_dump 15\'s trailer', () => {
    expect(trailer(options())).toBe(PG_DUMP_15.slice(PG_DUMP_15.indexOf(TRAILER_START)))
  })

  it('has no \\unrestrict line without a key', () => {
    expect(trailer(options({ restrictKey: null }))).toBe('--\n-- PostgreSQL database dump complete\n--\n\n')
  })
})

describe('writeScript', () => {
  // The entries pg_dump's TOC holds for that database, in its sorted order (comments and ACLs right
  // after their object); the writer prints ACLs in a later pass.
  const copy = { kind: 'copy', schema: 'app', table: 't2', columns: 'id, note', filter: null, foreign: false, estimatedBytes: 0 } as const
  const entries = (): TocEntry[] => [
    { section: 'PRE_DATA', tag: 'app', desc: 'SCHEMA', namespace: null, owner: 'postgres', defn: 'CREATE SCHEMA app;\n', drop: 'DROP SCHEMA app;\n' },
    { section: 'NONE', tag: 'SCHEMA app', desc: 'ACL', namespace: null, owner: 'postgres', defn: 'GRANT USAGE ON SCHEMA app TO PUBLIC;\n' },
    {
      section: 'PRE_DATA', tag: 's', desc: 'SEQUENCE', namespace: 'app', owner: 'postgres',
      defn: 'CREATE SEQUENCE app.s\n    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1;\n',
      drop: 'DROP SEQUENCE app.s;\n',
    },
    {
      section: 'PRE_DATA', tag: 't2', desc: 'TABLE', namespace: 'app', owner: 'postgres', tablespace: '', tableAm: 'heap', relkind: 'r',
      defn: 'CREATE TABLE app.t2 (\n    id integer,\n    note text\n);\n', drop: 'DROP TABLE app.t2;\n',
    },
    { section: 'NONE', tag: 'TABLE t2', desc: 'COMMENT', namespace: 'app', owner: 'postgres', defn: "COMMENT ON TABLE app.t2 IS 'it''s t2';\n" },
    { section: 'NONE', tag: 'TABLE t2', desc: 'ACL', namespace: 'app', owner: 'postgres', defn: 'REVOKE ALL ON TABLE app.t2 FROM postgres;\n' },
    { section: 'DATA', tag: 't2', desc: 'TABLE DATA', namespace: 'app', owner: 'postgres', defn: '', copyStmt: 'COPY app.t2 (id, note) FROM stdin;\n', data: copy },
    { section: 'DATA', tag: 's', desc: 'SEQUENCE SET', namespace: 'app', owner: 'postgres', defn: "SELECT pg_catalog.setval('app.s', 1, false);\n" },
  ]

  async function render(o: ScriptOptions): Promise<string> {
    const sink = new PassThrough()
    const chunks: Buffer[] = []
    sink.on('data', (c: Buffer) => chunks.push(c))
    const output = new ScriptOutput(sink)
    await writeScript(entries(), output, o, {
      writeData: async (entry, out) => {
        expect(entry.data).toEqual(copy)
        await out.write('1\ta\n2\t\\N\n')
      },
    })
    sink.end()
    return Buffer.concat(chunks).toString('utf8')
  }

  it('writes what pg_dump 15 wrote', async () => {
    expect(await render(options())).toBe(PG_DUMP_15)
  })

  // `pg_dump -O` differed from PG_DUMP_15 only in "Owner: -" in every header and no ALTER … OWNER TO lines
  it('with noOwner writes what pg_dump -O wrote', async () => {
    const expected = PG_DUMP_15.replaceAll('; Owner: postgres\n', '; Owner: -\n').replace(/^ALTER [^\n]* OWNER TO postgres;\n\n/gm, '')
    expect(expected).not.toBe(PG_DUMP_15)
    expect(await render(options({ noOwner: true }))).toBe(expected)
  })

  // `pg_dump -c --if-exists` added exactly these lines right after the preamble
  it('with clean and ifExists writes the DROPs in reverse order first', async () => {
    const drops = 'DROP TABLE IF EXISTS app.t2;\nDROP SEQUENCE IF EXISTS app.s;\nDROP SCHEMA IF EXISTS app;\n'
    const expected = PG_DUMP_15.replace(PREAMBLE_END, PREAMBLE_END + drops)
    expect(await render(options({ clean: true, ifExists: true }))).toBe(expected)
  })

  it('with clean alone writes the DROPs unchanged', async () => {
    const drops = 'DROP TABLE app.t2;\nDROP SEQUENCE app.s;\nDROP SCHEMA app;\n'
    expect(await render(options({ clean: true }))).toBe(PG_DUMP_15.replace(PREAMBLE_END, PREAMBLE_END + drops))
  })

  // pg_dump 16+ writes ALTER SEQUENCE for sequences (commit 3655b46)
  it('with the 16+ flavour sets a sequence\'s owner with ALTER SEQUENCE', async () => {
    const expected = PG_DUMP_15.replace('ALTER TABLE app.s OWNER TO postgres;', 'ALTER SEQUENCE app.s OWNER TO postgres;')
    expect(await render(options({ flavour: 16 }))).toBe(expected)
  })

  it('with noTablespaces leaves out SET default_tablespace', async () => {
    expect(await render(options({ noTablespaces: true }))).toBe(PG_DUMP_15.replace("SET default_tablespace = '';\n\n", ''))
  })

  // Without an onEntry hook the text of entries without data is gathered into writes of up to 64 Ki
  // characters; with one, every entry is in the output when its hook is called (a backup notes offsets).
  it('writes the same text with and without an onEntry hook, gathered into few writes without one', async () => {
    const many = (): TocEntry[] => Array.from({ length: 3000 }, (_, i) => ({
      section: 'PRE_DATA', tag: `t${i}`, desc: 'TABLE', namespace: 'app', owner: 'postgres', tablespace: '', tableAm: 'heap', relkind: 'r',
      defn: `CREATE TABLE app.t${i} (\n    id integer\n);\n`, drop: `DROP TABLE app.t${i};\n`,
    }))
    const run = async (withHook: boolean) => {
      const sink = new PassThrough()
      const chunks: Buffer[] = []
      sink.on('data', (c: Buffer) => chunks.push(c))
      const output = new ScriptOutput(sink)
      const write = vi.spyOn(output, 'write')
      const seen: boolean[] = []
      await writeScript(many(), output, options(), {
        writeData: async () => {},
        ...(withHook ? { onEntry: (entry: TocEntry, phase: 'start' | 'end') => {
          // at an entry's end its text has gone to the output (gathered there, not yet in the sink)
          if (phase === 'end') seen.push(output.bytes > 0 && write.mock.calls.some(([text]) => typeof text === 'string' && text.includes(`TABLE app.${entry.tag} (`)))
        } } : {}),
      })
      sink.end()
      return { text: Buffer.concat(chunks).toString('utf8'), writes: write.mock.calls.length, seen }
    }
    const plain = await run(false)
    const hooked = await run(true)
    expect(plain.text).toBe(hooked.text)
    expect(plain.text).toContain('CREATE TABLE app.t2999 (\n    id integer\n);\n\n\nALTER TABLE app.t2999 OWNER TO postgres;\n')
    expect(plain.text.length).toBeGreaterThan(3 * 64 * 1024)
    expect(plain.writes).toBeLessThan(10)
    expect(hooked.writes).toBeGreaterThanOrEqual(3000)
    expect(hooked.seen).toHaveLength(3000)
    expect(hooked.seen.every(Boolean)).toBe(true)
  })
})

describe('ownerTarget', () => {
  const entry = (desc: string, tag: string, namespace: string | null, drop = 'DROP …;\n'): TocEntry => ({ section: 'PRE_DATA', tag, desc, namespace, owner: 'postgres', defn: '', drop })
  // Left: a TOC entry (desc, tag, schema, DROP text) from `pg_dump -c` of a scratch database; right: the
  // ALTER … OWNER TO target pg_dump 15.20 printed for it.
  const pg15: [TocEntry, string][] = [
    [entry('SCHEMA', 'Sch', null), 'SCHEMA "Sch"'],
    [entry('TABLE', 'Tbl', 'Sch'), 'TABLE "Sch"."Tbl"'],
    [entry('TABLE', 'with"quote', 'Sch'), 'TABLE "Sch"."with""quote"'],
    [entry('VIEW', 'v', 'Sch'), 'TABLE "Sch".v'],
    [entry('SEQUENCE', 'Tbl_id_seq', 'Sch'), 'TABLE "Sch"."Tbl_id_seq"'],
    [entry('MATERIALIZED VIEW', 'mv', 'Sch'), 'TABLE "Sch".mv'],
    [entry('COLLATION', 'coll', 'Sch'), 'COLLATION "Sch".coll'],
    [entry('TYPE', 'mood', 'Sch'), 'TYPE "Sch".mood'],
    [entry('DOMAIN', 'posint', 'Sch'), 'DOMAIN "Sch".posint'],
    [entry('TEXT SEARCH CONFIGURATION', 'ts', 'Sch'), 'TEXT SEARCH CONFIGURATION "Sch".ts'],
    [entry('STATISTICS', 'st', 'Sch'), 'STATISTICS "Sch".st'],
    [entry('PUBLICATION', 'pub', null), 'PUBLICATION pub'],
    [entry('FUNCTION', 'f(integer, text)', 'Sch', 'DROP FUNCTION "Sch".f(a integer, b text);\n'), 'FUNCTION "Sch".f(a integer, b text)'],
    [entry('FUNCTION', 'trg()', 'Sch', 'DROP FUNCTION "Sch".trg();\n'), 'FUNCTION "Sch".trg()'],
    [entry('AGGREGATE', 'agg(integer)', 'Sch', 'DROP AGGREGATE "Sch".agg(integer);\n'), 'AGGREGATE "Sch".agg(integer)'],
    [entry('OPERATOR', '===', 'Sch', 'DROP OPERATOR "Sch".=== (integer, integer);\n'), 'OPERATOR "Sch".=== (integer, integer)'],
    [entry('BLOB', '424242', null, "SELECT pg_catalog.lo_unlink('424242');\n"), 'LARGE OBJECT 424242'],
  ]
  it.each(pg15)('flavour 15: %j -> %s', (e, expected) => {
    expect(ownerTarget(e, 15)).toBe(expected)
  })

  // pg_dump 16+ (and observed in 18.3): ALTER SEQUENCE / VIEW / MATERIALIZED VIEW … OWNER TO
  const pg16: [TocEntry, string][] = [
    [entry('VIEW', 'v', 'Sch'), 'VIEW "Sch".v'],
    [entry('SEQUENCE', 'Tbl_id_seq', 'Sch'), 'SEQUENCE "Sch"."Tbl_id_seq"'],
    [entry('MATERIALIZED VIEW', 'mv', 'Sch'), 'MATERIALIZED VIEW "Sch".mv'],
    [entry('TABLE', 'Tbl', 'Sch'), 'TABLE "Sch"."Tbl"'],
    [entry('FOREIGN TABLE', 'ft', 'Sch'), 'FOREIGN TABLE "Sch".ft'],
    [entry('SERVER', 'srv1', null), 'SERVER srv1'],
    [entry('FOREIGN DATA WRAPPER', 'dummy_fdw', null), 'FOREIGN DATA WRAPPER dummy_fdw'],
    [entry('EVENT TRIGGER', 'Evt', null), 'EVENT TRIGGER "Evt"'],
    [entry('PROCEDURE', 'p()', 'Sch', 'DROP PROCEDURE "Sch".p();\n'), 'PROCEDURE "Sch".p()'],
    [entry('OPERATOR CLASS', 'oc', 'Sch', 'DROP OPERATOR CLASS "Sch".oc USING btree;\n'), 'OPERATOR CLASS "Sch".oc USING btree'],
  ]
  it.each(pg16)('flavour 18: %j -> %s', (e, expected) => {
    expect(ownerTarget(e, 18)).toBe(expected)
  })

  // _getObjectDescription: these have no owner of their own
  it.each(['INDEX', 'CONSTRAINT', 'FK CONSTRAINT', 'CHECK CONSTRAINT', 'DEFAULT', 'TRIGGER', 'RULE', 'POLICY', 'CAST', 'USER MAPPING', 'EXTENSION'])(
    '%s has no owner target',
    (desc) => {
      expect(ownerTarget(entry(desc, 'x', 'Sch'), 18)).toBeNull()
    },
  )
})

describe('dropStatement', () => {
  // Left: desc and DROP text from `pg_dump -s -c` of a scratch database; right: the same entry's line in
  // `pg_dump -s -c --if-exists` (both pg_dump 15.20).
  const cases: [string, string, string][] = [
    ['PUBLICATION', 'DROP PUBLICATION pub;\n', 'DROP PUBLICATION IF EXISTS pub;\n'],
    ['POLICY', 'DROP POLICY "Pol" ON "Sch"."Tbl";\n', 'DROP POLICY IF EXISTS "Pol" ON "Sch"."Tbl";\n'],
    ['FK CONSTRAINT', 'ALTER TABLE ONLY "Sch"."Tbl" DROP CONSTRAINT fk;\n', 'ALTER TABLE IF EXISTS ONLY "Sch"."Tbl" DROP CONSTRAINT IF EXISTS fk;\n'],
    ['TRIGGER', 'DROP TRIGGER "Trg" ON "Sch"."Tbl";\n', 'DROP TRIGGER IF EXISTS "Trg" ON "Sch"."Tbl";\n'],
    ['RULE', 'DROP RULE r ON "Sch"."Tbl";\n', 'DROP RULE IF EXISTS r ON "Sch"."Tbl";\n'],
    ['STATISTICS', 'DROP STATISTICS "Sch".st;\n', 'DROP STATISTICS IF EXISTS "Sch".st;\n'],
    ['INDEX', 'DROP INDEX "Sch"."Idx";\n', 'DROP INDEX IF EXISTS "Sch"."Idx";\n'],
    ['CHECK CONSTRAINT', 'ALTER TABLE "Sch"."Tbl" DROP CONSTRAINT nv;\n', 'ALTER TABLE IF EXISTS "Sch"."Tbl" DROP CONSTRAINT IF EXISTS nv;\n'],
    ['CONSTRAINT', 'ALTER TABLE ONLY "Sch"."Tbl" DROP CONSTRAINT "Tbl_pkey";\n', 'ALTER TABLE IF EXISTS ONLY "Sch"."Tbl" DROP CONSTRAINT IF EXISTS "Tbl_pkey";\n'],
    // ALTER COLUMN … DROP DEFAULT has no IF EXISTS: only the ALTER TABLE part gets one
    ['DEFAULT', 'ALTER TABLE "Sch"."Tbl" ALTER COLUMN id DROP DEFAULT;\n', 'ALTER TABLE IF EXISTS "Sch"."Tbl" ALTER COLUMN id DROP DEFAULT;\n'],
    ['TABLE', 'DROP TABLE "Sch"."with""quote";\n', 'DROP TABLE IF EXISTS "Sch"."with""quote";\n'],
    ['VIEW', 'DROP VIEW "Sch".v;\n', 'DROP VIEW IF EXISTS "Sch".v;\n'],
    ['SEQUENCE', 'DROP SEQUENCE "Sch".seq;\n', 'DROP SEQUENCE IF EXISTS "Sch".seq;\n'],
    ['MATERIALIZED VIEW', 'DROP MATERIALIZED VIEW "Sch".mv;\n', 'DROP MATERIALIZED VIEW IF EXISTS "Sch".mv;\n'],
    ['TEXT SEARCH CONFIGURATION', 'DROP TEXT SEARCH CONFIGURATION "Sch".ts;\n', 'DROP TEXT SEARCH CONFIGURATION IF EXISTS "Sch".ts;\n'],
    ['OPERATOR', 'DROP OPERATOR "Sch".=== (integer, integer);\n', 'DROP OPERATOR IF EXISTS "Sch".=== (integer, integer);\n'],
    ['AGGREGATE', 'DROP AGGREGATE "Sch".agg(integer);\n', 'DROP AGGREGATE IF EXISTS "Sch".agg(integer);\n'],
    ['FUNCTION', 'DROP FUNCTION "Sch".f(a integer, b text);\n', 'DROP FUNCTION IF EXISTS "Sch".f(a integer, b text);\n'],
    ['CAST', 'DROP CAST ("Sch".mood AS text);\n', 'DROP CAST IF EXISTS ("Sch".mood AS text);\n'],
    ['DOMAIN', 'DROP DOMAIN "Sch".posint;\n', 'DROP DOMAIN IF EXISTS "Sch".posint;\n'],
    ['TYPE', 'DROP TYPE "Sch".mood;\n', 'DROP TYPE IF EXISTS "Sch".mood;\n'],
    ['COLLATION', 'DROP COLLATION "Sch".coll;\n', 'DROP COLLATION IF EXISTS "Sch".coll;\n'],
    ['SCHEMA', 'DROP SCHEMA "Sch";\n', 'DROP SCHEMA IF EXISTS "Sch";\n'],
    // from RestoreArchive's source: a commented-out drop stays as it is
    ['SCHEMA', '-- *not* dropping schema, since initdb creates it\n', '-- *not* dropping schema, since initdb creates it\n'],
    // no "DROP <desc>" to find: emitted unmodified (pg_dump warns)
    ['SEQUENCE OWNED BY', 'SELECT 1;\n', 'SELECT 1;\n'],
  ]
  const entry = (desc: string, drop: string, tag = 'x'): TocEntry => ({ section: 'PRE_DATA', tag, desc, namespace: 'Sch', owner: 'postgres', defn: '', drop })

  it.each(cases)('%s: %j', (desc, drop, withIfExists) => {
    expect(dropStatement(entry(desc, drop), options({ clean: true }))).toBe(drop)
    expect(dropStatement(entry(desc, drop), options({ clean: true, ifExists: true }))).toBe(withIfExists)
  })

  // pgkeep departs from pg_dump here so that an --if-exists script replays on an empty database too
  it('with ifExists runs the quasi-drop of an ON SELECT rule only when the view exists', () => {
    const replace = 'CREATE OR REPLACE VIEW "Sch".v AS\n SELECT NULL::integer AS x;\n'
    expect(dropStatement(entry('RULE', replace), options({ clean: true }))).toBe(replace)
    expect(dropStatement(entry('RULE', replace), options({ clean: true, ifExists: true }))).toBe(
      'DO $do$BEGIN IF pg_catalog.to_regclass(\'"Sch".v\') IS NOT NULL THEN EXECUTE $q$CREATE OR REPLACE VIEW "Sch".v AS\n SELECT NULL::integer AS x$q$; END IF; END$do$;\n',
    )
  })

  it('with ifExists drops a domain constraint only when the domain exists', () => {
    const drop = 'ALTER DOMAIN "Sch".d DROP CONSTRAINT "it\'s";\n'
    expect(dropStatement(entry('CHECK CONSTRAINT', drop), options({ clean: true }))).toBe(drop)
    expect(dropStatement(entry('CHECK CONSTRAINT', drop), options({ clean: true, ifExists: true }))).toBe(
      'DO $do$BEGIN IF pg_catalog.to_regtype(\'"Sch".d\') IS NOT NULL THEN EXECUTE $q$ALTER DOMAIN "Sch".d DROP CONSTRAINT IF EXISTS "it\'s"$q$; END IF; END$do$;\n',
    )
  })

  it('with ifExists drops a foreign table\'s constraint with ALTER FOREIGN TABLE IF EXISTS', () => {
    const drop = 'ALTER FOREIGN TABLE "Sch".ft DROP CONSTRAINT ck;\n'
    expect(dropStatement(entry('CHECK CONSTRAINT', drop), options({ clean: true, ifExists: true }))).toBe('ALTER FOREIGN TABLE IF EXISTS "Sch".ft DROP CONSTRAINT IF EXISTS ck;\n')
  })

  it('writes the DROP of an object an earlier DROP … CASCADE removes only with ifExists', () => {
    const fn: TocEntry = { ...entry('FUNCTION', 'DROP FUNCTION "Sch".t_in(cstring);\n'), droppedByCascade: true }
    expect(dropStatement(fn, options({ clean: true }))).toBe('')
    expect(dropStatement(fn, options({ clean: true, ifExists: true }))).toBe('DROP FUNCTION IF EXISTS "Sch".t_in(cstring);\n')
  })

  it('writes nothing for an entry without a DROP', () => {
    expect(dropStatement({ section: 'NONE', tag: 'TABLE t', desc: 'COMMENT', namespace: 'Sch', owner: 'postgres', defn: 'COMMENT …;\n' }, options({ clean: true, ifExists: true }))).toBe('')
  })

  // pg_dump 15.20 `-c` / `-c --if-exists` for large object 424242 (a BLOB entry)
  it('drops a large object with lo_unlink, through pg_largeobject_metadata with ifExists', () => {
    const blob = entry('BLOB', "SELECT pg_catalog.lo_unlink('424242');\n", '424242')
    expect(dropStatement(blob, options({ clean: true }))).toBe("SELECT pg_catalog.lo_unlink('424242');\n")
    expect(dropStatement(blob, options({ clean: true, ifExists: true }))).toBe(
      "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '424242';\n",
    )
  })

  // pg_dump 17+ (RestoreArchive → IssueCommandPerBlob): one command per OID of a BLOB METADATA entry,
  // then an empty line
  it('drops every large object of a BLOB METADATA group', () => {
    const group: TocEntry = { section: 'DATA', tag: '16384..16385', desc: 'BLOB METADATA', namespace: null, owner: 'postgres', defn: '16384\n16385\n', largeObjects: { oids: [16384, 16385] } }
    expect(dropStatement(group, options({ clean: true }))).toBe("SELECT pg_catalog.lo_unlink('16384');\nSELECT pg_catalog.lo_unlink('16385');\n\n")
    expect(dropStatement(group, options({ clean: true, ifExists: true }))).toBe(
      "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '16384';\n" +
        "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '16385';\n\n",
    )
  })
})
