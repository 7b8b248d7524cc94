// Strict restore's statement policy on its own (pure logic, no database): the DO blocks pgkeep's own
// emitters write pass, token for token, while the same shapes around anything else do not; each rule
// refuses what it is named for, naming the line, the entry and the rule; and a role switch is judged
// against the owners and grantors of the whole script.
import { describe, expect, it } from 'vitest'
import type { EmitContext } from '../../src/emit/emit-context'
import { emitConstraint } from '../../src/emit/table-parts'
import type { TocEntry } from '../../src/emit/toc-entry'
import type { ConstraintObject, IndexObject, TableObject } from '../../src/model/objects'
import type { EntryHeader, ScriptItem } from '../../src/restore/script-item'
import { strictStatementPolicy } from '../../src/restore/statement-policy'
import { dropStatement, type ScriptOptions } from '../../src/write/script'
import { PgkeepError } from '../../src/errors'

const header = (type: string, name = 'x', owner: string | null = 'app'): EntryHeader => ({ name, type, schema: 'public', owner, isData: false, isStatistics: false, line: 1 })
const statement = (sql: string, entry: EntryHeader | null, line = 10): ScriptItem => ({ kind: 'statement', sql, line, entry })

function refusal(items: ScriptItem[]): PgkeepError {
  const policy = strictStatementPolicy()
  try {
    for (const item of items) policy.check(item)
    policy.finish()
  } catch (error) {
    if (error instanceof PgkeepError) return error
    throw error
  }
  throw new Error('the policy accepted the script')
}

function accepts(items: ScriptItem[]): void {
  const policy = strictStatementPolicy()
  for (const item of items) policy.check(item)
  policy.finish()
}

const SCRIPT_OPTIONS: ScriptOptions = {
  flavour: 17, serverVersion: '17.0', producer: 'pgkeep', standardConformingStrings: true, transactionTimeout: true,
  restrictKey: null, clean: true, ifExists: true, noOwner: false, noTablespaces: false,
}

describe('pgkeep\'s own DO blocks pass strict restore', () => {
  it('the --clean --if-exists guards (a dummy view, a domain constraint\'s DROP), with awkward names', () => {
    const view: TocEntry = {
      section: 'POST_DATA', tag: 'v; x', desc: 'RULE', namespace: 'My $do$ Schema', owner: 'app',
      defn: '',
      drop: 'CREATE OR REPLACE VIEW "My $do$ Schema"."v; x" AS\n SELECT NULL::integer AS "a\'b";\n',
    }
    const domain: TocEntry = {
      section: 'POST_DATA', tag: 'd c', desc: 'CHECK CONSTRAINT', namespace: 'public', owner: 'app', defn: '',
      drop: 'ALTER DOMAIN public."d\'; DROP" DROP CONSTRAINT "c$q$";\n',
    }
    const viewDrop = dropStatement(view, SCRIPT_OPTIONS)
    const domainDrop = dropStatement(domain, SCRIPT_OPTIONS)
    expect(viewDrop.startsWith('DO $')).toBe(true)
    expect(domainDrop.startsWith('DO $')).toBe(true)
    accepts([statement(viewDrop.trim(), header('RULE')), statement(domainDrop.trim(), header('CHECK CONSTRAINT'))])
  })

  it('the 17+ rename of a partition\'s exclusion constraint, with quotes, % and ; in the names', () => {
    const ctx = { dumpSchema: true, standardConformingStrings: true, dependsOnExtensions: () => [] } as unknown as EmitContext
    const table = (name: string) => ({ kind: 'TABLE', name, namespace: { name: "s'; %I" }, owner: 'app', relkind: 'r', columns: [] }) as unknown as TableObject
    const parent = { kind: 'CONSTRAINT', name: 'p%s_excl', table: table('parent"t'), dump: 0xffff, contype: 'x' } as unknown as ConstraintObject
    const con = { kind: 'CONSTRAINT', name: "room 1: no overlap'; DROP", table: table('part 1%'), contype: 'x', condef: 'EXCLUDE USING gist (room WITH =)', dump: 0xffff, parentExclusion: parent, domain: null } as unknown as ConstraintObject
    const entries = emitConstraint(ctx, con, { name: 'i', catId: { tableoid: 1259, oid: 1 } } as unknown as IndexObject)
    const rename = entries.find((e) => e.defn.startsWith('DO '))
    expect(rename).toBeDefined()
    accepts([statement(rename!.defn.trim(), header('CONSTRAINT'))])
  })

  it('refuses the guard around another statement, a guard with a second statement, and any other DO body', () => {
    const guard = (inner: string) => `DO $do$BEGIN IF pg_catalog.to_regclass('public.v') IS NOT NULL THEN EXECUTE $q$${inner}$q$; END IF; END$do$;`
    const cases = [
      guard("COPY public.t FROM PROGRAM 'id'"),
      guard('CREATE OR REPLACE VIEW public.v AS SELECT 1; ALTER SYSTEM SET fsync = off'),
      guard('ALTER DOMAIN public.d DROP CONSTRAINT c; LOAD \'x\''),
      "DO $$BEGIN PERFORM pg_catalog.pg_sleep(1); END$$;",
      "DO LANGUAGE plpgsql $$BEGIN NULL; END$$;",
    ]
    for (const sql of cases) {
      const error = refusal([statement(sql, header('RULE'), 42)])
      expect(error.code, sql).toBe('SCRIPT_REFUSED')
      expect(error.message, sql).toMatch(/^line 42: .*\(in RULE public\.x; rule: do-pgkeep-templates-only\)$/)
    }
  })
})

