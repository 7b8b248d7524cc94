// The archiver's temporary folder (a spilled transaction, the segment being filled) is removed when the
// archiver fails: here the storage cannot store the segment (its folder is a file), after a transaction of
// ~8 MB of change lines, past the 4 MiB a transaction keeps in memory. (large-transaction.test.ts checks
// the folder is gone after a run that stored its segments and was stopped.)
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDatabase, runSql } from '@pgkeep/testkit'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { runArchiver } from '../../src/logical/archiver'
import { connectForReplication } from '../../src/logical/replication-slot'
import { fsStorage } from '../../src/storage/fs-storage'
import { dropSlotIfAny, logicalServers } from './logical-servers'

const SLOT = 'pgkeep_temp_files'
const logical = await logicalServers('archiver-temp')
const server = logical.servers.find((s) => s.major === inject('pgDefault').major) ?? logical.servers[0]!
const savedTmp = process.env.TMPDIR
afterAll(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = savedTmp
  await logical.stop()
})

describe(`the archiver's temporary files on PostgreSQL ${server.major}`, () => {
  it('are removed when storing a segment fails', async () => {
    const db = await createDatabase(server.url, { prefix: 'archiver_temp' })
    const tmp = join(logical.workDir, 'tmp')
    mkdirSync(tmp)
    process.env.TMPDIR = tmp
    const dir = join(logical.workDir, 'store')
    mkdirSync(dir)
    writeFileSync(join(dir, 'changes'), 'a file where the segments folder should be')
    try {
      await runSql(db.url, 'CREATE TABLE t (id integer PRIMARY KEY, payload text); CREATE PUBLICATION pgkeep_temp FOR ALL TABLES')
      await dropSlotIfAny(server.url, SLOT)
      await runSql(db.url, `SELECT pg_create_logical_replication_slot('${SLOT}', 'pgoutput')`)
      await runSql(db.url, `INSERT INTO t SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, 20000) g`)
      const seen: string[][] = []
      const replication = await connectForReplication({ connectionString: db.url })
      try {
        await expect(runArchiver({
          replication, slot: SLOT, publications: ['pgkeep_temp'], storage: fsStorage({ dir }), prefix: 'changes/', segmentBytes: 1024,
          // the transaction is in the segment file (its spill file just removed); the put comes next and fails
          onPending: () => { seen.push(readdirSync(tmp).filter((n) => n.startsWith('pgkeep-archive-')).flatMap((d) => readdirSync(join(tmp, d)))) },
        })).rejects.toMatchObject({ code: expect.stringMatching(/^STORAGE_/) })
      } finally {
        await replication.end()
      }
      expect(seen).toEqual([[expect.stringMatching(/^segment-/)]])
      expect(readdirSync(tmp)).toEqual([])
    } finally {
      await dropSlotIfAny(server.url, SLOT)
      await db.drop()
    }
  }, 300_000)
})
