// Rule pinned: a pinned backup is kept, however old.
import { describe, expect, it } from 'vitest'
import { keepPinned } from '../../src/retention/pinned'
import { b, ids } from './retention-fixtures'

describe('keepPinned', () => {
  it.each([
    ['none pinned', [b('a', '2020-01-01'), b('b', '2026-01-01')], []],
    ['an old one pinned', [b('a', '2020-01-01', { pinned: true }), b('b', '2026-01-01')], ['a']],
    ['all pinned', [b('a', '2020-01-01', { pinned: true }), b('b', '2026-01-01', { pinned: true })], ['a', 'b']],
    ['empty history', [], []],
  ] as const)('%s', (_label, backups, expected) => {
    expect(ids(keepPinned(backups))).toEqual(expected)
  })
})
