// pgkeep's dump options against pg_dump's: every case of pg-dump-option-cases.ts runs the local pg_dump
// and the library's dump() with the same meaning on the same database (all of test/fixtures loaded into
// one database, and pagila), and asserts that the two scripts are identical once the random \restrict key
// lines and the "-- Dumped by" line are dropped (with --clean, after pg_dump's clean section is changed the way
// pgkeep's departs from it on purpose: clean-section.ts), and that pgkeep's script restores with psql as the
// case's plan says (a clean dump twice over itself, where pg_dump 15's own clean script fails). Needs a local pg_dump of the server's major version (pg_dump
// refuses newer servers and writes other text for older ones); skips with the reason otherwise.
// Also: the option errors that must fail before anything is written.
import { PassThrough } from 'node:stream'
import { createDatabase, localPgDumpMajor, pagilaFixture, restoreWithPsql, runPgDump, runSql, type TestDatabase } from '@pgkeep/testkit'
import { loadFixtures } from '@pgkeep/testkit/fixtures'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dump, isPgkeepError, type DumpOptions } from '../src/index'
import { cleanTargets, pgkeepCleanSection } from './clean-section'
import { comparableLines, diffLines, formatDiff } from './dump-diff'
import { OPTION_CASES, caseTitle, type SourceDatabase } from './pg-dump-option-cases'
import { restoreByPlan, type ReferenceScripts } from './restore-plan'

const server = inject('pgDefault')
const pgDumpMajor = await localPgDumpMajor()
const skipReason = pgDumpMajor === undefined
  ? 'no pg_dump on PATH to compare with'
  : pgDumpMajor !== server.major
    ? `the local pg_dump is ${pgDumpMajor} but the test server is PostgreSQL ${server.major} (set TEST_DATABASE_URL to a server of the same major)`
    : undefined
const pagila = pagilaFixture()

/** pgkeep's script for `options` as one string. */
async function pgkeepScript(options: DumpOptions): Promise<string> {
  const chunks: Buffer[] = []
  const sink = new PassThrough()
  sink.on('data', (chunk: Buffer) => chunks.push(chunk))
  await dump(options, sink)
  return Buffer.concat(chunks).toString('utf8')
}

describe(`dump options against pg_dump ${pgDumpMajor ?? '(none)'} on PostgreSQL ${server.major}`, () => {
  const sources = new Map<SourceDatabase, { db: TestDatabase; refs: ReferenceScripts }>()

  beforeAll(async () => {
    if (skipReason) return
    const fixtures = await createDatabase(server.url, { prefix: 'optfx' })
    sources.set('fixtures', { db: fixtures, refs: referenceScripts(fixtures.url) })
    await loadFixtures(fixtures.url, undefined, { major: server.major })
    if (pagila) {
      const db = await createDatabase(server.url, { prefix: 'optpagila' })
      sources.set('pagila', { db, refs: referenceScripts(db.url) })
      await restoreWithPsql(db.url, { file: pagila.schema })
      await restoreWithPsql(db.url, { file: pagila.data })
    }
  }, 300_000)

  afterAll(async () => {
    await Promise.all([...sources.values()].map((s) => s.db.drop()))
  })

  const cases = OPTION_CASES.map((c) => [caseTitle(c), c] as const)
  it.concurrent.for(cases)('%s', { timeout: 300_000 }, async ([, c], { expect, skip }) => {
    if (skipReason) skip(skipReason)
    if (c.db === 'pagila' && !pagila) skip('pagila is not in ../shared/fixtures/pagila')
    const source = sources.get(c.db)!
    const [pgDumpScript, actual] = await Promise.all([
      runPgDump(source.db.url, c.args),
      pgkeepScript({ ...c.options, connection: source.db.url }),
    ])
    const expected = c.options.clean ? pgkeepCleanSection(pgDumpScript, actual, await cleanTargets(source.db.url)) : pgDumpScript

    const diff = diffLines(comparableLines(expected), comparableLines(actual))
    const shown = `lines differing from pg_dump's script ("-" pg_dump only, "+" pgkeep only):\n${formatDiff(diff)}\n`
    expect.soft(diff.length, shown).toBe(0)

    const restore = (script: string) => restoreByPlan(server.url, c.restore, script, source.refs).then(() => undefined, (error: Error) => error.message)
    const restoreError = await restore(actual)
    const pgDumpError = c.restore.pgDumpFails
    if (pgDumpError !== undefined) {
      const reference = await restore(pgDumpScript)
      expect.soft(reference ?? 'restored without an error', `pg_dump's own script must fail this restore with "${pgDumpError}"`).toContain(pgDumpError)
    }
    const expectedError = c.restore.failsLikePgDump
    if (expectedError !== undefined) {
      const why = `pg_dump's own script fails this restore with "${expectedError}"; pgkeep's must fail the same way`
      expect.soft(restoreError ?? 'restored without an error', why).toContain(expectedError)
    } else if (restoreError !== undefined) {
      const reference = await restore(pgDumpScript)
      const why = `pgkeep's script must restore (${c.restore.kind}); pg_dump's own script ${reference === undefined ? 'restores without an error' : `fails too: ${reference}`}`
      expect.soft(restoreError, why).toBeUndefined()
    }
  })
})

