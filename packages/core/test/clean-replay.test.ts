// A --clean dump replays over its own restore, on every test server, for the fixture corpus and pagila:
// with --if-exists into an empty database and then twice more over itself; without it, twice over a restore
// of the plain dump. Each time the result is the source again. (pg_dump 15's own scripts fail there: a
// partition's inherited primary key dropped on its own, the dummy-view replacement in a schema that does not
// exist yet, the I/O functions a base type's DROP TYPE … CASCADE already took.)
import { assertSameDatabase, createDatabase, pagilaFixture, restoreWithPsql, runPsql, type TestDatabase } from '@pgkeep/testkit'
import { loadFixtures } from '@pgkeep/testkit/fixtures'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { dumpToFile, testServers } from './helpers/dump-to-file'

const servers = testServers(inject('pgDefault'), inject('pgServers'))

/** Dumps `source` with and without --clean, and replays both the way a --clean dump is meant to be used. */
async function replayClean(serverUrl: string, source: TestDatabase): Promise<void> {
  const plain = await dumpToFile({ connection: source.url })
  const clean = await dumpToFile({ connection: source.url, clean: true })
  const cleanIfExists = await dumpToFile({ connection: source.url, clean: true, ifExists: true })
  for (const { file } of [plain, clean, cleanIfExists]) expect(file).toBeTruthy()

  const empty = await createDatabase(serverUrl, { prefix: 'replay_ifexists' })
  try {
    for (let round = 1; round <= 3; round++) {
      await restoreWithPsql(empty.url, { file: cleanIfExists.file }).catch((error: Error) => {
        throw new Error(`--clean --if-exists, round ${round}: ${error.message}`, { cause: error })
      })
    }
    await assertSameDatabase(source.url, empty.url)
  } finally {
    await empty.drop()
  }

  const restored = await createDatabase(serverUrl, { prefix: 'replay_clean' })
  try {
    await restoreWithPsql(restored.url, { file: plain.file })
    for (let round = 1; round <= 2; round++) {
      await restoreWithPsql(restored.url, { file: clean.file }).catch((error: Error) => {
        throw new Error(`--clean over the restored dump, round ${round}: ${error.message}`, { cause: error })
      })
    }
    await assertSameDatabase(source.url, restored.url)
  } finally {
    await restored.drop()
  }
}

describe.each(servers)('--clean replays over its own restore on PostgreSQL $major', ({ url, major }) => {
  const sources: TestDatabase[] = []
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.drop()))
  })

  it('the fixture corpus', { timeout: 600_000 }, async () => {
    const source = await createDatabase(url, { prefix: 'replay_fx' })
    sources.push(source)
    expect((await loadFixtures(source.url, undefined, { major })).length).toBeGreaterThan(10)
    await replayClean(url, source)
  })

  it('pagila', { timeout: 600_000 }, async (ctx) => {
    const pagila = pagilaFixture()
    ctx.skip(pagila === undefined, 'pagila is not in ../shared/fixtures/pagila')
    const source = await createDatabase(url, { prefix: 'replay_pagila' })
    sources.push(source)
    await runPsql(source.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila!.schema])
    await runPsql(source.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila!.data])
    await replayClean(url, source)
  })
})
