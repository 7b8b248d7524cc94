// restore() with jobs: the fixture corpus and pagila restore equal to the serial restore at jobs 1, 2
// and 4, from a file and from a one-pass stream (pg_dump's plain output); a failing COPY in one worker,
// a refused statement and an abort each fail the whole restore with their code and leave nothing
// behind (the created database dropped, or what the restore created in the target); singleTransaction
// and clean with jobs are refused up front.
import { readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { assertSameDatabase, createDatabase, pagilaFixture, runPgDump, runPsql, runSql, type TestDatabase } from '@pgkeep/testkit'
import { firstReason, noPagila, pgDumpNotOfMajor } from '@pgkeep/testkit/skip-reasons'
import { loadFixtures } from '@pgkeep/testkit/fixtures'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { restore } from '../../src/index'
import { dumpToFile } from '../helpers/dump-to-file'
import { failure } from '../failure'

const server = inject('pgDefault')
const pgDumpDiffers = await pgDumpNotOfMajor(server.major)
let fixtures: TestDatabase
let fixturesDump: string
let serial: TestDatabase

beforeAll(async () => {
  fixtures = await createDatabase(server.url, { prefix: 'prs_fx' })
  await loadFixtures(fixtures.url, undefined, { major: server.major })
  fixturesDump = (await dumpToFile({ connection: fixtures.url })).file
  serial = await createDatabase(server.url, { prefix: 'prs_serial' })
  await restore(fixturesDump, { target: serial.url, jobs: 1 })
}, 300_000)
afterAll(async () => {
  await serial?.drop()
  await fixtures?.drop()
})

const urlOf = (name: string) => server.url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`)

async function databaseExists(name: string): Promise<boolean> {
  const rows = await runSql(server.url, `SELECT 1 FROM pg_database WHERE datname = '${name}'`)
  return rows.length > 0
}

/** User objects of a database: relations, routines, types, schemas other than public, extensions other than plpgsql. */
async function userObjects(url: string): Promise<string[]> {
  const rows = await runSql<{ what: string }>(url, `
    SELECT format('%s %s', c.relkind, c.oid::regclass) AS what FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
    UNION ALL SELECT format('function %s', p.oid::regprocedure) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
    UNION ALL SELECT format('type %s', t.oid::regtype) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
    UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname !~ '^pg_'
    UNION ALL SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
    UNION ALL SELECT 'large object ' || oid FROM pg_largeobject_metadata`)
  return rows.map((r) => r.what).sort()
}

describe('restore() with jobs restores what the serial restore does', () => {
  for (const jobs of [1, 2, 4]) {
    it(`the fixture corpus (pgkeep's dump) with jobs ${jobs}`, async () => {
      const name = `prs_j${jobs}_${Date.now()}`
      try {
        const summary = await restore(fixturesDump, { target: server.url, createDatabase: name, jobs })
        expect(summary.tables.length).toBeGreaterThan(50)
        await assertSameDatabase(serial.url, urlOf(name))
        await assertSameDatabase(fixtures.url, urlOf(name))
        // the summary counts each table's rows as the serial restore does
        const serialSummary = await restore(fixturesDump, { target: server.url, createDatabase: `${name}_s` })
        const rows = (s: typeof summary) => s.tables.map((t) => `${t.schema}.${t.name}=${t.rows}`).sort()
        expect(rows(summary)).toEqual(rows(serialSummary))
      } finally {
        await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await runSql(server.url, `DROP DATABASE IF EXISTS ${name}_s WITH (FORCE)`)
      }
    }, 300_000)
  }

  it('pg_dump\'s plain dump of the fixtures through a one-pass stream (as stdin), jobs 2', async (ctx) => {
    ctx.skip(pgDumpDiffers !== undefined, pgDumpDiffers)
    const script = await runPgDump(fixtures.url)
    const copy = await createDatabase(server.url, { prefix: 'prs_pgd' })
    try {
      await restore(Readable.from([Buffer.from(script, 'utf8')]), { target: copy.url, jobs: 2 })
      await assertSameDatabase(fixtures.url, copy.url)
    } finally {
      await copy.drop()
    }
  }, 300_000)

  it('pg_dump\'s plain dump of pagila through a one-pass stream, jobs 2 and 4, equal to the serial restore', async (ctx) => {
    const missing = firstReason(noPagila(), pgDumpDiffers)
    ctx.skip(missing !== undefined, missing)
    const pagila = pagilaFixture()!
    const source = await createDatabase(server.url, { prefix: 'prs_pagila' })
    const copies: TestDatabase[] = []
    try {
      await runPsql(source.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.schema])
      await runPsql(source.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.data])
      const script = Buffer.from(await runPgDump(source.url), 'utf8')
      const serialCopy = await createDatabase(server.url, { prefix: 'prs_pgs' })
      copies.push(serialCopy)
      await restore(script, { target: serialCopy.url })
      for (const jobs of [2, 4]) {
        const copy = await createDatabase(server.url, { prefix: `prs_pg${jobs}` })
        copies.push(copy)
        await restore(Readable.from([script]), { target: copy.url, jobs })
        await assertSameDatabase(serialCopy.url, copy.url)
        await assertSameDatabase(source.url, copy.url)
      }
    } finally {
      for (const c of copies) await c.drop()
      await source.drop()
    }
  }, 300_000)
})

