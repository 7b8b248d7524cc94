// Quoting as pg_dump writes it (fmtId, fmtQualifiedId, appendStringLiteral, appendStringLiteralDQ,
// appendByteaLiteral, sanitize_line). Expected values come from PostgreSQL 18.4's quote_ident()
// (same rules and keyword list as pg_dump 18's fmtId) and from pg_dump 15.20 output of scratch
// databases with standard_conforming_strings on and off.
import { describe, expect, it } from 'vitest'
import { quoteBytea, quoteDollar, quoteIdent, quoteLiteral, quoteQualified, sanitizeCommentLine } from '../../src/emit/quote'

describe('quoteIdent', () => {
  // Left: the raw name; right: `SELECT quote_ident(name)` on PostgreSQL 18.4.
  const cases: [string, string][] = [
    ['abc', 'abc'],
    ['a1', 'a1'],
    ['x1_2', 'x1_2'],
    ['_x', '_x'],
    ['x_', 'x_'],
    // upper case anywhere forces quotes (the name would fold otherwise)
    ['Abc', '"Abc"'],
    ['ABC', '"ABC"'],
    ['abC', '"abC"'],
    // digits and $ are fine after the first character for the lexer, but fmtId only lets [a-z0-9_] through
    ['1a', '"1a"'],
    ['$1', '"$1"'],
    ['a$b', '"a$b"'],
    ['a b', '"a b"'],
    ['a-b', '"a-b"'],
    ['foo.bar', '"foo.bar"'],
    // embedded double quotes are doubled
    ['a"b', '"a""b"'],
    ['"', '""""'],
    ['a""b', '"a""""b"'],
    ['', '""'],
    // non-ASCII letters always force quotes
    ['straße', '"straße"'],
    ['é', '"é"'],
    ['café', '"café"'],
    ['日本', '"日本"'],
    // reserved, col_name and type_func_name keywords are quoted ...
    ['select', '"select"'],
    ['user', '"user"'],
    ['table', '"table"'],
    ['order', '"order"'],
    ['all', '"all"'],
    ['cast', '"cast"'],
    ['left', '"left"'],
    ['outer', '"outer"'],
    ['is', '"is"'],
    ['do', '"do"'],
    ['end', '"end"'],
    ['int', '"int"'],
    ['integer', '"integer"'],
    ['bigint', '"bigint"'],
    ['time', '"time"'],
    ['values', '"values"'],
    ['precision', '"precision"'],
    ['overlaps', '"overlaps"'],
    ['between', '"between"'],
    ['none', '"none"'],
    ['setof', '"setof"'],
    ['inout', '"inout"'],
    ['out', '"out"'],
    ['analyse', '"analyse"'],
    ['verbose', '"verbose"'],
    ['freeze', '"freeze"'],
    ['ilike', '"ilike"'],
    ['current_role', '"current_role"'],
    ['session_user', '"session_user"'],
    ['xmlelement', '"xmlelement"'],
    ['xmltable', '"xmltable"'],
    // ... including the ones that PostgreSQL 15 still treats as identifiers (quote_ident on 15.20 leaves
    // these bare); quoting them keeps a dump restorable into 16, 17 and 18
    ['json', '"json"'],
    ['json_table', '"json_table"'],
    ['system_user', '"system_user"'],
    ['merge_action', '"merge_action"'],
    // ... while unreserved keywords and non-keywords stay bare
    ['name', 'name'],
    ['text', 'text'],
    ['abort', 'abort'],
    ['recheck', 'recheck'],
  ]
  it.each(cases)('%j -> %s', (raw, quoted) => {
    expect(quoteIdent(raw)).toBe(quoted)
  })
})

describe('quoteQualified', () => {
  const cases: [string | null | undefined, string, string][] = [
    ['public', 'foo', 'public.foo'],
    ['Sch', 'Tbl', '"Sch"."Tbl"'],
    ['Sch', 'with"quote', '"Sch"."with""quote"'],
    ['My.Schema', 'T$1', '"My.Schema"."T$1"'],
    ['user', 'order', '"user"."order"'],
    [null, 'foo', 'foo'],
    [undefined, 'Foo', '"Foo"'],
  ]
  it.each(cases)('%j . %j -> %s', (schema, name, expected) => {
    expect(quoteQualified(schema, name)).toBe(expected)
  })
})

