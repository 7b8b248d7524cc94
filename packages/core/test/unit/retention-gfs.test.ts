// Rule gfs: the newest backup of each of the N most recent days / ISO weeks / months / years (UTC) that
// hold a backup; and the ISO 8601 week numbering it relies on.
import { describe, expect, it } from 'vitest'
import { isoWeek, keepGfs, periodKey } from '../../src/retention/gfs'
import { b, daily, ids } from './retention-fixtures'

describe('isoWeek', () => {
  // checked against Python's date.isocalendar()
  it.each([
    ['2021-01-03', 2020, 53],
    ['2021-01-04', 2021, 1],
    ['2024-12-29', 2024, 52],
    ['2024-12-30', 2025, 1],
    ['2026-01-01', 2026, 1],
    ['2026-12-31', 2026, 53],
    ['2027-01-01', 2026, 53],
    ['2016-01-03', 2015, 53],
  ] as const)('%s is %i-W%i', (day, year, week) => {
    expect(isoWeek(new Date(`${day}T00:00:00Z`))).toEqual({ year, week })
    expect(isoWeek(new Date(`${day}T23:59:59.999Z`))).toEqual({ year, week })
  })
})

describe('periodKey', () => {
  it.each([
    ['daily', '2026-03-14T23:59:59Z', '2026-03-14'],
    ['weekly', '2027-01-01T10:00:00Z', '2026-W53'],
    ['weekly', '2026-03-09T00:00:00Z', '2026-W11'],
    ['monthly', '2026-03-31T23:00:00Z', '2026-03'],
    ['yearly', '2026-12-31T23:59:59Z', '2026'],
  ] as const)('%s of %s is %s', (period, at, key) => {
    expect(periodKey(period, new Date(at))).toBe(key)
  })
})

describe('keepGfs', () => {
  it('keeps nothing without a gfs policy or with zero slots', () => {
    const history = daily('2026-03-31', 10)
    for (const policy of [undefined, {}, { daily: 0, weekly: 0, monthly: 0, yearly: 0 }]) {
      const kept = keepGfs(history, policy)
      expect([...kept.daily, ...kept.weekly, ...kept.monthly, ...kept.yearly]).toEqual([])
    }
  })

  it('daily: the newest backup of each of the last N days that have backups', () => {
    const history = [
      b('mar31-late', '2026-03-31T22:00:00Z'),
      b('mar31-early', '2026-03-31T01:00:00Z'),
      b('mar30', '2026-03-30T12:00:00Z'),
      // no backup on March 29 and 28: they use up no slot
      b('mar27-b', '2026-03-27T18:00:00Z'),
      b('mar27-a', '2026-03-27T06:00:00Z'),
      b('mar26', '2026-03-26T12:00:00Z'),
    ]
    expect(ids(keepGfs(history, { daily: 3 }).daily)).toEqual(['mar27-b', 'mar30', 'mar31-late'])
    expect(ids(keepGfs(history, { daily: 10 }).daily)).toEqual(['mar26', 'mar27-b', 'mar30', 'mar31-late'])
  })

  it('weekly: ISO weeks, Monday to Sunday, across a year boundary', () => {
    // 2026-12-28 (Mon) … 2027-01-03 (Sun) is 2026-W53; 2027-01-04 starts 2027-W01
    const history = [
      b('w01-mon', '2027-01-04T08:00:00Z'),
      b('w53-sun', '2027-01-03T20:00:00Z'),
      b('w53-fri', '2027-01-01T08:00:00Z'),
      b('w53-mon', '2026-12-28T08:00:00Z'),
      b('w52-sun', '2026-12-27T23:00:00Z'),
      b('w52-mon', '2026-12-21T08:00:00Z'),
      b('w51-sun', '2026-12-20T08:00:00Z'),
    ]
    expect(ids(keepGfs(history, { weekly: 3 }).weekly)).toEqual(['w01-mon', 'w52-sun', 'w53-sun'])
  })

  it('monthly and yearly: the newest of each month and year', () => {
    const history = [
      b('2026-03-15', '2026-03-15'),
      b('2026-03-01', '2026-03-01'),
      b('2026-01-31', '2026-01-31'),
      b('2025-12-31', '2025-12-31'),
      b('2025-06-30', '2025-06-30'),
      b('2024-12-31', '2024-12-31'),
      b('2023-01-01', '2023-01-01'),
    ]
    const kept = keepGfs(history, { monthly: 3, yearly: 3 })
    expect(ids(kept.monthly)).toEqual(['2025-12-31', '2026-01-31', '2026-03-15'])
    expect(ids(kept.yearly)).toEqual(['2024-12-31', '2025-12-31', '2026-03-15'])
  })

  it('a year of daily backups under 7 daily / 4 weekly / 12 monthly / 1 yearly', () => {
    // 2026-01-01 … 2026-12-31, one backup a day at noon
    const kept = keepGfs(daily('2026-12-31', 365), { daily: 7, weekly: 4, monthly: 12, yearly: 1 })
    expect(ids(kept.daily)).toEqual(['d2026-12-25', 'd2026-12-26', 'd2026-12-27', 'd2026-12-28', 'd2026-12-29', 'd2026-12-30', 'd2026-12-31'])
    // Sundays end the weeks: 2026-W53 is unfinished, its newest is Dec 31
    expect(ids(kept.weekly)).toEqual(['d2026-12-13', 'd2026-12-20', 'd2026-12-27', 'd2026-12-31'])
    expect(ids(kept.monthly)).toEqual([
      'd2026-01-31', 'd2026-02-28', 'd2026-03-31', 'd2026-04-30', 'd2026-05-31', 'd2026-06-30',
      'd2026-07-31', 'd2026-08-31', 'd2026-09-30', 'd2026-10-31', 'd2026-11-30', 'd2026-12-31',
    ])
    expect(ids(kept.yearly)).toEqual(['d2026-12-31'])
  })
})
