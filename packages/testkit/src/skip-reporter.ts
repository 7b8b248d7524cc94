// Skip accounting for `pnpm test`: a Vitest reporter, listed in the root config beside the default one,
// that prints every skipped test with its reason at the end of the run. Under CI=true it fails the run
// when a skipped test is not on the allow-list (allowed-skips.ts), so a green CI run cannot hide tests
// that did not run. The reason is the note of `ctx.skip(reason)` (see skip-when.ts for the convention).
import { relative } from 'node:path'
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node'
import { ALLOWED_SKIPS, type AllowedSkip } from './allowed-skips'

/** One skipped test, as the accounting sees it. */
export interface SkippedTest {
  /** The test file, relative to the run's root, with `/` separators. */
  file: string
  /** Describe titles and the test title, joined with ` > ` as Vitest prints them. */
  test: string
  /** The note of `ctx.skip(reason)`; undefined for a skip decided at collection (`.skip`, `skipIf`, `todo`). */
  reason: string | undefined
}

export interface SkipAccount {
  /** Every skip, each with the allow-list entry that covers it (or none). */
  skips: { skip: SkippedTest; allowed: AllowedSkip | undefined }[]
  /** The skips no entry covers. */
  unlisted: SkippedTest[]
  /** What to print: one line per skip and a closing verdict. */
  lines: string[]
  /** Whether the run must fail: enforced (CI) and at least one skip is unlisted. */
  fail: boolean
}

export interface SkipReporterOptions {
  /** The allow-list. @default ALLOWED_SKIPS */
  allowed?: readonly AllowedSkip[]
  /** Fail the run on an unlisted skip. @default process.env.CI is set to something other than "" or "false" */
  enforce?: boolean
}

/** Whether an entry covers a skip: same file, and the test's full name or a describe title leading to it. */
export function covers(entry: AllowedSkip, skip: SkippedTest): boolean {
  return entry.file === skip.file && (skip.test === entry.test || skip.test.startsWith(`${entry.test} > `))
}

/** The accounting itself, apart from Vitest: which skips are allowed, what to print, whether to fail. */
export function accountSkips(skipped: readonly SkippedTest[], allowed: readonly AllowedSkip[], enforce: boolean): SkipAccount {
  const skips = skipped.map((skip) => ({ skip, allowed: allowed.find((entry) => covers(entry, skip)) }))
  const unlisted = skips.filter((s) => !s.allowed).map((s) => s.skip)
  const lines: string[] = []
  if (skips.length === 0) {
    lines.push('Skipped tests: none')
  } else {
    lines.push(`Skipped tests: ${skips.length} (${skips.length - unlisted.length} on the allow-list, ${unlisted.length} not)`)
    for (const { skip, allowed: entry } of skips) {
      const reason = skip.reason ?? 'no reason given (skipped at collection: use ctx.skip(reason))'
      lines.push(`  ${entry ? 'allowed' : 'SKIPPED'}  ${skip.file} > ${skip.test}`)
      lines.push(`           reason: ${reason}`)
      if (entry) lines.push(`           allowed because: ${entry.why}`)
    }
  }
  const fail = enforce && unlisted.length > 0
  if (fail) {
    lines.push(`CI: ${unlisted.length} skipped test(s) not on the allow-list (packages/testkit/src/allowed-skips.ts): provide what they need, or list them with the reason they may skip`)
  } else if (unlisted.length > 0) {
    lines.push('(under CI=true these skips fail the run: they are not on packages/testkit/src/allowed-skips.ts)')
  }
  return { skips, unlisted, lines, fail }
}

/** The skipped tests of finished test modules, with paths relative to `root`. */
export function collectSkips(modules: readonly TestModule[], root: string): SkippedTest[] {
  const skipped: SkippedTest[] = []
  for (const module of modules) {
    for (const test of module.children.allTests('skipped')) skipped.push(skippedTest(test, root))
  }
  return skipped.sort((a, b) => a.file.localeCompare(b.file) || a.test.localeCompare(b.test))
}

export default class SkipReporter implements Reporter {
  private root = process.cwd()
  private namePattern = false
  private readonly allowed: readonly AllowedSkip[]
  private readonly enforce: boolean

  constructor(options: SkipReporterOptions = {}) {
    this.allowed = options.allowed ?? ALLOWED_SKIPS
    this.enforce = options.enforce ?? ciIsSet(process.env.CI)
  }

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root
    this.namePattern = vitest.config.testNamePattern !== undefined
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let skipped = collectSkips(modules, this.root)
    // With -t, the tests the pattern leaves out are skipped too; they are not skips of their own.
    if (this.namePattern) skipped = skipped.filter((s) => s.reason !== undefined)
    const account = accountSkips(skipped, this.allowed, this.enforce)
    process.stdout.write(`\n${account.lines.join('\n')}\n`)
    if (account.fail) process.exitCode = 1
  }
}

// --- internal ---

function skippedTest(test: TestCase, root: string): SkippedTest {
  const result = test.result()
  return {
    file: relative(root, test.module.moduleId).split('\\').join('/'),
    test: test.fullName,
    reason: result.state === 'skipped' ? result.note : undefined,
  }
}

function ciIsSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}
