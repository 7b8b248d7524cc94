// The combinator: kept when any rule keeps it, with every reason; never the newest backup, nor the
// newest verified-ok one; everything else deleted. And the options that feed it.
import { describe, expect, it } from 'vitest'
import { isPgkeepError } from '../../src/errors'
import { decideRetention } from '../../src/retention/decide'
import type { RetentionPolicy } from '../../src/retention/policy'
import { resolveCleanupOptions, RetentionPolicySchema } from '../../src/retention/retention-options'
import { b, daily } from './retention-fixtures'

const NOW = new Date('2026-03-31T12:00:00Z')

describe('decideRetention', () => {
  it.each<[string, ReturnType<typeof b>[], RetentionPolicy, Record<string, string[]>, string[]]>([
    ['empty history', [], { maxAgeDays: 30 }, {}, []],
    [
      'max age 30: the old go, the young stay',
      [b('new', '2026-03-30'), b('mid', '2026-03-02'), b('old', '2026-02-01'), b('older', '2026-01-01')],
      { maxAgeDays: 30 },
      { new: ['newest', 'max-age'], mid: ['max-age'] },
      ['old', 'older'],
    ],
    [
      'everything older than the max age: the newest stays',
      [b('a', '2025-12-01'), b('b', '2025-12-02'), b('c', '2025-12-03')],
      { maxAgeDays: 30 },
      { c: ['newest'] },
      ['b', 'a'],
    ],
    [
      'pinned survive any age',
      [b('new', '2026-03-30'), b('pin', '2024-01-01', { pinned: true }), b('old', '2025-01-01')],
      { maxAgeDays: 30 },
      { new: ['newest', 'max-age'], pin: ['pinned'] },
      ['old'],
    ],
    [
      'the newest verified-ok backup survives when newer ones failed or were never verified',
      [b('new', '2026-03-30', { ok: false }), b('unverified', '2026-03-29'), b('good', '2025-01-02', { ok: true }), b('good-older', '2025-01-01', { ok: true })],
      { keepLast: 1 },
      { new: ['newest', 'keep-last'], good: ['newest-verified'] },
      ['unverified', 'good-older'],
    ],
    [
      'any rule keeps: max age or keep-last or gfs',
      [b('d0', '2026-03-31'), b('d45', '2026-02-14'), b('d60', '2026-01-30'), b('d61', '2026-01-29'), b('d400', '2025-02-24')],
      { maxAgeDays: 30, keepLast: 2, gfs: { monthly: 3 } },
      { d0: ['newest', 'max-age', 'keep-last', 'monthly'], d45: ['keep-last', 'monthly'], d60: ['monthly'] },
      ['d61', 'd400'],
    ],
    [
      'daysToKeep 0 (as maxAgeDays 0): only the guarantees stay',
      [b('x', '2026-03-31T11:00:00Z', { ok: false }), b('y', '2026-03-31T10:00:00Z', { ok: true }), b('z', '2026-03-31T09:00:00Z')],
      { maxAgeDays: 0 },
      { x: ['newest'], y: ['newest-verified'] },
      ['z'],
    ],
    [
      'a partial newest backup does not stand in for a full one: the newest full stays too (newest)',
      [b('sel', '2026-03-31T11:00:00Z', { partial: true }), b('full2', '2026-03-31T10:00:00Z', { partial: false }), b('full1', '2026-03-31T09:00:00Z')],
      { maxAgeDays: 0 },
      { sel: ['newest'], full2: ['newest'] },
      ['full1'],
    ],
    [
      'several partial backups after the full ones: the newest full is found behind them',
      [b('sel2', '2026-03-31T11:00:00Z', { partial: true }), b('sel1', '2026-03-31T10:00:00Z', { partial: true }), b('full', '2026-03-31T09:00:00Z'), b('full0', '2026-03-31T08:00:00Z')],
      { keepLast: 1 },
      { sel2: ['newest', 'keep-last'], full: ['newest'] },
      ['sel1', 'full0'],
    ],
    [
      'only partial backups: the newest stays, as before',
      [b('s2', '2026-03-31T11:00:00Z', { partial: true }), b('s1', '2026-03-31T10:00:00Z', { partial: true })],
      { maxAgeDays: 0 },
      { s2: ['newest'] },
      ['s1'],
    ],
    [
      'a partial verified backup does not stand in for a full verified one (newest-verified)',
      [b('new', '2026-03-31T11:00:00Z', { ok: false }), b('sel-ok', '2026-03-31T10:00:00Z', { ok: true, partial: true }), b('full-ok', '2026-03-31T09:00:00Z', { ok: true }), b('full-ok-older', '2026-03-31T08:00:00Z', { ok: true })],
      { maxAgeDays: 0 },
      { new: ['newest'], 'sel-ok': ['newest-verified'], 'full-ok': ['newest-verified'] },
      ['full-ok-older'],
    ],
  ])('%s', (_label, backups, policy, kept, removed) => {
    const decision = decideRetention(backups, policy, NOW)
    expect(Object.fromEntries(decision.keep.map((k) => [k.id, k.reasons]))).toEqual(kept)
    expect(decision.remove).toEqual(removed)
    // every backup is decided exactly once, newest first
    expect([...decision.keep.map((k) => k.id), ...decision.remove].sort()).toEqual(backups.map((x) => x.id).sort())
  })

  it('35 days of daily backups under the default 30 days: the 31 newest stay (the 30-day boundary included)', () => {
    const history = daily('2026-03-31', 35) // 2026-02-25 … 2026-03-31, noon
    const decision = decideRetention(history, { maxAgeDays: 30 }, NOW)
    expect(decision.keep).toHaveLength(31)
    expect(decision.keep.at(-1)!.id).toBe('d2026-03-01')
    expect(decision.remove).toEqual(['d2026-02-28', 'd2026-02-27', 'd2026-02-26', 'd2026-02-25'])
  })
})

describe('retention options', () => {
  it.each([
    [{ maxAgeDays: 30 }, true],
    [{ keepLast: 0 }, true],
    [{ gfs: { weekly: 4 } }, true],
    [{}, false],
    [{ gfs: {} }, false],
    [{ maxAgeDays: -1 }, false],
    [{ maxAgeDays: 1.5 }, false],
    [{ keepLast: 3, bogus: 1 }, false],
    [{ gfs: { hourly: 3 } }, false],
  ])('%j valid: %s', (policy, valid) => {
    expect(RetentionPolicySchema.safeParse(policy).success).toBe(valid)
  })

  it('cleanup options: daysToKeep a whole number of days, dryRun false unless asked', () => {
    expect(resolveCleanupOptions(undefined)).toEqual({ dryRun: false })
    expect(resolveCleanupOptions({ daysToKeep: 7, dryRun: true, actor: 3 })).toEqual({ daysToKeep: 7, dryRun: true, actor: 3 })
    for (const bad of [{ daysToKeep: -2 }, { daysToKeep: '7' }, { dryRun: 'yes' }, { force: true }]) {
      let error: unknown
      try {
        resolveCleanupOptions(bad)
      } catch (e) {
        error = e
      }
      expect(isPgkeepError(error, 'OPTIONS_INVALID'), JSON.stringify(bad)).toBe(true)
    }
  })
})
