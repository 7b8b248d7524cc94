// WITH (...) lists from reloptions arrays, as appendReloptionsArray (string_utils.c) writes them: names
// through fmtId, values bare only when fmtId would leave them unchanged, otherwise string literals.
// The arrays are pg_class.reloptions as PostgreSQL 15.20 stored them; the lists are what pg_dump 15.20
// printed for those relations.
import { describe, expect, it } from 'vitest'
import { formatReloptions, nonEmptyReloptions } from '../../src/emit/reloptions'

describe('formatReloptions', () => {
  const cases: [string, string, boolean, string][] = [
    // CREATE TABLE t(...) WITH (fillfactor=80, autovacuum_enabled=false, autovacuum_vacuum_scale_factor=0.2, parallel_workers=4)
    [
      '{fillfactor=80,autovacuum_enabled=false,autovacuum_vacuum_scale_factor=0.2,parallel_workers=4}',
      '',
      true,
      "fillfactor='80', autovacuum_enabled='false', autovacuum_vacuum_scale_factor='0.2', parallel_workers='4'",
    ],
    // CREATE INDEX … WITH (fillfactor=70, deduplicate_items=off): "off" is no keyword, so it stays bare
    ['{fillfactor=70,deduplicate_items=off}', '', true, "fillfactor='70', deduplicate_items=off"],
    // CREATE VIEW … WITH (security_barrier=true): "true" is a reserved keyword, so it is quoted
    ['{security_barrier=true}', '', true, "security_barrier='true'"],
    // TOAST options get the prefix on every name
    ['{autovacuum_enabled=off,fillfactor=90}', 'toast.', true, "toast.autovacuum_enabled=off, toast.fillfactor='90'"],
    // values needing quoting: quotes doubled, backslashes doubled only without standard_conforming_strings
    ['{"opt=it\'s"}', '', true, "opt='it''s'"],
    ['{"opt=a\\\\b"}', '', true, "opt='a\\b'"],
    ['{"opt=a\\\\b"}', '', false, "opt='a\\\\b'"],
    ['{opt=Mixed}', '', true, "opt='Mixed'"],
    ['{opt=plain_word}', '', true, 'opt=plain_word'],
    // a missing "=" is an empty value, and an empty value is quoted
    ['{opt}', '', true, "opt=''"],
    ['{opt=}', '', true, "opt=''"],
    // names are identifiers
    ['{"Weird Name=1"}', '', true, "\"Weird Name\"='1'"],
    // only the first "=" separates name from value
    ['{"opt=a=b"}', '', true, "opt='a=b'"],
  ]
  it.each(cases)('%s (prefix %j, standard_conforming_strings %s)', (reloptions, prefix, std, expected) => {
    expect(formatReloptions(reloptions, prefix, std)).toBe(expected)
  })
})

describe('nonEmptyReloptions', () => {
  it.each([
    [null, false],
    [undefined, false],
    ['', false],
    ['{}', false],
    ['{fillfactor=80}', true],
  ])('%j -> %s', (value, expected) => {
    expect(nonEmptyReloptions(value)).toBe(expected)
  })
})
