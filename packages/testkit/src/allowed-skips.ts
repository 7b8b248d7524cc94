// The skips a CI run may have (read by skip-reporter.ts): each entry names a test file and a test (or a
// describe, covering every test in it) and says why that test may skip. Anything else that skips under
// CI=true fails the run: a missing prerequisite is for CI to provide, not for this list to excuse.

export interface AllowedSkip {
  /** The test file, relative to the repository root. */
  file: string
  /** The test's full name as Vitest prints it (describe titles and test title joined with ` > `), or a describe's. */
  test: string
  /** Why it may skip in CI. */
  why: string
}

export const ALLOWED_SKIPS: readonly AllowedSkip[] = [
  {
    file: 'packages/core/test/storage/fs.test.ts',
    test: 'fsStorage > names the key when it may not write to the directory',
    why: 'root may write to any directory, so the permission error cannot happen when the tests run as root (CI may)',
  },
  {
    file: 'packages/core/test/restore/split-script.bench.test.ts',
    test: 'throughput (PGKEEP_SPLIT_BENCH=1)',
    why: 'an opt-in benchmark (200 MB through the splitter); it measures speed and checks nothing the other splitter tests do not',
  },
]
