// Enum values added while the archive runs. ALTER TYPE … ADD VALUE changes no table's definition, so no
// Relation message shows it and the chain goes on; a restore past a row holding the new value used to fail
// with "invalid input value for enum". Each segment's manifest now lists the enums' labels (sampled after
// its last commit) and the replay adds the missing ones, in their place in the order, before the
// segment's transactions. Tested: labels added at the end and BEFORE another, used in a plain column, an
// array and a REPLICA IDENTITY FULL table, restored with until: rows and each enum's label order as the source's.
import { join } from 'node:path'
import { createDatabase, runSql } from '@pgkeep/testkit'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { archiveThenRestore } from './archive-then-restore'
import { logicalServers } from './logical-servers'

const logical = await logicalServers('replay-enum')
const { workDir } = logical
const server = logical.servers.find((s) => s.major === inject('pgDefault').major) ?? logical.servers[0]!
afterAll(() => logical.stop())

const SCHEMA = `
  CREATE TYPE mood AS ENUM ('sad', 'ok');
  CREATE TYPE other AS ENUM ('x');
  CREATE TABLE feelings (id integer PRIMARY KEY, m mood NOT NULL, ms mood[]);
  CREATE TABLE loose (m mood, note text);
  ALTER TABLE loose REPLICA IDENTITY FULL;
  CREATE TABLE marks (n integer PRIMARY KEY);
  INSERT INTO feelings VALUES (1, 'sad', '{ok}');
  INSERT INTO loose VALUES ('ok', 'base');`

const STATE = `SELECT (SELECT string_agg(f::text, '|' ORDER BY id) FROM feelings f) AS feelings,
                      (SELECT string_agg(l::text, '|' ORDER BY l::text) FROM loose l) AS loose,
                      (SELECT string_agg(u.v::text, ',' ORDER BY u.v) FROM feelings, unnest(ms) u(v)) AS sorted,
                      enum_range(NULL::mood)::text AS mood, enum_range(NULL::other)::text AS other`

describe(`replay of enum values added while archiving, on PostgreSQL ${server.major}`, () => {
  it('adds the labels the archived rows use, in their order, and restores the rows', async () => {
    const db = await createDatabase(server.url, { prefix: 'replay_enum' })
    await runSql(db.url, SCHEMA)
    let expected: Record<string, unknown> | undefined
    try {
      await archiveThenRestore({
        serverUrl: server.url, databaseUrl: db.url, storageDir: join(workDir, 'store'), copyPrefix: 'replay_enum_copy',
        async changes() {
          await runSql(db.url, "INSERT INTO feelings VALUES (2, 'ok', '{sad,ok}')")
          await runSql(db.url, "ALTER TYPE mood ADD VALUE 'happy'")
          await runSql(db.url, "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'")
          await runSql(db.url, "ALTER TYPE other ADD VALUE 'a' BEFORE 'x'")
          await runSql(db.url, "INSERT INTO feelings VALUES (3, 'happy', '{happy,meh,sad}'); INSERT INTO loose VALUES ('meh', 'new')")
          await runSql(db.url, "UPDATE feelings SET m = 'meh', ms = ms || 'happy'::mood WHERE id = 1; UPDATE loose SET note = 'changed' WHERE m = 'meh'")
          await runSql(db.url, "UPDATE loose SET m = 'happy' WHERE note = 'base'")
          ;[expected] = await runSql(db.url, STATE)
          expect(expected!.mood).toBe('{sad,meh,ok,happy}')
        },
        async check(copyUrl, summary) {
          expect(summary.replay?.transactions).toBe(4)
          const [restored] = await runSql(copyUrl, STATE)
          expect(restored).toEqual(expected)
        },
      })
    } finally {
      await db.drop()
    }
  }, 600_000)
})