describe('each rule refuses what it is named for', () => {
  const data = { ...header('TABLE DATA', 't'), isData: true }
  const cases: [string, string, EntryHeader | null, string][] = [
    ['copy-from-stdin-only', "COPY public.t (a) FROM PROGRAM 'touch /x';", data, 'COPY … FROM PROGRAM'],
    ['copy-from-stdin-only', "COPY public.t FROM '/etc/passwd';", data, "COPY … FROM '<file>'"],
    ['copy-from-stdin-only', "COPY public.t TO 'out.csv';", data, "COPY … TO '<file>'"],
    ['copy-from-stdin-only', "COPY (SELECT 1) TO PROGRAM 'x';", data, 'COPY … TO PROGRAM'],
    ['no-cluster-wide-changes', "ALTER SYSTEM SET archive_command = 'x';", null, 'ALTER SYSTEM'],
    ['no-cluster-wide-changes', "CREATE ROLE evil SUPERUSER LOGIN PASSWORD 'x';", header('TABLE'), 'CREATE ROLE'],
    ['no-cluster-wide-changes', 'ALTER ROLE app SUPERUSER;', header('TABLE'), 'ALTER ROLE'],
    ['no-cluster-wide-changes', "ALTER DATABASE kost SET session_preload_libraries = 'x';", header('TABLE'), 'ALTER DATABASE'],
    ['dump-statement-forms', "LOAD 'plpython3u';", header('TABLE'), 'LOAD'],
    ['dump-statement-forms', 'CHECKPOINT;', null, 'CHECKPOINT'],
    ['dump-statement-forms', 'VACUUM FULL;', null, 'VACUUM'],
    ['dump-statement-forms', "NOTIFY ch, 'x';", null, 'NOTIFY'],
    ['dump-statement-forms', 'LISTEN ch;', null, 'LISTEN'],
    ['dump-statement-forms', 'PREPARE p AS SELECT 1;', null, 'PREPARE'],
    ['dump-statement-forms', 'EXECUTE p;', null, 'EXECUTE'],
    ['dump-statement-forms', 'CALL public.p();', header('TABLE'), 'CALL'],
    ['dump-statement-forms', 'DELETE FROM public.t;', data, 'DELETE'],
    ['dump-statement-forms', 'ALTER EXTENSION x UPDATE;', header('EXTENSION'), 'ALTER EXTENSION'],
    ['do-pgkeep-templates-only', "DO $$BEGIN EXECUTE 'COPY t FROM PROGRAM ''id'''; END$$;", header('TABLE'), 'DO block'],
    ['select-catalog-calls-only', "SELECT pg_catalog.pg_read_file('/etc/passwd');", null, 'pg_read_file'],
    ['select-catalog-calls-only', "SELECT pg_catalog.set_config('search_path', (SELECT pg_catalog.pg_read_file('x')), false);", null, 'arguments other than literals'],
    ['select-catalog-calls-only', "SELECT pg_catalog.setval('public.s', 1, true);", header('TABLE'), 'outside the entries'],
    ['select-catalog-calls-only', 'SELECT 1;', null, 'this SELECT'],
    ['select-catalog-calls-only', "SELECT lo_import('/etc/passwd');", header('BLOB'), 'lo_import'],
    ['insert-values-only', 'INSERT INTO public.t SELECT * FROM pg_catalog.pg_authid;', data, 'VALUES'],
    ['insert-values-only', "INSERT INTO public.t VALUES (pg_catalog.pg_read_file('x'));", data, 'call a function'],
    ['insert-values-only', 'INSERT INTO public.t VALUES (1);', header('TABLE'), 'outside a table'],
    ['set-dump-settings-only', "SET session_preload_libraries = 'x';", null, 'session_preload_libraries'],
    ['set-dump-settings-only', 'SET search_path = pg_catalog.current_setting(x);', null, 'plain values'],
    ['c-functions-from-libdir', "CREATE FUNCTION public.f() RETURNS integer\n    LANGUAGE c\n    AS '/srv/uploads/evil.so', 'f';", header('FUNCTION'), '"/srv/uploads/evil.so"'],
    ['c-functions-from-libdir', "CREATE FUNCTION public.f() RETURNS integer\n    LANGUAGE c\n    AS '$libdir/../../../srv/evil', 'f';", header('FUNCTION'), 'libdir/../'],
    ['c-functions-from-libdir', "CREATE FUNCTION public.f() RETURNS integer\n    LANGUAGE \"c\"\n    AS 'evil/x', 'f';", header('FUNCTION'), '"evil/x"'],
    ['subscription-not-connected', "CREATE SUBSCRIPTION s CONNECTION 'host=evil' PUBLICATION p WITH (slot_name = 's');", header('SUBSCRIPTION'), 'connect = false'],
    ['subscription-not-connected', 'ALTER SUBSCRIPTION s ENABLE;', header('SUBSCRIPTION'), 'OWNER TO'],
    ['grant-on-objects', 'GRANT pg_execute_server_program TO app;', header('ACL'), 'GRANT'],
  ]
  it.each(cases)('%s: %s', (rule, sql, entry, named) => {
    const error = refusal([statement(sql, entry, 1234)])
    expect(error.code).toBe('SCRIPT_REFUSED')
    expect(error.message).toMatch(new RegExp(`^line 1234: .*; restore refuses it \\(in .*; rule: ${rule}\\)$`))
    expect(error.message).toContain(named)
    expect(error.hint).toContain('allowAnyStatement')
  })

  it('a COPY FROM stdin block outside a table\'s data entry', () => {
    const error = refusal([{ kind: 'copy', sql: 'COPY public.t (a) FROM stdin;', line: 7, entry: header('TABLE'), encoding: 'UTF8', data: [] as unknown as AsyncIterable<Buffer> }])
    expect(error.message).toMatch(/^line 7: .*rule: copy-from-stdin-only\)$/)
  })

  it('role switches: to an owner so far, the owner of the next entry, or a grantee of a grant option; to anyone else, refused', () => {
    const acl = header('ACL', 'TABLE t', 'app')
    const policy = strictStatementPolicy()
    const verdicts = [
      statement('SET ROLE app;', header('TABLE', 't', 'app')),
      statement('GRANT ALL ON TABLE public.t TO grantor WITH GRANT OPTION;', acl),
      statement('SET SESSION AUTHORIZATION "grantor";', acl),
      statement('GRANT SELECT ON TABLE public.t TO bob;', acl),
      statement('RESET SESSION AUTHORIZATION;', acl),
      statement("SET SESSION AUTHORIZATION 'later owner';", acl),
      statement('CREATE TABLE public.u (a integer);', header('TABLE', 'u', 'later owner')),
    ].map((item) => policy.check(item))
    policy.finish()
    // the switch to the next entry's owner waits for that entry before it runs
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'hold', 'ok'])

    const error = refusal([statement('SET SESSION AUTHORIZATION postgres;', header('TABLE'), 5), statement('CREATE TABLE public.t (a integer);', header('TABLE', 't', 'app'), 6)])
    expect(error.message).toBe('line 5: a switch to role "postgres", which owns neither an entry before it nor the next one and has no grant option; restore refuses it (in TABLE public.x; rule: role-switch-to-owners)')
    expect(refusal([statement('SET ROLE postgres;', null, 9)]).message).toMatch(/^line 9: .*rule: role-switch-to-owners\)$/)
  })
})

