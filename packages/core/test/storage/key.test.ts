// The key rules every driver shares, and key order.
import { describe, expect, it } from 'vitest'
import { compareKeys, isValidKey, validateKey, validatePrefix } from '../../src/storage/key'
import { INVALID_KEYS, ORDERED_KEYS } from './conformance'

describe('storage keys', () => {
  it('accepts relative paths with dots, spaces and any script inside their names', () => {
    for (const key of ['a', 'backups/2026/kostman-backup-2026-11-26-1764140000000.sql.gz', '.hidden', 'a/..b', 'v1..2/x', 'with space/ü 漢字', 'x'.repeat(1024), 'é'.repeat(512)]) {
      expect(() => validateKey(key), key).not.toThrow()
    }
  })

  it('refuses empty, absolute, climbing, dotted, doubled, trailing-slash, backslash, NUL and over-long keys', () => {
    for (const key of INVALID_KEYS) {
      expect(isValidKey(key), JSON.stringify(key)).toBe(false)
      expect(() => validateKey(key)).toThrow(expect.objectContaining({ code: 'STORAGE_INVALID', message: expect.stringContaining(JSON.stringify(key)) }))
    }
  })

  it('accepts prefixes that end inside a name, and refuses those whose folders break the rules', () => {
    for (const prefix of ['', 'a', 'a/', 'backups/2026-1', 'a/.', 'a/..', 'a/..b']) expect(() => validatePrefix(prefix), prefix).not.toThrow()
    for (const prefix of ['/', '/a', '../', 'a/../', './', 'a//', 'a\\b', 'a\0']) {
      expect(() => validatePrefix(prefix), prefix).toThrow(expect.objectContaining({ code: 'STORAGE_INVALID' }))
    }
  })

  it('orders keys by their UTF-8 bytes, not by UTF-16 code units', () => {
    expect([...ORDERED_KEYS].reverse().sort(compareKeys)).toEqual(ORDERED_KEYS)
    // U+FF5E sorts after the surrogate pair of U+1F600 in UTF-16, before its UTF-8 bytes
    expect('\u{FF5E}' < '\u{1F600}').toBe(false)
    expect(compareKeys('\u{FF5E}', '\u{1F600}')).toBeLessThan(0)
  })
})
