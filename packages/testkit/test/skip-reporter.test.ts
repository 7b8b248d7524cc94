// The skip reporter: the accounting on hand-made skips (which entry covers which skip, when the run
// fails), then Vitest itself run on a tiny project in a temporary folder, with and without CI=true and
// with and without the skip on the allow-list: the exit code and the printed list are the evidence.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AllowedSkip } from '../src/allowed-skips'
import { ALLOWED_SKIPS } from '../src/allowed-skips'
import { accountSkips, covers, type SkippedTest } from '../src/skip-reporter'

const REPORTER = join(dirname(fileURLToPath(import.meta.url)), '../src/skip-reporter.ts')
const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

const benchSkip: SkippedTest = { file: 'a/bench.test.ts', test: 'throughput > 200 MB', reason: 'opt-in' }
const pagilaSkip: SkippedTest = { file: 'a/pagila.test.ts', test: 'restores pagila', reason: 'pagila is not there' }
const benchEntry: AllowedSkip = { file: 'a/bench.test.ts', test: 'throughput', why: 'a benchmark' }

describe('accountSkips', () => {
  it('an entry covers its test, or every test under its describe, in its file only', () => {
    expect(covers(benchEntry, benchSkip)).toBe(true)
    expect(covers({ ...benchEntry, test: 'throughput > 200 MB' }, benchSkip)).toBe(true)
    expect(covers({ ...benchEntry, file: 'b/bench.test.ts' }, benchSkip)).toBe(false)
    // a title that merely starts with the entry's is another test
    expect(covers({ ...benchEntry, test: 'through' }, benchSkip)).toBe(false)
    expect(covers(benchEntry, { ...benchSkip, test: 'throughput of another kind' })).toBe(false)
  })

  it('fails under CI on an unlisted skip, and lists every skip with its reason', () => {
    const account = accountSkips([benchSkip, pagilaSkip], [benchEntry], true)
    expect(account.fail).toBe(true)
    expect(account.unlisted).toEqual([pagilaSkip])
    const text = account.lines.join('\n')
    expect(text).toContain('Skipped tests: 2 (1 on the allow-list, 1 not)')
    expect(text).toContain('SKIPPED  a/pagila.test.ts > restores pagila\n           reason: pagila is not there')
    expect(text).toContain('allowed  a/bench.test.ts > throughput > 200 MB\n           reason: opt-in\n           allowed because: a benchmark')
    expect(text).toMatch(/CI: 1 skipped test\(s\) not on the allow-list/)
  })

  it('passes under CI when every skip is listed, and outside CI whatever skips', () => {
    expect(accountSkips([benchSkip], [benchEntry], true).fail).toBe(false)
    const local = accountSkips([benchSkip, pagilaSkip], [benchEntry], false)
    expect(local.fail).toBe(false)
    expect(local.lines.at(-1)).toMatch(/under CI=true these skips fail the run/)
    expect(accountSkips([], [benchEntry], true)).toMatchObject({ fail: false, lines: ['Skipped tests: none'] })
  })

  it('names a skip without a reason as such', () => {
    const text = accountSkips([{ ...pagilaSkip, reason: undefined }], [], false).lines.join('\n')
    expect(text).toContain('reason: no reason given (skipped at collection: use ctx.skip(reason))')
  })

  it('the repository\'s allow-list is short, and every entry says why', () => {
    expect(ALLOWED_SKIPS.length).toBeLessThanOrEqual(5)
    for (const entry of ALLOWED_SKIPS) {
      expect(entry.file).toMatch(/^packages\/[^/]+\/test\/.+\.test\.ts$/)
      expect(entry.why.length).toBeGreaterThan(20)
    }
  })
})

describe('the reporter in a Vitest run', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgkeep-skips-'))
    await writeFile(join(dir, 'sample.test.js'), [
      "test('runs', () => { expect(1 + 1).toBe(2) })",
      "test('needs a widget', (ctx) => { ctx.skip(true, 'no widget on this machine'); throw new Error('not reached') })",
      '',
    ].join('\n'))
  })
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Runs Vitest on the sample with the reporter given `allowed`; the exit code and stdout. */
  async function run(allowed: AllowedSkip[], ci: boolean): Promise<{ code: number | null; stdout: string }> {
    const config = { test: { globals: true, include: ['*.test.js'], reporters: ['default', [REPORTER, { allowed }]] } }
    await writeFile(join(dir, 'vitest.config.mjs'), `export default ${JSON.stringify(config)}\n`)
    const env: NodeJS.ProcessEnv = {}
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'CI' && k !== 'TEST') env[k] = v
    if (ci) env.CI = 'true'
    const child = spawn(process.execPath, [VITEST, 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t))
    child.stderr.resume()
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    return { code, stdout }
  }

  const entry: AllowedSkip = { file: 'sample.test.js', test: 'needs a widget', why: 'the sample has no widget, on purpose' }

  it('fails a CI run on a skip that is not on the allow-list, naming it and its reason', async () => {
    const { code, stdout } = await run([], true)
    expect(stdout).toContain('Skipped tests: 1 (0 on the allow-list, 1 not)')
    expect(stdout).toContain('SKIPPED  sample.test.js > needs a widget\n           reason: no widget on this machine')
    expect(stdout).toMatch(/CI: 1 skipped test\(s\) not on the allow-list/)
    expect(code).toBe(1)
  }, 60_000)

  it('passes a CI run when the skip is listed', async () => {
    const { code, stdout } = await run([entry], true)
    expect(stdout).toContain('allowed  sample.test.js > needs a widget')
    expect(stdout).toContain('allowed because: the sample has no widget, on purpose')
    expect(code).toBe(0)
  }, 60_000)

  it('lists the unlisted skip but passes outside CI', async () => {
    const { code, stdout } = await run([], false)
    expect(stdout).toContain('SKIPPED  sample.test.js > needs a widget')
    expect(code).toBe(0)
  }, 60_000)
})
