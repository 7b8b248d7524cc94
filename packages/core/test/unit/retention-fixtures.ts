// Backups as the retention rules see them, written compactly for the tables of the retention tests.
import type { RetentionCandidate } from '../../src/retention/policy'

/** `b('a', '2026-03-14T02:00Z')`, `b('p', '2026-01-01', { pinned: true })`, `b('v', '…', { ok: true })`, `b('s', '…', { partial: true })`. */
export function b(id: string, at: string, extra: { pinned?: boolean; ok?: boolean; partial?: boolean } = {}): RetentionCandidate {
  const createdAt = new Date(at.length === 10 ? `${at}T12:00:00Z` : at)
  if (Number.isNaN(createdAt.getTime())) throw new Error(`bad time ${at}`)
  return {
    id,
    createdAt,
    pinned: extra.pinned ?? false,
    verified: extra.ok === undefined ? null : { at: new Date(createdAt.getTime() + 60_000), ok: extra.ok },
    ...(extra.partial === undefined ? {} : { partial: extra.partial }),
  }
}

/** One backup a day at noon UTC, `days` days up to and including `last`, named `d<yyyy-mm-dd>`. */
export function daily(last: string, days: number): RetentionCandidate[] {
  const end = new Date(`${last}T12:00:00Z`).getTime()
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(end - i * 86_400_000).toISOString().slice(0, 10)
    return b(`d${day}`, day)
  })
}

export const ids = (set: Iterable<string>): string[] => [...set].sort()
