// Subscriptions are dumped as pg_dump does (disabled, connect = false) and restore with their settings.
// Kept out of the fixture corpus: a database with a subscription cannot be dropped until it is removed.
import { readFile } from 'node:fs/promises'
import { createDatabase, restoreWithPsql, runSql, type TestDatabase } from '@pgkeep/testkit'
import { describe, expect, inject, it } from 'vitest'
import { dumpToFile, testServers } from './helpers/dump-to-file'

const servers = testServers(inject('pgDefault'), inject('pgServers'))

const SETTINGS = `SELECT subname, pg_get_userbyid(subowner) AS owner, subenabled, subconninfo, subslotname, subsynccommit,
                          subpublications::text AS pubs, obj_description(oid, 'pg_subscription') AS comment
                     FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                    ORDER BY subname`

async function dropSubscriptions(db: TestDatabase): Promise<void> {
  const subs = await runSql<{ subname: string }>(db.url, 'SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())')
  for (const { subname } of subs) {
    const q = `"${subname.replaceAll('"', '""')}"`
    await runSql(db.url, `ALTER SUBSCRIPTION ${q} DISABLE; ALTER SUBSCRIPTION ${q} SET (slot_name = NONE); DROP SUBSCRIPTION ${q}`)
  }
}

describe.each(servers)('subscriptions on PostgreSQL $major', ({ url, major }) => {
  it('restores a subscription disabled, with its publications, slot, settings, owner and comment', async () => {
    const source = await createDatabase(url, { prefix: 'sub_src' })
    const copy = await createDatabase(url, { prefix: 'sub_copy' })
    try {
      await runSql(source.url, `
        CREATE SUBSCRIPTION "Sub One" CONNECTION 'host=127.0.0.1 port=1 dbname=nowhere application_name=it''s'
          PUBLICATION pub_a, "Pub B" WITH (connect = false, slot_name = 'slot_one', synchronous_commit = 'local'${major >= 14 ? ', binary = true' : ''});
        CREATE SUBSCRIPTION sub_two CONNECTION 'dbname=other' PUBLICATION p WITH (connect = false, slot_name = NONE);
        COMMENT ON SUBSCRIPTION sub_two IS 'no slot';`)
      const { file } = await dumpToFile({ connection: source.url })
      const text = await readFile(file, 'utf8')
      expect(text).toContain(`CREATE SUBSCRIPTION "Sub One" CONNECTION 'host=127.0.0.1 port=1 dbname=nowhere application_name=it''s' PUBLICATION pub_a, "Pub B" WITH (connect = false, slot_name = 'slot_one'`)
      expect(text).toContain("CREATE SUBSCRIPTION sub_two CONNECTION 'dbname=other' PUBLICATION p WITH (connect = false, slot_name = NONE")
      await restoreWithPsql(copy.url, { file })
      const before = await runSql(source.url, SETTINGS)
      const after = await runSql(copy.url, SETTINGS)
      expect(after).toHaveLength(2)
      expect(after).toEqual(before)
      if (major >= 14) {
        const [binary] = await runSql<{ subbinary: boolean }>(copy.url, `SELECT subbinary FROM pg_subscription WHERE subname = 'Sub One'`)
        expect(binary!.subbinary).toBe(true)
      }
      const { file: without } = await dumpToFile({ connection: source.url, noSubscriptions: true })
      expect(await readFile(without, 'utf8')).not.toContain('SUBSCRIPTION')
    } finally {
      await dropSubscriptions(copy).catch(() => {})
      await dropSubscriptions(source).catch(() => {})
      await copy.drop()
      await source.drop()
    }
  })
})
