// A one-scan parallel restore passes a table whose worker is slow: while the first table's COPY is held
// on the server (a CHECK that sleeps on one early row), the scan writes the rest of that table to a
// temporary file and hands the next table to the free worker, so both COPYs run at once. Before, the
// scan waited for the first worker to take nearly all of its table, and the second table started only
// after. The restore equals the source; the temporary files are gone after success and after failure.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertSameDatabase, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { restore } from '../../src/index'
import { failure } from '../failure'
import { dumpToFile } from '../helpers/dump-to-file'

const server = inject('pgDefault')
const urlOf = (name: string) => server.url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`)
let source: TestDatabase
let script: string
let temp: string
const previousTmp = process.env.TMPDIR

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'prs_spill' })
  // gate(): sleeps on row 5 of each table (2 s for a, 0.5 s for b), and refuses row 30000 of a in a
  // database whose name ends in _fail (the source's name does not)
  await runSql(source.url, `
    CREATE FUNCTION public.gate(id integer, seconds double precision) RETURNS boolean LANGUAGE sql AS $$
      SELECT CASE WHEN id = 5 THEN pg_catalog.pg_sleep(seconds) IS NOT NULL
                  WHEN id = 30000 AND seconds > 1 THEN pg_catalog.current_database() NOT LIKE '%\\_fail'
                  ELSE true END $$;
    CREATE TABLE public.a (id integer PRIMARY KEY CHECK (public.gate(id, 2)), pad text);
    CREATE TABLE public.b (id integer PRIMARY KEY CHECK (public.gate(id, 0.5)), pad text);
    INSERT INTO public.a SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 40000) g;
    INSERT INTO public.b SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 4000) g;`)
  script = (await dumpToFile({ connection: source.url })).file
  // this file's own temporary folder: the restore's spool files go there
  temp = await mkdtemp(join(tmpdir(), 'pgkeep-spill-test-'))
  process.env.TMPDIR = temp
}, 120_000)

afterAll(async () => {
  if (previousTmp === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = previousTmp
  await rm(temp, { recursive: true, force: true })
  await source?.drop()
})

/** Samples the target's COPYs every 25 ms until stopped: whether b's ran while a's slept. */
function watchCopies(database: string): { stop: () => Promise<{ overlapped: boolean; samples: number }> } {
  let running = true
  let overlapped = false
  let samples = 0
  const loop = (async () => {
    while (running) {
      const rows = await runSql<{ query: string; wait_event: string | null }>(server.url, `
        SELECT query, wait_event FROM pg_catalog.pg_stat_activity
         WHERE datname = '${database}' AND state = 'active' AND query LIKE 'COPY public.%'`).catch(() => [])
      samples++
      const aSleeps = rows.some((r) => r.query.startsWith('COPY public.a ') && r.wait_event === 'PgSleep')
      if (aSleeps && rows.some((r) => r.query.startsWith('COPY public.b '))) overlapped = true
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return { overlapped, samples }
    },
  }
}

describe('a one-scan restore with jobs passes a table its worker is still loading', () => {
  it('loads the next table in the free worker while the first one\'s COPY is held, through a temporary file that is gone after', async () => {
    const name = `prs_spill_ok_${Date.now()}`
    const watch = watchCopies(name)
    try {
      await restore(script, { target: server.url, createDatabase: name, jobs: 2 })
      const seen = await watch.stop()
      expect(seen.samples).toBeGreaterThan(10)
      expect(seen.overlapped).toBe(true)
      await assertSameDatabase(source.url, urlOf(name))
      expect(await readdir(temp)).toEqual([])
    } finally {
      await watch.stop()
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  }, 120_000)

  it('a COPY that fails after its table was passed fails the restore, drops the database and leaves no temporary file', async () => {
    const name = `prs_spill_${Date.now()}_fail`
    const error = await failure(restore(script, { target: server.url, createDatabase: name, jobs: 2 }), 'RESTORE_FAILED')
    expect(error.message).toContain('TABLE DATA public.a')
    expect(await runSql(server.url, `SELECT 1 FROM pg_catalog.pg_database WHERE datname = '${name}'`)).toEqual([])
    expect(await readdir(temp)).toEqual([])
  }, 120_000)
})
