// The tests that bound a process's peak memory (RSS, or the Buffers alive at once). Their bounds were
// measured on an otherwise idle machine; run beside the other test files on 2 cores, V8's concurrent
// collector threads get less CPU and freed memory returns later, and a backup that peaks at 149–155 MB
// alone once measured 171 MB in the full run. So they run one file at a time, in a group of their own
// (group order 1): after the projects that run in parallel (group 0), and before those that run one
// file at a time anyway (nuxt), which vitest puts in a last group.
import { defineProject } from 'vitest/config'

export const MEMORY_TESTS = [
  'test/backup/backup-memory.test.ts',
  'test/logical/large-transaction.test.ts',
  'test/restore-api/memory-bound.test.ts',
  'test/storage/s3-memory.test.ts',
]

export default defineProject({
  test: {
    name: 'core-memory',
    include: MEMORY_TESTS,
    fileParallelism: false,
    sequence: { groupOrder: 1 },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
