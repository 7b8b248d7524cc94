import { describe, expect, it } from 'vitest'
import { decideRetention } from '../../src/retention/decide'
import type { RetentionCandidate } from '../../src/retention/policy'
import { b } from './retention-fixtures'

const chain = (c: RetentionCandidate, until: string | null): RetentionCandidate => ({ ...c, chain: { until: until === null ? null : new Date(until) } })
const now = new Date('2026-06-30T12:00:00Z')

describe('retention of change archive chains', () => {
  it('keeps an old base whose chain reaches into the max-age window, and removes one whose chain ends before it', () => {
    const candidates = [
      chain(b('a', '2026-05-01'), '2026-05-20T00:00:00Z'), // ends before the window (from May 31 noon)
      chain(b('b', '2026-05-21'), '2026-06-02T00:00:00Z'), // reaches into it
      chain(b('c', '2026-06-02'), '2026-06-30T11:00:00Z'),
      b('p', '2026-05-25'),
    ]
    const decision = decideRetention(candidates, { maxAgeDays: 30 }, now)
    expect(decision.keep).toEqual([{ id: 'c', reasons: ['newest', 'max-age', 'chain'] }, { id: 'b', reasons: ['chain'] }])
    expect(decision.remove).toEqual(['p', 'a'])
  })

  it('keeps the newest chain (the one the archiver writes to) whatever the policy, even with no segment yet', () => {
    const candidates = [chain(b('old', '2026-06-01'), '2026-06-10T00:00:00Z'), chain(b('current', '2026-06-10'), null), b('plain', '2026-06-29')]
    const decision = decideRetention(candidates, { keepLast: 1 }, now)
    expect(decision.keep).toEqual([{ id: 'plain', reasons: ['newest', 'keep-last'] }, { id: 'current', reasons: ['chain'] }])
    expect(decision.remove).toEqual(['old'])
  })

  it('backups without a chain are decided as before', () => {
    const candidates = [b('x', '2026-06-29'), b('y', '2026-04-01')]
    expect(decideRetention(candidates, { maxAgeDays: 30 }, now).remove).toEqual(['y'])
  })
})
