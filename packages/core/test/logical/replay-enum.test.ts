// Enum values added while the archive runs. ALTER TYPE … ADD VALUE changes no table's definition, so no
// Relation message shows it and the chain goes on; a restore past a row holding the new value used to fail
// with "invalid input value for enum". Each segment's manifest now lists the enums' labels (sampled after
// its last commit) and the replay adds the missing ones, in their place in the order, before the
// segment's transactions. Tested: labels added at the end and BEFORE another, used in a plain column, an
// array and a REPLICA IDENTITY FULL table, restored with until: rows and each enum's label order as the source's.
import { join } from 'node:path'
import { createDatabase, runSql } from '@pgkeep/testkit'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, type ManagerEvents } from '../../src/index'
import { chainPrefixOf } from '../../src/logical/chain'
import { fsStorage } from '../../src/storage/fs-storage'
import { logicalServers } from './logical-servers'
import { archivedMarks, waitFor } from './ledger-workload'

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

async function moment(): Promise<Date> {
  await new Promise((resolve) => setTimeout(resolve, 20))
  const at = new Date()
  await new Promise((resolve) => setTimeout(resolve, 20))
  return at
}

describe(`replay of enum values added while archiving, on PostgreSQL ${server.major}`, () => {
  it('adds the labels the archived rows use, in their order, and restores the rows', async () => {
    const db = await createDatabase(server.url, { prefix: 'replay_enum' })
    const storage = fsStorage({ dir: join(workDir, 'store') })
    await runSql(db.url, SCHEMA)
    const manager = createBackupManager({ connectionString: db.url, storage, archive: { segmentSeconds: 1 } })
    const starts: ManagerEvents['archive:start'][] = []
    manager.on('archive:start', (e) => { starts.push(e) })
    const handle = manager.archive()
    try {
      await waitFor('the archive to start', () => starts.length > 0 || !handle.status().running, 120_000)
      if (!handle.status().running) await handle.done
      const chainId = starts[0]!.chainId

      await runSql(db.url, "INSERT INTO feelings VALUES (2, 'ok', '{sad,ok}')")
      await runSql(db.url, "ALTER TYPE mood ADD VALUE 'happy'")
      await runSql(db.url, "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'")
      await runSql(db.url, "ALTER TYPE other ADD VALUE 'a' BEFORE 'x'")
      await runSql(db.url, "INSERT INTO feelings VALUES (3, 'happy', '{happy,meh,sad}'); INSERT INTO loose VALUES ('meh', 'new')")
      await runSql(db.url, "UPDATE feelings SET m = 'meh', ms = ms || 'happy'::mood WHERE id = 1; UPDATE loose SET note = 'changed' WHERE m = 'meh'")
      await runSql(db.url, "UPDATE loose SET m = 'happy' WHERE note = 'base'")
      const until = await moment()
      const [expected] = await runSql(db.url, STATE)
      expect(expected!.mood).toBe('{sad,meh,ok,happy}')
      await runSql(db.url, 'INSERT INTO marks VALUES (1)')
      const prefix = chainPrefixOf((await manager.get(chainId)).storagePath)
      await waitFor('the archive to hold the mark', async () => (await archivedMarks(storage, prefix)) >= 1, 120_000)
      await handle.stop({ dropSlot: true })
      await handle.done

      const copy = await createDatabase(server.url, { prefix: 'replay_enum_copy' })
      try {
        const summary = await manager.restore(chainId, { target: copy.url, until })
        expect(summary.replay?.transactions).toBe(4)
        const [restored] = await runSql(copy.url, STATE)
        expect(restored).toEqual(expected)
      } finally {
        await copy.drop()
      }
    } finally {
      if (handle.status().running) await handle.stop({ dropSlot: true }).catch(() => {})
      await handle.done.catch(() => {})
      await db.drop()
    }
  }, 600_000)
})
