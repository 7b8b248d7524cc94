// Rule: grandfather-father-son. For each period kind with a count N, keep the newest backup of each of
// the N most recent periods that hold a backup (as borg, restic and Proxmox count them: a week without
// backups does not use up a weekly slot). Periods are UTC calendar days, ISO 8601 weeks, months, years.
import { newestFirst, type GfsPeriod, type GfsPolicy, type RetentionCandidate } from './policy'

const PERIODS: readonly GfsPeriod[] = ['daily', 'weekly', 'monthly', 'yearly']

/** The ids kept for each period kind. */
export function keepGfs(candidates: readonly RetentionCandidate[], gfs: GfsPolicy | undefined): Record<GfsPeriod, Set<string>> {
  const kept = { daily: new Set<string>(), weekly: new Set<string>(), monthly: new Set<string>(), yearly: new Set<string>() }
  if (!gfs) return kept
  const ordered = newestFirst(candidates)
  for (const period of PERIODS) {
    const slots = gfs[period] ?? 0
    const seen = new Set<string>()
    for (const candidate of ordered) {
      if (seen.size >= slots) break
      const key = periodKey(period, candidate.createdAt)
      if (seen.has(key)) continue
      seen.add(key)
      kept[period].add(candidate.id)
    }
  }
  return kept
}

/** The period a time falls in: `2026-03-14`, `2026-W11`, `2026-03`, `2026`. */
export function periodKey(period: GfsPeriod, at: Date): string {
  const iso = at.toISOString()
  switch (period) {
    case 'daily':
      return iso.slice(0, 10)
    case 'weekly': {
      const { year, week } = isoWeek(at)
      return `${year}-W${String(week).padStart(2, '0')}`
    }
    case 'monthly':
      return iso.slice(0, 7)
    case 'yearly':
      return iso.slice(0, 4)
  }
}

/** ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday), in UTC. */
export function isoWeek(at: Date): { year: number; week: number } {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
  const weekday = day.getUTCDay() || 7 // Monday 1 … Sunday 7
  day.setUTCDate(day.getUTCDate() + 4 - weekday) // the Thursday of this week decides the year
  const year = day.getUTCFullYear()
  const week = Math.ceil(((day.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7)
  return { year, week }
}
