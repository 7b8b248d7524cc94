// server_version_num / server_version as servers report them (SHOW server_version_num on PostgreSQL
// 15.20 gives 150020, on 18.4 gives 180004; 9.6.24 gave 90624), and the supported range 13 to 18.
import { describe, expect, it } from 'vitest'
import { isPgkeepError } from '../../src/errors'
import { assertSupported, atLeast, MAX_SUPPORTED_MAJOR, MIN_SUPPORTED_MAJOR, parseServerVersion } from '../../src/session/server-version'

describe('parseServerVersion', () => {
  const cases: [string, string, number, number][] = [
    ['150020', '15.20 (Debian 15.20-0+deb12u1)', 150020, 15],
    ['180004', '18.4', 180004, 18],
    ['130023', '13.23', 130023, 13],
    ['100000', '10.0', 100000, 10],
    ['190000', '19devel', 190000, 19],
  ]
  it.each(cases)('%s (%s) -> major %i', (num, text, n, major) => {
    expect(parseServerVersion(num, text)).toEqual({ num: n, major, text })
  })

  it.each([
    ['90624', '9.6.24'],
    ['', ''],
    ['abc', 'abc'],
    ['150020.5', '15.20'],
  ])('rejects %j', (num, text) => {
    let err: unknown
    try {
      parseServerVersion(num, text)
    } catch (e) {
      err = e
    }
    expect(isPgkeepError(err, 'SERVER_VERSION_UNSUPPORTED')).toBe(true)
  })
})

describe('assertSupported', () => {
  it('supports 13 to 18', () => {
    expect([MIN_SUPPORTED_MAJOR, MAX_SUPPORTED_MAJOR]).toEqual([13, 18])
    for (const major of [13, 14, 15, 16, 17, 18]) {
      expect(() => assertSupported(parseServerVersion(`${major}0001`, `${major}.1`))).not.toThrow()
    }
  })

  it.each([
    ['120022', '12.22', 'use a pg_dump'],
    ['190000', '19beta1', 'upgrade pgkeep'],
  ])('refuses %s with a hint', (num, text, hint) => {
    let err: unknown
    try {
      assertSupported(parseServerVersion(num, text))
    } catch (e) {
      err = e
    }
    expect(isPgkeepError(err, 'SERVER_VERSION_UNSUPPORTED')).toBe(true)
    expect((err as Error).message).toContain(text)
    expect((err as { hint?: string }).hint).toContain(hint)
  })
})

describe('atLeast', () => {
  const v = (num: number) => parseServerVersion(String(num), '')
  it.each([
    [170000, 17, true],
    [170006, 17, true],
    [169999, 17, false],
    [160010, 17, false],
    [180004, 14, true],
    [130023, 14, false],
  ])('%i at least %i: %s', (num, major, expected) => {
    expect(atLeast(v(num), major)).toBe(expected)
  })
})
