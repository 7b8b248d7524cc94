// The part-size plan of s3Storage: small parts for the usual backup, doubling every 1000 parts up to a
// cap, so that 10,000 parts hold at least 1 TiB and memory stays bounded by two parts of the cap.
import { describe, expect, it } from 'vitest'
import { DEFAULT_PART_BYTES, MAX_PART_BYTES, MAX_PARTS, MIN_PART_BYTES, MIN_UPLOAD_CAPACITY, planParts } from '../../src/storage/s3-part-size'
import { MiB } from './helpers'

const TiB = 1024 * 1024 * MiB

function sizes(first: number): number[] {
  const plan = planParts(first)
  return Array.from({ length: MAX_PARTS }, (_, i) => plan.partSize(i + 1))
}

describe('planParts', () => {
  it('starts at the default 8 MiB, doubles every 1000 parts and stops at 256 MiB', () => {
    const plan = planParts(DEFAULT_PART_BYTES)
    expect([1, 1000, 1001, 2001, 3001, 4001, 5001, 6001, 10_000].map((n) => plan.partSize(n) / MiB)).toEqual([8, 8, 16, 32, 64, 128, 256, 256, 256])
    expect(plan.maxPartSize).toBe(256 * MiB)
    expect(plan.capacity).toBe(1000 * 8 * MiB * (1 + 2 + 4 + 8 + 16 + 32) + 4000 * 256 * MiB)
  })

  for (const first of [MIN_PART_BYTES, DEFAULT_PART_BYTES, 7 * MiB + 3, 100 * MiB, 1024 * MiB, MAX_PART_BYTES]) {
    it(`holds at least 1 TiB in 10,000 parts, never shrinking, within S3's limits (first part ${(first / MiB).toFixed(1)} MiB)`, () => {
      const all = sizes(first)
      const total = all.reduce((sum, size) => sum + size, 0)
      expect(total).toBeGreaterThanOrEqual(MIN_UPLOAD_CAPACITY)
      expect(total).toBe(planParts(first).capacity)
      expect(all[0]).toBe(first)
      expect(all.every((size, i) => i === 0 || size >= all[i - 1]!)).toBe(true)
      expect(Math.max(...all)).toBe(planParts(first).maxPartSize)
      expect(Math.max(...all)).toBeLessThanOrEqual(MAX_PART_BYTES)
      expect(Math.min(...all)).toBeGreaterThanOrEqual(MIN_PART_BYTES)
    })
  }

  it('caps at the smallest doubling that reaches 1 TiB: one less would not', () => {
    for (const first of [MIN_PART_BYTES, DEFAULT_PART_BYTES, 50 * MiB]) {
      const plan = planParts(first)
      const halfCap = sizes(first).map((size) => Math.min(size, plan.maxPartSize / 2))
      expect(halfCap.reduce((sum, size) => sum + size, 0)).toBeLessThan(TiB)
    }
  })
})
