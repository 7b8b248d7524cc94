// Backups the manager would not use (with a signing key: tampered, an unknown key, unsigned while
// required; RetentionCandidate.trusted false) never stand in for trusted ones: not as the newest, the
// newest verified, the newest full, among the newest keepLast, in a gfs slot or as the newest chain. They
// are kept or deleted by the policy as any other backup, and when nothing is trusted every backup is
// decided as without signing.
import { describe, expect, it } from 'vitest'
import { decideRetention } from '../../src/retention/decide'
import type { RetentionCandidate, RetentionPolicy } from '../../src/retention/policy'
import { b } from './retention-fixtures'

const NOW = new Date('2026-03-31T12:00:00Z')
/** An untrusted backup. */
const u = (...args: Parameters<typeof b>): RetentionCandidate => ({ ...b(...args), trusted: false })
const chain = (c: RetentionCandidate, until: string | null): RetentionCandidate => ({ ...c, chain: { until: until === null ? null : new Date(until) } })

describe('decideRetention with untrusted backups', () => {
  it.each<[string, RetentionCandidate[], RetentionPolicy, Record<string, string[]>, string[]]>([
    [
      'a planted unsigned newest (with a copied verification) is neither the newest nor the newest verified: the newest signed one stays',
      [u('planted', '2026-03-31T11:00:00Z', { ok: true }), b('signed2', '2026-03-31T10:00:00Z', { ok: true }), b('signed1', '2026-03-31T09:00:00Z', { ok: true }), u('old-unsigned', '2026-03-31T08:00:00Z')],
      { maxAgeDays: 0 },
      { signed2: ['newest', 'newest-verified'] },
      ['planted', 'signed1', 'old-unsigned'],
    ],
    [
      'the newest verified is the newest trusted one that passed, past newer untrusted ones',
      [u('tampered', '2026-03-31T11:00:00Z', { ok: true }), b('failed', '2026-03-31T10:00:00Z', { ok: false }), b('good', '2026-03-31T09:00:00Z', { ok: true })],
      { maxAgeDays: 0 },
      { failed: ['newest'], good: ['newest-verified'] },
      ['tampered'],
    ],
    [
      'untrusted backups take no trusted one\'s place among the newest keepLast, and are counted over all themselves',
      [u('p2', '2026-03-31T11:00:00Z'), u('p1', '2026-03-31T10:00:00Z'), b('s2', '2026-03-30'), b('s1', '2026-03-29'), b('s0', '2026-03-28')],
      { keepLast: 2 },
      { p2: ['keep-last'], p1: ['keep-last'], s2: ['newest', 'keep-last'], s1: ['keep-last'] },
      ['s0'],
    ],
    [
      'nor the daily slot of their day',
      [u('planted', '2026-03-31T11:00:00Z'), b('today', '2026-03-31T02:00:00Z'), b('yesterday', '2026-03-30'), b('before', '2026-03-29')],
      { gfs: { daily: 2 } },
      { planted: ['daily'], today: ['newest', 'daily'], yesterday: ['daily'] },
      ['before'],
    ],
    [
      'nor the newest full backup when the newest trusted one is partial',
      [u('planted-full', '2026-03-31T11:00:00Z'), b('sel', '2026-03-31T10:00:00Z', { partial: true }), b('full', '2026-03-31T09:00:00Z')],
      { maxAgeDays: 0 },
      { sel: ['newest'], full: ['newest'] },
      ['planted-full'],
    ],
    [
      'untrusted backups age out by the policy like any other, pins included',
      [u('young', '2026-03-30'), b('s', '2026-03-29'), u('old', '2026-01-01'), u('pinned', '2025-01-01', { pinned: true })],
      { maxAgeDays: 7 },
      { young: ['max-age'], s: ['newest', 'max-age'], pinned: ['pinned'] },
      ['old'],
    ],
    [
      'when no backup is trusted (a wrong key), the newest stays as without signing',
      [u('a', '2026-03-31T11:00:00Z'), u('b', '2026-03-31T10:00:00Z', { ok: true }), u('c', '2026-03-31T09:00:00Z')],
      { maxAgeDays: 0 },
      { a: ['newest'], b: ['newest-verified'] },
      ['c'],
    ],
    [
      'a planted newest chain base is not the chain the archiver writes to: the newest trusted chain stays',
      [chain(u('planted', '2026-03-31T11:00:00Z'), null), chain(b('base2', '2026-03-20'), '2026-03-21T00:00:00Z'), chain(b('base1', '2026-03-10'), '2026-03-11T00:00:00Z')],
      { maxAgeDays: 0 },
      { base2: ['newest', 'chain'] },
      ['planted', 'base1'],
    ],
  ])('%s', (_name, candidates, policy, keep, remove) => {
    const decision = decideRetention(candidates, policy, NOW)
    expect(Object.fromEntries(decision.keep.map((k) => [k.id, k.reasons]))).toEqual(keep)
    expect(decision.remove).toEqual(remove)
  })
})
