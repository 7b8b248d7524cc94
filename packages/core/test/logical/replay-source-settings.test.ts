// Replayed values must not depend on the source database's session settings. pgoutput prints each value
// with the walsender session's output functions: a source database with DateStyle 'SQL, DMY',
// extra_float_digits 0, TimeZone Asia/Jakarta, IntervalStyle sql_standard and bytea_output escape used to
// make restores with until read 2026-03-04 as April 3rd, lose float digits, fail on 25/03/2026, and miss
// every row of a REPLICA IDENTITY FULL table holding a timestamptz (its text compared in the target's zone).
// A table with a key and one with REPLICA IDENTITY FULL, with inserts, updates and deletes, archived by
// manager.archive() and restored with until, into a database with other odd settings of its own, after
// the changes: every value equals the source's, compared as row text in one fixed session setting on both sides.
import { join } from 'node:path'
import { createDatabase, runSql, withClient } from '@pgkeep/testkit'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { archiveThenRestore } from './archive-then-restore'
import { logicalServers } from './logical-servers'

const logical = await logicalServers('replay-settings')
const { workDir } = logical
const server = logical.servers.find((s) => s.major === inject('pgDefault').major) ?? logical.servers[0]!
afterAll(() => logical.stop())

const COLUMNS = 'd date, f8 float8, f4 float4, ts timestamptz, iv interval, b bytea, n numeric'
const SCHEMA = `
  CREATE TABLE keyed (id integer PRIMARY KEY, ${COLUMNS});
  CREATE TABLE fullrow (${COLUMNS});
  ALTER TABLE fullrow REPLICA IDENTITY FULL;
  CREATE TABLE marks (n integer PRIMARY KEY);`

/** A row's values; `k` varies them. Literals every DateStyle reads alike (year first, explicit offsets). */
function values(k: number): string {
  return `'2026-03-0${1 + (k % 9)}'::date + ${k * 3}, 0.1::float8 * ${k} + 0.2, ${k}.23456789::float4,
          '2026-03-04 22:30:00.123456+00'::timestamptz + interval '${k} hours 17 minutes',
          '-1 year -2 months +3 days 04:05:06.789'::interval * ${k} + interval '-${k} days',
          decode('00ff5c27${(k % 256).toString(16).padStart(2, '0')}e282ac', 'hex'), 123456789.123456789 * ${k} + 0.000001`
}

const FIXED = "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = postgres; SET extra_float_digits = 3; SET TimeZone = 'UTC'; SET bytea_output = hex"

/** Every row of both tables as text, printed in one fixed setting. */
async function rowsOf(url: string): Promise<{ keyed: string[]; fullrow: string[] }> {
  return withClient(url, async (c) => {
    await c.query(FIXED)
    const keyed = await c.query<{ r: string }>('SELECT t::text AS r FROM keyed t ORDER BY id')
    const fullrow = await c.query<{ r: string }>('SELECT t::text AS r FROM fullrow t ORDER BY t::text')
    return { keyed: keyed.rows.map((r) => r.r), fullrow: fullrow.rows.map((r) => r.r) }
  })
}

describe(`replay independent of the source's session settings, on PostgreSQL ${server.major}`, () => {
  it('restores dates, floats, timestamptz, intervals, bytea and numerics exactly, keyed and REPLICA IDENTITY FULL', async () => {
    const db = await createDatabase(server.url, { prefix: 'replay_settings' })
    const [{ name }] = await runSql<{ name: string }>(db.url, 'SELECT current_database() AS name') as [{ name: string }]
    const quoted = `"${name.replaceAll('"', '""')}"`
    await runSql(db.url, `${SCHEMA}
      ALTER DATABASE ${quoted} SET datestyle = 'SQL, DMY';
      ALTER DATABASE ${quoted} SET extra_float_digits = 0;
      ALTER DATABASE ${quoted} SET timezone = 'Asia/Jakarta';
      ALTER DATABASE ${quoted} SET intervalstyle = 'sql_standard';
      ALTER DATABASE ${quoted} SET bytea_output = 'escape';`)
    for (let k = 1; k <= 3; k++) await runSql(db.url, `INSERT INTO keyed VALUES (${k}, ${values(k + 20)})`)
    for (let k = 1; k <= 3; k++) await runSql(db.url, `INSERT INTO keyed VALUES (${k + 100}, ${values(k)}); INSERT INTO fullrow VALUES (${values(k)})`)

    let expected: { keyed: string[]; fullrow: string[] } | undefined
    try {
      await archiveThenRestore({
        serverUrl: server.url, databaseUrl: db.url, storageDir: join(workDir, 'store'), copyPrefix: 'replay_settings_copy',
        // changes after the base backup: inserts, updates (a key and the FULL rows), deletes
        async changes() {
          for (let k = 4; k <= 12; k++) {
            await runSql(db.url, `INSERT INTO keyed VALUES (${k + 100}, ${values(k)}); INSERT INTO fullrow VALUES (${values(k)})`)
          }
          await runSql(db.url, `UPDATE keyed SET d = d + 22, f8 = f8 * 3, iv = iv * 2, ts = ts + interval '1 second' WHERE id IN (101, 105, 109)`)
          await runSql(db.url, `UPDATE fullrow SET n = n * 2, f4 = f4 * 3, b = b || '\\x27'::bytea WHERE f8 > 0.5 AND f8 < 0.9`)
          await runSql(db.url, 'UPDATE fullrow SET d = d + 1 WHERE ts < (SELECT min(ts) + interval \'3 hours\' FROM fullrow)')
          await runSql(db.url, 'DELETE FROM fullrow WHERE f4 > 10 AND f4 < 11.5; DELETE FROM keyed WHERE id = 107')
          await runSql(db.url, 'UPDATE fullrow SET ts = ts - interval \'1 day\' WHERE f8 = (SELECT max(f8) FROM fullrow)')
          await runSql(db.url, "UPDATE keyed SET id = 200 WHERE id = 112; UPDATE keyed SET d = '2026-03-25' WHERE id = 1")
          expected = await rowsOf(db.url)
          expect(expected.keyed).toHaveLength(14)
          expect(expected.fullrow.length).toBeGreaterThan(8)
        },
        // the target's own settings differ from the source's and from UTC/ISO: the replay must not use them
        async beforeRestore(copyUrl) {
          const [{ copyName }] = await runSql<{ copyName: string }>(copyUrl, 'SELECT current_database() AS "copyName"') as [{ copyName: string }]
          const target = `"${copyName.replaceAll('"', '""')}"`
          await runSql(copyUrl, `ALTER DATABASE ${target} SET datestyle = 'German, DMY'; ALTER DATABASE ${target} SET timezone = 'America/St_Johns';
            ALTER DATABASE ${target} SET intervalstyle = 'iso_8601'; ALTER DATABASE ${target} SET extra_float_digits = -2`)
        },
        async check(copyUrl, summary) {
          expect(summary.replay?.transactions).toBeGreaterThan(10)
          expect(await rowsOf(copyUrl)).toEqual(expected)
        },
      })
    } finally {
      await db.drop()
    }
  }, 600_000)
})
