// -t / -n name patterns as pg_dump interprets them (processSQLNamePattern → patternToSQLRegex with
// force_escape = false). The regexes expected below are the ones psql 15.20 put into its catalog
// query for `\dt <pattern>` (psql -E), which goes through the same function with up to three
// dotted parts as pg_dump's -t; error messages are pg_dump 15.20's.
import { describe, expect, it } from 'vitest'
import { isPgkeepError } from '../../src/errors'
import { databasePart, parseNamePattern } from '../../src/select/pattern'

describe('parseNamePattern: unqualified table patterns', () => {
  const cases: [string, string][] = [
    ['foo', '^(foo)$'],
    // unquoted letters fold to lower case; quoted ones keep their case
    ['Foo', '^(foo)$'],
    ['FOO', '^(foo)$'],
    ['"Foo"', '^(Foo)$'],
    ['"FOO"bar', '^(FOObar)$'],
    ['Ab"Cd"Ef', '^(abCdef)$'],
    ['a"b"c', '^(abc)$'],
    // only ASCII letters fold
    ['ÉCOLE', '^(École)$'],
    // shell wildcards
    ['f*', '^(f.*)$'],
    ['f?o', '^(f.o)$'],
    ['*', '^(.*)$'],
    // inside quotes the wildcards are literal characters
    ['"*"', '^(\\*)$'],
    ['"?"', '^(\\?)$'],
    // a doubled quote inside quotes is one literal quote
    ['"a""b"', '^(a"b)$'],
    ['"a""b"c', '^(a"bc)$'],
    // $ is always literal, quoted or not
    ['a$b', '^(a\\$b)$'],
    ['"a$b"', '^(a\\$b)$'],
    // other regex metacharacters pass through outside quotes ...
    ['a|b', '^(a|b)$'],
    ['a+b', '^(a+b)$'],
    ['(a|b)c', '^((a|b)c)$'],
    ['^foo', '^(^foo)$'],
    ['{1}', '^({1})$'],
    ['t[x]', '^(t[x])$'],
    // ... except "[]", which is escaped (an array type name, not a bracket expression)
    ['t[]', '^(t\\[])$'],
    // and inside quotes every one of them is escaped
    ['"a|b"', '^(a\\|b)$'],
    ['"a+b"', '^(a\\+b)$'],
    ['"^foo"', '^(\\^foo)$'],
    ['"x{1}"', '^(x\\{1\\})$'],
    ['"t[]"', '^(t\\[\\])$'],
    ['"a.b"', '^(a\\.b)$'],
    ['"foo\\d"', '^(foo\\\\d)$'],
  ]
  it.each(cases)('%s -> %s', (pattern, name) => {
    expect(parseNamePattern(pattern, 'table')).toEqual({ schema: null, name, source: pattern })
  })
})

describe('parseNamePattern: qualified table patterns', () => {
  const cases: [string, string, string][] = [
    ['public.foo', '^(public)$', '^(foo)$'],
    ['Public.Foo', '^(public)$', '^(foo)$'],
    ['*.foo', '^(.*)$', '^(foo)$'],
    ['public.*', '^(public)$', '^(.*)$'],
    ['"My.Schema"."T$1"', '^(My\\.Schema)$', '^(T\\$1)$'],
    // an empty part matches only the empty string, so nothing (pg_dump 15.20: "no matching tables")
    ['.foo', '^()$', '^(foo)$'],
    ['foo.', '^(foo)$', '^()$'],
    // db.schema.table: the regexes are the last two parts
    ['pgk_oracle.public.foo', '^(public)$', '^(foo)$'],
    ['PGK_ORACLE.Public.FOO', '^(public)$', '^(foo)$'],
  ]
  it.each(cases)('%s -> schema %s, name %s', (pattern, schema, name) => {
    expect(parseNamePattern(pattern, 'table')).toEqual({ schema, name, source: pattern })
  })

  it('rejects more than two dots with pg_dump\'s message', () => {
    const err = catchError(() => parseNamePattern('a.b.c.d', 'table'))
    expect(isPgkeepError(err, 'OPTIONS_INVALID')).toBe(true)
    expect((err as Error).message).toBe('improper relation name (too many dotted names): a.b.c.d')
  })

  it('does not count dots inside quotes', () => {
    expect(parseNamePattern('"a.b"."c.d"', 'table')).toEqual({ schema: '^(a\\.b)$', name: '^(c\\.d)$', source: '"a.b"."c.d"' })
    expect(() => parseNamePattern('"a.b.c.d"', 'table')).not.toThrow()
  })
})

describe('parseNamePattern: schema patterns', () => {
  const cases: [string, string][] = [
    ['public', '^(public)$'],
    ['PUBLIC', '^(public)$'],
    ['"My.Schema"', '^(My\\.Schema)$'],
    ['app_*', '^(app_.*)$'],
    ['"App"?', '^(App.)$'],
  ]
  it.each(cases)('%s -> %s', (pattern, name) => {
    expect(parseNamePattern(pattern, 'schema')).toEqual({ schema: null, name, source: pattern })
  })

  it('rejects two or more dots with pg_dump\'s message', () => {
    const err = catchError(() => parseNamePattern('a.b.c', 'schema'))
    expect(isPgkeepError(err, 'OPTIONS_INVALID')).toBe(true)
    expect((err as Error).message).toBe('improper qualified name (too many dotted names): a.b.c')
  })
})

describe('databasePart', () => {
  const cases: [string, 'table' | 'schema', string | null][] = [
    ['pgk_oracle.public.foo', 'table', 'pgk_oracle'],
    ['public.foo', 'table', null],
    ['foo', 'table', null],
    ['"x.y".foo', 'table', null],
    ['db.public', 'schema', 'db'],
    ['public', 'schema', null],
    ['"a.b"', 'schema', null],
  ]
  it.each(cases)('%s (%s) -> %j', (pattern, what, expected) => {
    expect(databasePart(pattern, what)).toBe(expected)
  })

  // pg_dump compares the database part to the current database after the same folding as the other
  // parts (patternToSQLRegex's left_literal: unquoted letters lower-cased, quotes removed, "" -> ").
  // pg_dump 15.20 dumps `-t PGK_ORACLE.public.FOO` from database pgk_oracle, and rejects
  // `-t '"PGK_ORACLE".public.foo'` with "cross-database references are not implemented".
  it.each([
    ['PGK_ORACLE.public.FOO', 'table', 'pgk_oracle'],
    ['"PGK_ORACLE".public.foo', 'table', 'PGK_ORACLE'],
    ['"a""b".public.foo', 'table', 'a"b'],
    ['"My.Db".s', 'schema', 'My.Db'],
  ] as const)('folds the database part of %s the way pg_dump compares it', (pattern, what, expected) => {
    expect(databasePart(pattern, what)).toBe(expected)
  })
})

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected an error')
}
