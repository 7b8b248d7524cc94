// splitGucList mirrors pg_dump's SplitGUCList (dumputils.c) on the values PostgreSQL stores in
// pg_proc.proconfig for GUC_LIST_QUOTE settings. The stored texts below are what PostgreSQL 15.20 kept
// for the SET clauses named, and the element lists are the literals pg_dump 15.20 printed
// (`SET search_path TO 'public', 'My Schema', …`).
import { describe, expect, it } from 'vitest'
import type { EmitContext } from '../../src/emit/emit-context'
import { emitFunction, splitGucList } from '../../src/emit/functions'
import { TypeTable } from '../../src/catalog/type-table'
import { ObjectRegistry } from '../../src/model/registry'
import type { FunctionDetails, FunctionObject, NamespaceObject } from '../../src/model/objects'

describe('splitGucList', () => {
  const cases: [string, string, string[]][] = [
    [
      "SET search_path = public, \"My Schema\", \"a\"\"b\", '$user', 'with space'",
      'public, "My Schema", "a""b", "$user", "with space"',
      ['public', 'My Schema', 'a"b', '$user', 'with space'],
    ],
    ["SET search_path = ''", '""', ['']],
    ['SET search_path TO "UPPER", lower', '"UPPER", lower', ['UPPER', 'lower']],
    ['SET search_path = a', 'a', ['a']],
    ['(no spaces)', 'a,b,c', ['a', 'b', 'c']],
    ['(extra whitespace)', '  a  ,  "b c"  ,c ', ['a', 'b c', 'c']],
    ['(empty)', '', []],
    ['(blank)', '   ', []],
    // quoted names keep commas, dots and case; no case folding of unquoted names either
    ['(punctuation inside quotes)', '"a,b", "x.y", Mixed', ['a,b', 'x.y', 'Mixed']],
    ['(only doubled quotes)', '""""', ['"']],
  ]
  it.each(cases)('%s', (_clause, stored, expected) => {
    expect(splitGucList(stored)).toEqual(expected)
  })
})

// emitFunction against pg_dump 15.20's output for functions created in a scratch database. The
// FunctionDetails fields are the values catalog/details.ts's query returned for them on PostgreSQL
// 15.20 (procost and prorows as text, prosupport '-' for none, proconfig as an array).


const TYPE_NAMES: Record<number, string> = { 23: 'integer', 25: 'text' }
const PG_PROC = 1255

function emitContext(over: Partial<EmitContext> = {}): EmitContext {
  return {
    flavour: 15,
    serverMajor: 15,
    aclMajor: 15,
    standardConformingStrings: true,
    dumpSchema: true,
    dumpData: true,
    noOwner: false,
    noPrivileges: false,
    noComments: false,
    noSecurityLabels: false,
    noTablespaces: false,
    comments: new Map(),
    securityLabels: new Map(),
    columnAcls: new Map(),
    typeName: (oid) => TYPE_NAMES[oid],
    tables: new Map(),
    types: new TypeTable(new ObjectRegistry()),
    functions: new Map(),
    operators: new Map(),
    collations: new Map(),
    dependsOnExtensions: () => [],
    ...over,
  }
}

const details = (d: Partial<FunctionDetails>): FunctionDetails => ({
  prokind: 'f', retset: false, src: null, bin: null, sqlbody: null, args: '', identityArgs: '', result: null, trftypes: '',
  volatile: 'v', strict: false, secdef: false, leakproof: false, config: [], cost: '100', rows: '0', support: '-', parallel: 'u',
  language: 'sql', ...d,
})

function fn(name: string, argtypes: number[], d: Partial<FunctionDetails>, oid = 613519): FunctionObject {
  const app = { name: 'app' } as NamespaceObject
  return {
    dumpId: 1, kind: 'FUNC', catId: { tableoid: PG_PROC, oid }, name, namespace: app, deps: [], dump: 0xffff, components: 1,
    dumpContains: 0xffff, extMember: false, dependsOnExt: false, owner: 'postgres',
    dacl: { acl: null, aclDefault: '{=X/postgres,postgres=X/postgres}' }, lang: 0, argtypes, rettype: 0, postponedDef: false,
    details: details(d),
  }
}