describe('quoteLiteral', () => {
  // pg_dump 15.20 printed `COMMENT ON TABLE public.t IS <literal>` for the comment
  //   it's a \ back\\slash and "dq"
  // as the first literal with standard_conforming_strings = on and as the second with it off.
  const comment = 'it\'s a \\ back\\\\slash and "dq"'
  const cases: [string, boolean, string][] = [
    [comment, true, "'it''s a \\ back\\\\slash and \"dq\"'"],
    [comment, false, "'it''s a \\\\ back\\\\\\\\slash and \"dq\"'"],
    ['', true, "''"],
    ['', false, "''"],
    ["''", true, "''''''"],
    ['plain', false, "'plain'"],
    ['日本 é', true, "'日本 é'"],
    // no E'' prefix, even when backslashes are doubled
    ['\\', false, "'\\\\'"],
    ['a\nb', true, "'a\nb'"],
  ]
  it.each(cases)('%j (standard_conforming_strings %s) -> %s', (value, std, expected) => {
    expect(quoteLiteral(value, std)).toBe(expected)
  })

  it('assumes standard_conforming_strings = on by default', () => {
    expect(quoteLiteral('a\\b')).toBe("'a\\b'")
  })
})

describe('quoteDollar', () => {
  // Function bodies as pg_dump 15.20 printed them (AS <quoted>), plus the delimiter sequence of
  // appendStringLiteralDQ: `$`, then suffix characters from "_XXXXXXX" (cycling) until the delimiter
  // without its closing `$` does not occur in the body.
  const cases: [string, string][] = [
    ["select 'plain'", "$$select 'plain'$$"],
    ['select 1', '$$select 1$$'],
    ['select $1', '$_$select $1$_$'],
    ["select 'a$$b'", "$_$select 'a$$b'$_$"],
    ["select '$'", "$_$select '$'$_$"],
    ["select '$_$ and $$'", "$_X$select '$_$ and $$'$_X$"],
    ["select 'x$_'", "$_X$select 'x$_'$_X$"],
    // a body ending in `$` must not be closed by a `$$` that merges with it
    ['a$', '$_$a$$_$'],
    ['$_X', '$_XX$$_X$_XX$'],
    ['$_XXXXXXX', '$_XXXXXXX_$$_XXXXXXX$_XXXXXXX_$'],
    ['', '$$$$'],
  ]
  it.each(cases)('%j -> %s', (body, expected) => {
    expect(quoteDollar(body)).toBe(expected)
  })

  const prefixed: [string, string, string][] = [
    ['select 1', 'BODY', '$BODY$select 1$BODY$'],
    ['x $BODY$ y', 'BODY', '$BODY_$x $BODY$ y$BODY_$'],
    ['x $BODY y', 'BODY', '$BODY_$x $BODY y$BODY_$'],
    // only `$` + prefix has to be absent, a plain `$` in the body does not matter
    ['select $1', 'BODY', '$BODY$select $1$BODY$'],
  ]
  it.each(prefixed)('%j with prefix %s -> %s', (body, prefix, expected) => {
    expect(quoteDollar(body, prefix)).toBe(expected)
  })
})

describe('quoteBytea', () => {
  // pg_dump 15.20 wrote `SELECT pg_catalog.lowrite(0, <literal>)` for the bytes 00 ff 27 5c 41 as the
  // first literal with standard_conforming_strings = on and the second with it off.
  const bytes = Uint8Array.from([0x00, 0xff, 0x27, 0x5c, 0x41])
  it.each([
    [true, "'\\x00ff275c41'"],
    [false, "'\\\\x00ff275c41'"],
  ])('standard_conforming_strings %s -> %s', (std, expected) => {
    expect(quoteBytea(bytes, std)).toBe(expected)
  })

  it('uses lower-case hex digits and handles empty input', () => {
    expect(quoteBytea(Uint8Array.from([0xab, 0xcd, 0xef]))).toBe("'\\xabcdef'")
    expect(quoteBytea(new Uint8Array(0))).toBe("'\\x'")
  })
})

describe('sanitizeCommentLine', () => {
  // sanitize_line() turns every CR and LF into a space; pg_dump 15.20 printed a table named
  // "line1<LF>line2\r" (with a literal backslash-r) as `-- Name: line1 line2\r; Type: TABLE; …`.
  const cases: [string, string][] = [
    ['line1\nline2\\r', 'line1 line2\\r'],
    ['a\r\nb', 'a  b'],
    ['\n\n', '  '],
    ['a\rb', 'a b'],
    ['no newline', 'no newline'],
    ['tab\tstays', 'tab\tstays'],
  ]
  it.each(cases)('%j -> %j', (input, expected) => {
    expect(sanitizeCommentLine(input)).toBe(expected)
  })
})