describe('dump options that must fail before writing anything', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await createDatabase(server.url, { prefix: 'opterr' })
    await runSql(db.url, 'CREATE SCHEMA app; CREATE TABLE app.items (id integer); CREATE TABLE public.notes (id integer)')
  })

  afterAll(async () => {
    await db?.drop()
  })

  /** Runs dump() and returns the error it rejects with and how many bytes reached the destination. */
  async function failure(options: Omit<DumpOptions, 'connection'>): Promise<{ error: unknown; bytes: number }> {
    let bytes = 0
    const sink = new PassThrough()
    sink.on('data', (chunk: Buffer) => (bytes += chunk.length))
    try {
      await dump({ ...options, connection: db.url }, sink)
    } catch (error) {
      return { error, bytes }
    }
    throw new Error(`dump(${JSON.stringify(options)}) succeeded; it must fail`)
  }

  const patternCases: Array<[string, Omit<DumpOptions, 'connection'>, string]> = [
    ['-t matching nothing', { tables: ['app.nomatch*'] }, 'app.nomatch*'],
    ['-t unqualified matching nothing on the search_path', { tables: ['items'] }, 'items'],
    ['-n matching nothing', { schemas: ['"App"'] }, '"App"'],
    // pg_dump fails only when no -t pattern matches at all, unless --strict-names; pgkeep is always strict
    ['one of two -t patterns matching nothing (pg_dump --strict-names)', { tables: ['app.items', 'app.gone'] }, 'app.gone'],
    ['-n matching nothing next to a -t that matches', { tables: ['public.notes'], schemas: ['nomatch_schema'] }, 'nomatch_schema'],
  ]
  it.for(patternCases)('%s: PATTERN_NO_MATCH naming the pattern', async ([, options, pattern]) => {
    const { error, bytes } = await failure(options)
    expect(isPgkeepError(error, 'PATTERN_NO_MATCH'), String(error)).toBe(true)
    expect((error as Error).message).toContain(`"${pattern}"`)
    expect(bytes).toBe(0)
  })

  const otherDatabaseCases: Array<[string, Omit<DumpOptions, 'connection'>, string, string]> = [
    ['-t', { tables: ['otherdb.app.items'] }, 'table', 'otherdb.app.items'],
    ['-n', { schemas: ['otherdb.app'] }, 'schema', 'otherdb.app'],
  ]
  it.for(otherDatabaseCases)('%s naming another database: OPTIONS_INVALID naming the pattern and both databases', async ([, options, what, pattern]) => {
    const { error, bytes } = await failure(options)
    expect(isPgkeepError(error, 'OPTIONS_INVALID'), String(error)).toBe(true)
    expect((error as Error).message).toBe(`cross-database references are not implemented: the ${what} pattern "${pattern}" names database "otherdb", and the dump reads database "${new URL(db.url).pathname.slice(1)}"`)
    expect((error as { hint?: string }).hint).toBe('leave the database part out of the pattern, or connect to database "otherdb"')
    expect(bytes).toBe(0)
  })

  const invalidCases: Array<[string, Omit<DumpOptions, 'connection'>, string[], string[]]> = [
    ['schemaOnly with dataOnly (pg_dump -s -a)', { schemaOnly: true, dataOnly: true }, ['schemaOnly', 'dataOnly'], ['-s', '-a']],
    ['ifExists without clean (pg_dump --if-exists)', { ifExists: true }, ['ifExists', 'clean'], ['--if-exists']],
    ['clean with dataOnly (pg_dump -c -a)', { clean: true, dataOnly: true }, ['clean', 'dataOnly'], ['-c', '-a']],
  ]
  it.for(invalidCases)('%s: OPTIONS_INVALID naming the fields', async ([, options, fields, pgDumpArgs], { skip }) => {
    const { error, bytes } = await failure(options)
    expect(isPgkeepError(error, 'OPTIONS_INVALID'), String(error)).toBe(true)
    for (const field of fields) expect((error as Error).message).toContain(field)
    expect(bytes).toBe(0)
    if (skipReason) skip(`pgkeep checked; pg_dump not compared: ${skipReason}`)
    await expect(runPgDump(db.url, pgDumpArgs)).rejects.toThrow(/cannot be used together|requires option/)
  })

  it('exclude patterns matching nothing are not an error (as in pg_dump)', async () => {
    const script = await pgkeepScript({ connection: db.url, schemas: ['app'], excludeSchemas: ['nomatch'], excludeTables: ['nomatch.*'], excludeTableData: ['nomatch'] })
    expect(script).toContain('CREATE TABLE app.items')
  })
})

// --- helpers ---

/** pg_dump's own scripts of a source database, each made once and only when a restore plan asks for it. */
function referenceScripts(url: string): ReferenceScripts {
  const once = (args: string[]) => {
    let script: Promise<string> | undefined
    return () => (script ??= runPgDump(url, args))
  }
  return { full: once([]), preData: once(['--section=pre-data', '-B']), postData: once(['--section=post-data', '-B']) }
}