describe('emitFunction', () => {
  const cases: [string, FunctionObject, string, string, string][] = [
    [
      'SET clauses: list GUCs split and quoted, others one literal, names through fmtId',
      fn('f6', [], {
        src: 'select 1', result: 'integer',
        config: ['search_path=public, "My Schema", "a""b", "$user", "with space"', 'work_mem=64MB', 'DateStyle=ISO, MDY'],
      }),
      'f6()',
      'CREATE FUNCTION app.f6() RETURNS integer\n    LANGUAGE sql\n' +
        "    SET search_path TO 'public', 'My Schema', 'a\"b', '$user', 'with space'\n" +
        "    SET work_mem TO '64MB'\n" +
        "    SET \"DateStyle\" TO 'ISO, MDY'\n" +
        '    AS $$select 1$$;\n',
      'DROP FUNCTION app.f6();\n',
    ],
    [
      'attributes in pg_dump\'s order; COST only when not the default',
      fn('sec', [23, 25], {
        src: 'begin return b || a; end', language: 'plpgsql', args: "a integer, b text DEFAULT 'x'::text", identityArgs: 'a integer, b text',
        result: 'text', volatile: 's', strict: true, secdef: true, leakproof: true, cost: '5', parallel: 's',
      }),
      'sec(integer, text)',
      "CREATE FUNCTION app.sec(a integer, b text DEFAULT 'x'::text) RETURNS text\n" +
        '    LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER LEAKPROOF COST 5 PARALLEL SAFE\n' +
        '    AS $$begin return b || a; end$$;\n',
      'DROP FUNCTION app.sec(a integer, b text);\n',
    ],
    [
      'set-returning: ROWS when not 1000',
      fn('srf', [23], {
        src: 'select generate_series(1, n)', args: 'n integer', identityArgs: 'n integer', result: 'SETOF integer', retset: true,
        volatile: 'i', rows: '10', parallel: 'r',
      }),
      'srf(integer)',
      'CREATE FUNCTION app.srf(n integer) RETURNS SETOF integer\n    LANGUAGE sql IMMUTABLE ROWS 10 PARALLEL RESTRICTED\n    AS $$select generate_series(1, n)$$;\n',
      'DROP FUNCTION app.srf(n integer);\n',
    ],
    [
      'set-returning with the default 1000 rows, body containing $$',
      fn('tbl', [], {
        src: "select 1, 'x$$y'", args: 'OUT a integer, OUT b text', identityArgs: 'OUT a integer, OUT b text', result: 'SETOF record',
        retset: true, rows: '1000',
      }),
      'tbl()',
      "CREATE FUNCTION app.tbl(OUT a integer, OUT b text) RETURNS SETOF record\n    LANGUAGE sql\n    AS $_$select 1, 'x$$y'$_$;\n",
      'DROP FUNCTION app.tbl(OUT a integer, OUT b text);\n',
    ],
    [
      'SQL-standard body (14+)',
      fn('add', [23, 23], {
        sqlbody: 'RETURN (a + b)', args: 'a integer, b integer DEFAULT 1', identityArgs: 'a integer, b integer', result: 'integer', volatile: 'i',
      }),
      'add(integer, integer)',
      'CREATE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer\n    LANGUAGE sql IMMUTABLE\n    RETURN (a + b);\n',
      'DROP FUNCTION app.add(a integer, b integer);\n',
    ],
    [
      'procedure: no RETURNS, quoted name',
      fn('Proc', [23], {
        prokind: 'p', src: 'begin x := x + 1; end', language: 'plpgsql', args: 'INOUT x integer', identityArgs: 'INOUT x integer',
      }),
      'Proc(integer)',
      'CREATE PROCEDURE app."Proc"(INOUT x integer)\n    LANGUAGE plpgsql\n    AS $$begin x := x + 1; end$$;\n',
      'DROP PROCEDURE app."Proc"(INOUT x integer);\n',
    ],
  ]
  it.each(cases)('%s', (_label, f, tag, defn, drop) => {
    const [entry, ...rest] = emitFunction(emitContext(), f)
    expect(rest).toEqual([])
    expect(entry).toMatchObject({ section: 'PRE_DATA', tag, desc: f.details!.prokind === 'p' ? 'PROCEDURE' : 'FUNCTION', namespace: 'app', owner: 'postgres', defn, drop })
  })

  it('adds the comment and ACL entries pg_dump wrote after the function', () => {
    const f = fn('sec', [23, 25], {
      src: 'begin return b || a; end', language: 'plpgsql', args: "a integer, b text DEFAULT 'x'::text", identityArgs: 'a integer, b text', result: 'text',
    })
    f.dacl = { acl: '{postgres=X/postgres}', aclDefault: '{=X/postgres,postgres=X/postgres}' }
    const ctx = emitContext({ comments: new Map([[`${PG_PROC}:613519`, [{ subid: 0, text: "it's sec" }]]]) })
    const [, comment, acl] = emitFunction(ctx, f)
    expect(comment).toMatchObject({ tag: 'FUNCTION sec(a integer, b text)', desc: 'COMMENT', namespace: 'app', defn: "COMMENT ON FUNCTION app.sec(a integer, b text) IS 'it''s sec';\n" })
    expect(acl).toMatchObject({ tag: 'FUNCTION sec(a integer, b text)', desc: 'ACL', namespace: 'app', defn: 'REVOKE ALL ON FUNCTION app.sec(a integer, b text) FROM PUBLIC;\n' })
  })

  // SET search_path = E'a\\b', application_name = E'x\\y' is stored as {"search_path=\"a\\b\"","application_name=x\\y"};
  // pg_dump 15.20 with standard_conforming_strings off printed SET search_path TO 'a\\b' / SET application_name TO 'x\\y'
  it('writes SET values with doubled backslashes when standard_conforming_strings is off', () => {
    const [entry] = emitFunction(emitContext({ standardConformingStrings: false }), fn('g', [], { src: 'select 1', result: 'integer', config: ['search_path="a\\b"', 'application_name=x\\y'] }))
    expect(entry?.defn).toContain("    SET search_path TO 'a\\\\b'\n    SET application_name TO 'x\\\\y'\n")
  })

  it('writes nothing in a data-only dump', () => {
    expect(emitFunction(emitContext({ dumpSchema: false }), fn('f6', [], { src: 'select 1', result: 'integer' }))).toEqual([])
  })
})
