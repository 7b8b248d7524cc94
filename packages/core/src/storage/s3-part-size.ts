// Part sizes of s3Storage's multipart uploads. A body's length is unknown, so the parts start small
// (little memory for the usual backup) and double every 1000 parts up to a cap: the smallest doubling of
// the first size for which S3's 10,000 parts hold at least 1 TiB. Memory is bounded by two parts (one
// filling, one uploading), so by 2 × cap: 16 MiB for the first 7.8 GiB with the default 8 MiB, at most
// 512 MiB (256 MiB parts) at the 1.46 TiB the default allows in all.

const MiB = 1024 * 1024
const GiB = 1024 * MiB

/** S3's smallest part (all but the last). */
export const MIN_PART_BYTES = 5 * MiB
/** S3's largest part. */
export const MAX_PART_BYTES = 5 * GiB
/** S3's most parts in one upload. */
export const MAX_PARTS = 10_000
/** @default part size of s3Storage */
export const DEFAULT_PART_BYTES = 8 * MiB
/** The part size doubles after every this many parts. */
export const PARTS_PER_DOUBLING = 1000
/** What 10,000 parts must hold at least. */
export const MIN_UPLOAD_CAPACITY = 1024 * GiB

export interface PartPlan {
  /** Size of part `partNumber` (from 1); every part but the last has exactly this size. */
  partSize(partNumber: number): number
  /** The largest part: the memory bound is twice this. */
  maxPartSize: number
  /** The largest object the plan can upload (10,000 parts). */
  capacity: number
}

/** `firstPartSize` must lie within [MIN_PART_BYTES, MAX_PART_BYTES] (checked by the options). */
export function planParts(firstPartSize: number): PartPlan {
  let doublings = 0
  while (capacity(firstPartSize, doublings) < MIN_UPLOAD_CAPACITY && sizeAt(firstPartSize, doublings) < MAX_PART_BYTES) doublings++
  return {
    partSize: (partNumber) => sizeAt(firstPartSize, Math.min(Math.floor((partNumber - 1) / PARTS_PER_DOUBLING), doublings)),
    maxPartSize: sizeAt(firstPartSize, doublings),
    capacity: capacity(firstPartSize, doublings),
  }
}

// --- internal ---

function sizeAt(first: number, doublings: number): number {
  return Math.min(first * 2 ** doublings, MAX_PART_BYTES)
}

function capacity(first: number, maxDoublings: number): number {
  let total = 0
  for (let step = 0; step < MAX_PARTS / PARTS_PER_DOUBLING; step++) total += PARTS_PER_DOUBLING * sizeAt(first, Math.min(step, maxDoublings))
  return total
}