describe('what a dump holds passes', () => {
  it('statements of every kind, as pg_dump writes them', () => {
    const data = { ...header('TABLE DATA', 't'), isData: true }
    accepts([
      statement('SET statement_timeout = 0;', null),
      statement("SET client_encoding = 'UTF8';", null),
      statement("SELECT pg_catalog.set_config('search_path', '', false);", null),
      statement("SET default_tablespace = '';", header('TABLE')),
      statement('SET default_table_access_method = heap;', header('TABLE')),
      statement('CREATE SCHEMA app;', header('SCHEMA')),
      statement('CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;', header('EXTENSION')),
      statement("CREATE FUNCTION public.f(a integer) RETURNS integer\n    LANGUAGE sql IMMUTABLE\n    AS $$select a + 1$$;", header('FUNCTION')),
      statement("CREATE FUNCTION public.h() RETURNS language_handler\n    LANGUAGE c\n    AS '$libdir/plpgsql', 'plpgsql_call_handler';", header('FUNCTION')),
      statement("CREATE FUNCTION public.tin(cstring) RETURNS public.t\n    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE\n    AS $$textin$$;", header('FUNCTION')),
      statement('CREATE UNIQUE INDEX i ON public.t USING btree (a);', header('INDEX')),
      statement("CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p WITH (connect = false, slot_name = 's');", header('SUBSCRIPTION')),
      statement('ALTER TABLE ONLY public.t ALTER COLUMN a SET DEFAULT nextval(\'public.s\'::regclass);', header('DEFAULT')),
      statement("SELECT pg_catalog.setval('public.s', 42, true);", header('SEQUENCE SET')),
      statement("SELECT pg_catalog.lo_open('16400', 131072);", header('BLOBS')),
      statement("SELECT pg_catalog.lowrite(0, '\\x6869');", header('BLOBS')),
      statement("SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '16400';", header('BLOB METADATA')),
      statement("SELECT * FROM pg_catalog.pg_restore_relation_stats(\n\t'version', '180000'::integer,\n\t'relpages', '1'::integer,\n\t'reltuples', '-1'::real\n);", header('STATISTICS DATA')),
      statement("INSERT INTO public.t (a, b) OVERRIDING SYSTEM VALUE VALUES (1, 'x'), (-2, NULL);", data),
      statement('REFRESH MATERIALIZED VIEW public.m;', header('MATERIALIZED VIEW DATA')),
      statement('ALTER SUBSCRIPTION s OWNER TO app;', header('SUBSCRIPTION')),
      statement('GRANT SELECT(a) ON TABLE public.t TO app;', header('ACL')),
      statement('ALTER DEFAULT PRIVILEGES FOR ROLE app IN SCHEMA public GRANT SELECT ON TABLES TO app;', header('DEFAULT ACL')),
      statement("COMMENT ON TABLE public.t IS 'COPY x FROM PROGRAM';", header('COMMENT')),
      statement('BEGIN;', header('BLOBS')),
      statement('COMMIT;', header('BLOBS')),
      { kind: 'copy', sql: 'COPY public.t (a, "b c") FROM stdin;', line: 3, entry: data, encoding: 'UTF8', data: [] as unknown as AsyncIterable<Buffer> },
    ])
  })
})