describe('a failed parallel restore leaves nothing behind', () => {
  /** The fixtures dump with one bad row in the data of the last table that has data: its COPY fails in a worker. */
  async function brokenDump(): Promise<{ script: Buffer; table: string }> {
    const text = await readFile(fixturesDump, 'utf8')
    const copies = [...text.matchAll(/^COPY (\S+) \([^)]*\) FROM stdin;\n(?!\\\.)/gm)]
    const last = copies[copies.length - 1]!
    const at = last.index + last[0].length
    return { script: Buffer.from(`${text.slice(0, at)}not\ta\tvalid\trow\tat\tall\n${text.slice(at)}`, 'utf8'), table: last[1]! }
  }

  it('a failing COPY in one worker fails the restore with RESTORE_FAILED and drops the created database', async () => {
    const { script, table } = await brokenDump()
    const name = `prs_fail_${Date.now()}`
    const error = await failure(restore(Readable.from([script]), { target: server.url, createDatabase: name, jobs: 2 }), 'RESTORE_FAILED')
    expect(error.message).toContain(`TABLE DATA ${table}`)
    expect(await databaseExists(name)).toBe(false)
  }, 300_000)

  it('without createDatabase, a failing COPY leaves the target database as empty as it was', async () => {
    const { script } = await brokenDump()
    const target = await createDatabase(server.url, { prefix: 'prs_undo' })
    try {
      const before = await userObjects(target.url)
      const error = await failure(restore(script, { target: target.url, jobs: 2 }), 'RESTORE_FAILED')
      expect(error.message).not.toMatch(/could not be dropped|failed as well/)
      expect(await userObjects(target.url)).toEqual(before)
      // and it takes the restore again
      await restore(fixturesDump, { target: target.url, jobs: 2 })
      await assertSameDatabase(fixtures.url, target.url)
    } finally {
      await target.drop()
    }
  }, 300_000)

  it('a statement strict restore refuses, late in a one-pass stream, fails with SCRIPT_REFUSED and drops what was created', async () => {
    const text = await readFile(fixturesDump, 'utf8')
    const script = `${text}\nALTER SYSTEM SET work_mem = '1GB';\n`
    const target = await createDatabase(server.url, { prefix: 'prs_refuse' })
    try {
      const before = await userObjects(target.url)
      await failure(restore(Readable.from([Buffer.from(script, 'utf8')]), { target: target.url, jobs: 2 }), 'SCRIPT_REFUSED')
      expect(await userObjects(target.url)).toEqual(before)
    } finally {
      await target.drop()
    }
  }, 300_000)

  it('a worker session killed mid-restore fails it with RESTORE_FAILED, and the created database is dropped', async () => {
    const name = `prs_kill_${Date.now()}`
    let dataEntries = 0
    let killed: Promise<unknown> | null = null
    const error = await failure(restore(fixturesDump, {
      target: server.url, createDatabase: name, jobs: 2,
      onProgress: (p) => {
        // the newest backend in the database is a worker (the leader connects first)
        if (p.entry?.startsWith('TABLE DATA') && ++dataEntries === 5) {
          killed = runSql(server.url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' ORDER BY backend_start DESC LIMIT 1`)
        }
      },
    }), 'RESTORE_FAILED')
    expect(killed).not.toBeNull()
    await killed
    // the server's reason, or (when the client's write found the socket closed first) the lost connection
    expect(error.message).toMatch(/terminating connection due to administrator command|the server closed the connection \(.*\): its backend was terminated/)
    expect(await databaseExists(name)).toBe(false)
  }, 300_000)

  it('an abort signal stops every worker: ABORTED, and the created database is dropped', async () => {
    const controller = new AbortController()
    const name = `prs_abort_${Date.now()}`
    let dataEntries = 0
    const error = await failure(restore(fixturesDump, {
      target: server.url, createDatabase: name, jobs: 2, signal: controller.signal,
      onProgress: (p) => {
        if (p.entry?.startsWith('TABLE DATA') && ++dataEntries === 10) controller.abort()
      },
    }), 'ABORTED')
    expect(error.message).toContain('cancelled')
    expect(await databaseExists(name)).toBe(false)
  }, 300_000)
})

describe('options of a parallel restore', () => {
  it('refuses singleTransaction with jobs above 1, and clean with jobs above 1, before connecting', async () => {
    const single = await failure(restore(fixturesDump, { target: 'postgresql://nobody@127.0.0.1:1/none', jobs: 2, singleTransaction: true }), 'OPTIONS_INVALID')
    expect(single.message).toMatch(/singleTransaction and jobs 2 cannot both hold/)
    const clean = await failure(restore(fixturesDump, { target: 'postgresql://nobody@127.0.0.1:1/none', jobs: 3, clean: true }), 'OPTIONS_INVALID')
    expect(clean.message).toMatch(/clean and jobs 3 cannot both hold/)
    await failure(restore(fixturesDump, { jobs: 0 }), 'OPTIONS_INVALID')
    await failure(restore(fixturesDump, { jobs: 17 }), 'OPTIONS_INVALID')
  })
})
