// Rule max-age: keep every backup at most maxAgeDays old; the boundary is kept; a future date is young.
import { describe, expect, it } from 'vitest'
import { keepWithinMaxAge } from '../../src/retention/max-age'
import { b, ids } from './retention-fixtures'

const NOW = new Date('2026-03-31T12:00:00Z')
const backups = [
  b('now', '2026-03-31T12:00:00Z'),
  b('future', '2026-04-02T00:00:00Z'),
  b('29d', '2026-03-02T12:00:00Z'),
  b('30d', '2026-03-01T12:00:00Z'), // exactly 30 days
  b('30d+1ms', '2026-03-01T11:59:59.999Z'),
  b('31d', '2026-02-28T12:00:00Z'),
  b('1y', '2025-03-31T12:00:00Z'),
]

describe('keepWithinMaxAge', () => {
  it.each([
    ['no rule keeps nothing', undefined, []],
    ['30 days keeps the boundary', 30, ['29d', '30d', 'future', 'now']],
    ['29 days', 29, ['29d', 'future', 'now']],
    ['0 days keeps only what is not older than now', 0, ['future', 'now']],
    ['400 days keeps all', 400, ['1y', '29d', '30d', '30d+1ms', '31d', 'future', 'now']],
  ] as const)('%s', (_label, days, expected) => {
    expect(ids(keepWithinMaxAge(backups, days, NOW))).toEqual([...expected].sort())
  })

  it('keeps nothing of an empty history', () => {
    expect(keepWithinMaxAge([], 30, NOW).size).toBe(0)
  })
})
