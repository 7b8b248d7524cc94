// Parsers for values in PostgreSQL's text output. Inputs are what PostgreSQL 15.20 printed, e.g.
//   SELECT ARRAY['a','b c','d"e','f\g',NULL,'NULL','',' lead','x,y','{br}','null']::text[]
//   -> {a,"b c","d\"e","f\\g",NULL,"NULL",""," lead","x,y","{br}","null"}
import { describe, expect, it } from 'vitest'
import { bigint, bool, int, intList, strings, textArray } from '../../src/session/pg-text'

describe('textArray', () => {
  const cases: [string | null | undefined, (string | null)[]][] = [
    [
      '{a,"b c","d\\"e","f\\\\g",NULL,"NULL",""," lead","x,y","{br}","null"}',
      ['a', 'b c', 'd"e', 'f\\g', null, 'NULL', '', ' lead', 'x,y', '{br}', 'null'],
    ],
    ['{}', []],
    ['{NULL}', [null]],
    ['{é,日本,"a\\"\\"b"}', ['é', '日本', 'a""b']],
    // aclitem[] text: elements with quoted role names come back with their own double quotes
    ['{postgres=arwdDxt/postgres,"\\"Pgk Weird\\"=a*r*/postgres"}', ['postgres=arwdDxt/postgres', '"Pgk Weird"=a*r*/postgres']],
    // reloptions text
    ['{fillfactor=80,"opt=a b"}', ['fillfactor=80', 'opt=a b']],
    [null, []],
    [undefined, []],
    ['', []],
  ]
  it.each(cases)('%j', (input, expected) => {
    expect(textArray(input)).toEqual(expected)
  })

  it.each(['abc', '{unterminated', 'a,b}'])('rejects %j', (input) => {
    expect(() => textArray(input)).toThrow(TypeError)
  })
})

describe('strings', () => {
  it('reads NULL elements as empty strings', () => {
    expect(strings('{a,NULL,"NULL"}')).toEqual(['a', '', 'NULL'])
  })
})

describe('intList', () => {
  // SELECT '1 2 3'::int2vector, '{5,6}'::oid[], ''::oidvector  ->  1 2 3 | {5,6} | (empty)
  it.each([
    ['1 2 3', [1, 2, 3]],
    ['{5,6}', [5, 6]],
    ['', []],
    ['{}', []],
    [null, []],
    ['-1 0 4294967295', [-1, 0, 4294967295]],
  ])('%j', (input, expected) => {
    expect(intList(input)).toEqual(expected)
  })
})

describe('bool', () => {
  // boolean output is t / f
  it.each([
    ['t', true],
    ['true', true],
    ['f', false],
    ['false', false],
    [null, false],
    [undefined, false],
  ])('%j -> %s', (input, expected) => {
    expect(bool(input)).toBe(expected)
  })
})

describe('int', () => {
  it.each([
    ['42', 42],
    ['-7', -7],
    ['0.5', 0.5],
    ['', 0],
    [null, 0],
  ])('%j -> %d', (input, expected) => {
    expect(int(input)).toBe(expected)
  })

  it('rejects text that is not a number', () => {
    expect(() => int('abc')).toThrow(TypeError)
    expect(() => int('Infinity')).toThrow(TypeError)
  })
})

describe('bigint', () => {
  it('keeps every digit of int8 values', () => {
    expect(bigint('9223372036854775807')).toBe(9223372036854775807n)
    expect(bigint('-9223372036854775808')).toBe(-9223372036854775808n)
    expect(bigint('')).toBe(0n)
    expect(bigint(null)).toBe(0n)
  })
})
