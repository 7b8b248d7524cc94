// The fidelity promise: a pgkeep dump restored with psql gives the same database (schema text where the
// local pg_dump can read the server, catalog facts, rows, sequences, large objects), on every test major.
import { readFile } from 'node:fs/promises'
import { createDatabase, pagilaFixture, restoreWithPsql, assertSameDatabase, runPsql } from '@pgkeep/testkit'
import { loadFixtures } from '@pgkeep/testkit/fixtures'
import { noPagila } from '@pgkeep/testkit/skip-reasons'
import { describe, expect, inject, it } from 'vitest'
import { dumpToFile, testServers } from './helpers/dump-to-file'

const servers = testServers(inject('pgDefault'), inject('pgServers'))

describe.each(servers)('round trip on PostgreSQL $major', ({ url, major }) => {
  it('restores the fixture corpus exactly, from the same script with jobs 1 and jobs 4', async () => {
    const source = await createDatabase(url, { prefix: 'rt_fixtures' })
    const copy = await createDatabase(url, { prefix: 'rt_fixtures_copy' })
    try {
      const loaded = await loadFixtures(source.url, undefined, { major })
      expect(loaded.length).toBeGreaterThan(10)
      const { file, summary } = await dumpToFile({ connection: source.url, jobs: 4, restrictKey: 'roundtrip' })
      expect(summary.warnings).toEqual([])
      expect(summary.tables.length).toBeGreaterThan(50)
      // Worker sessions change how the rows are read, not one byte of what is written.
      const serial = await dumpToFile({ connection: source.url, jobs: 1, restrictKey: 'roundtrip' })
      expect(serial.summary.tables).toEqual(summary.tables)
      expect(await readFile(file, 'utf8') === await readFile(serial.file, 'utf8'), 'jobs 4 wrote another script than jobs 1').toBe(true)
      await restoreWithPsql(copy.url, { file })
      const result = await assertSameDatabase(source.url, copy.url)
      expect(result.checks).toBeGreaterThan(100)
    } finally {
      await copy.drop()
      await source.drop()
    }
  }, 180_000)

  it('restores pagila exactly', async (ctx) => {
    const missing = noPagila()
    ctx.skip(missing !== undefined, missing)
    const pagila = pagilaFixture()!
    const source = await createDatabase(url, { prefix: 'rt_pagila' })
    const copy = await createDatabase(url, { prefix: 'rt_pagila_copy' })
    try {
      await runPsql(source.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.schema])
      await runPsql(source.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.data])
      const { file, summary } = await dumpToFile({ connection: source.url })
      expect(summary.tables.find((t) => t.name === 'rental')?.rows).toBe(16044)
      const text = await readFile(file, 'utf8')
      expect(text.startsWith('--\n-- PostgreSQL database dump\n--\n')).toBe(true)
      expect(text.trimEnd().endsWith('\\unrestrict ' + /\\restrict (\w+)/.exec(text)![1])).toBe(true)
      await restoreWithPsql(copy.url, { file })
      await assertSameDatabase(source.url, copy.url)
    } finally {
      await copy.drop()
      await source.drop()
    }
  })
})
