// A dump of the 13 server restores into 18 and a dump of the 18 server restores into 15, for the
// fixtures whose features both versions have (fixturesFor(13): every file with min-major ≤ 13).
// Across majors the catalog facts legitimately differ (18 keeps NOT NULL constraints in pg_constraint,
// 14+ make a multirange type for every range type, …), so what is compared is what must be equal: the
// rows of every table, sequence positions, large objects (compareDatabases' `data:`, `sequences:` and
// `large objects:` lines), and the set of schemas, relations, functions and types by schema and name.
//
// MAINTAIN (17+): 10-security.sql revokes DELETE, TRUNCATE on fx_sec.salaries from its owner, so on 18
// the owner's remaining privileges include MAINTAIN. With targetVersion 15 the dump leaves it out; without,
// restore() leaves it out of the GRANT on a server older than 17 and says so in summary.skipped.
import { readFile, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { compareDatabases, createDatabase, startEmbeddedServer, type EmbeddedServer, type TestDatabase } from '@pgkeep/testkit'
import { fixturesFor, loadFixtures } from '@pgkeep/testkit/fixtures'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { restore } from '../../src/index'
import { dumpToFile } from '../helpers/dump-to-file'
import { userObjects } from './user-objects'

interface ServerRef {
  url: string
  major: number
}

const pgDefault = inject('pgDefault')
const pgServers = inject('pgServers')
const ownServers: EmbeddedServer[] = []
/** The fixture files every major from 13 loads. */
const common = fixturesFor(13).map((f) => f.name)

let v13: ServerRef
let v15: ServerRef
let v18: ServerRef
let source13: TestDatabase
let source18: TestDatabase

async function serverOf(major: 13 | 15 | 18, preferDefault: boolean): Promise<ServerRef> {
  if (preferDefault && pgDefault.major === major) return pgDefault
  const listed = pgServers[major]
  if (listed) return listed
  if (pgDefault.major === major) return pgDefault
  const started = await startEmbeddedServer({ major })
  ownServers.push(started)
  return { url: started.url, major }
}

beforeAll(async () => {
  ;[v13, v15, v18] = await Promise.all([serverOf(13, false), serverOf(15, true), serverOf(18, false)])
  expect([v13.major, v15.major, v18.major]).toEqual([13, 15, 18])
  // the cluster-wide roles the fixtures own objects as and grant to, on every server (names [] → roles only)
  await Promise.all([v15, v18].map((s) => loadFixtures(s.url, [], { major: s.major })))
  source13 = await createDatabase(v13.url, { prefix: 'xv_src13' })
  source18 = await createDatabase(v18.url, { prefix: 'xv_src18' })
  const [loaded13, loaded18] = await Promise.all([
    loadFixtures(source13.url, common, { major: 13 }),
    loadFixtures(source18.url, common, { major: 18 }),
  ])
  expect(loaded13.map((f) => f.name)).toEqual(common)
  expect(loaded18.map((f) => f.name)).toEqual(common)
}, 300_000)

afterAll(async () => {
  await Promise.allSettled([source13?.drop(), source18?.drop()])
  await Promise.allSettled(ownServers.map((s) => s.stop()))
}, 120_000)

/** Rows, sequences, large objects and the user objects by schema and name are the same in both. */
async function expectSameContent(sourceUrl: string, copyUrl: string): Promise<void> {
  const result = await compareDatabases(sourceUrl, copyUrl)
  const mustMatch = result.differences.filter((d) => /^(data|sequences|large objects):/.test(d))
  expect(mustMatch).toEqual([])
  // compareDatabases made one check per table; the corpus has well over 50
  expect(result.checks).toBeGreaterThan(50)
  const [a, b] = await Promise.all([userObjects(sourceUrl), userObjects(copyUrl)])
  expect(a.length).toBeGreaterThan(200)
  expect(b).toEqual(a)
}

describe('restore() across PostgreSQL majors', () => {
  it('restores a dump of the 13 server into 18', async () => {
    const { file, summary: dumped } = await dumpToFile({ connection: source13.url })
    expect(dumped.serverVersion).toMatch(/^13\./)
    const copy = await createDatabase(v18.url, { prefix: 'xv_13to18' })
    try {
      const summary = await restore(file, { target: copy.url })
      expect(summary.serverVersion).toMatch(/^18\./)
      expect(summary.skipped).toEqual([])
      expect(summary.tables.length).toBe(dumped.tables.length)
      await expectSameContent(source13.url, copy.url)
    } finally {
      await copy.drop()
      await rm(dirname(file), { recursive: true, force: true })
    }
  })

  it('restores a dump of the 18 server made for 15 (targetVersion) into 15', async () => {
    const { file, summary: dumped } = await dumpToFile({ connection: source18.url, targetVersion: 15 })
    expect(dumped.serverVersion).toMatch(/^18\./)
    const text = await readFile(file, 'utf8')
    expect(text).not.toContain('transaction_timeout')
    expect(text).not.toContain('MAINTAIN')
    const copy = await createDatabase(v15.url, { prefix: 'xv_18to15' })
    try {
      const summary = await restore(file, { target: copy.url })
      expect(summary.serverVersion).toMatch(/^15\./)
      expect(summary.skipped).toEqual([])
      expect(summary.tables.length).toBe(dumped.tables.length)
      await expectSameContent(source18.url, copy.url)
    } finally {
      await copy.drop()
      await rm(dirname(file), { recursive: true, force: true })
    }
  })

  it('restores a dump of the 18 server made without targetVersion into 15, skipping SET transaction_timeout', async () => {
    const { file } = await dumpToFile({ connection: source18.url })
    expect(await readFile(file, 'utf8')).toContain('\nSET transaction_timeout = 0;\n')
    const copy = await createDatabase(v15.url, { prefix: 'xv_18to15_nt' })
    try {
      const summary = await restore(file, { target: copy.url })
      const timeouts = summary.skipped.filter((s) => s.includes('transaction_timeout'))
      expect(timeouts.length).toBeGreaterThan(0)
      for (const note of timeouts) expect(note).toMatch(/^line \d+: SET transaction_timeout = 0; \(PostgreSQL 15 does not have it\)$/)
      expect(summary.skipped.some((s) => /^line \d+: MAINTAIN in GRANT .* ON TABLE fx_sec\.salaries TO pgkeep_fx_owner; \(PostgreSQL 15 does not have it\)$/.test(s))).toBe(true)
      await expectSameContent(source18.url, copy.url)
    } finally {
      await copy.drop()
      await rm(dirname(file), { recursive: true, force: true })
    }
  })
})
