// Rule keep-last: the newest N backups by creation time, whatever order they come in.
import { describe, expect, it } from 'vitest'
import { keepLastN } from '../../src/retention/keep-last'
import { b, ids } from './retention-fixtures'

const backups = [
  b('b', '2026-03-02'),
  b('d', '2026-03-04'),
  b('a', '2026-03-01'),
  b('c', '2026-03-03'),
  b('e', '2026-03-05'),
]

describe('keepLastN', () => {
  it.each([
    ['no rule', undefined, []],
    ['0', 0, []],
    ['1', 1, ['e']],
    ['3 (input not in order)', 3, ['c', 'd', 'e']],
    ['5', 5, ['a', 'b', 'c', 'd', 'e']],
    ['more than there are', 10, ['a', 'b', 'c', 'd', 'e']],
  ] as const)('%s', (_label, n, expected) => {
    expect(ids(keepLastN(backups, n))).toEqual(expected)
  })

  it('breaks a tie of equal times by id, the same way every time', () => {
    const tied = [b('x1', '2026-03-01T00:00:00Z'), b('x2', '2026-03-01T00:00:00Z')]
    expect(ids(keepLastN(tied, 1))).toEqual(['x2'])
    expect(ids(keepLastN([...tied].reverse(), 1))).toEqual(['x2'])
  })
})
