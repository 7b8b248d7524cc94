// Each segment records every sequence's value, read after its last commit: at least the value any row in
// the segment was given (what a restore to a point inside it needs so that the next nextval() collides
// with no restored row). Sequences the archiver's role may not read, unlogged tables and large objects are
// reported in the segment's warnings and in the archiver's result, never a failure.
import { createDatabase, runSql } from '@pgkeep/testkit'
import pg from 'pg'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runArchiver } from '../../src/logical/archiver'
import { readSegment, type SegmentManifest } from '../../src/logical/change-segment'
import { listSegments } from '../../src/logical/replay-archive'
import { connectForReplication } from '../../src/logical/replication-slot'
import { fsStorage } from '../../src/storage/fs-storage'
import { dropSlotIfAny, logicalServers, until } from './logical-servers'

const env = await logicalServers('archiver-sequences')
afterAll(() => env.stop())

describe.each(env.servers)('archiver sequence samples on PostgreSQL $major', ({ url, major }) => {
  it('segments carry sequence values at least those their rows used; unreadable sequences, unlogged tables and large objects are reported', async () => {
    const db = await createDatabase(url, { prefix: 'archive_seq' })
    const role = `pgkeep_seqreader_${process.pid}`
    await runSql(db.url, `
      CREATE TABLE items (id bigserial PRIMARY KEY, label text);
      CREATE SEQUENCE secret_seq;
      CREATE UNLOGGED TABLE scratch (a integer);
      SELECT lo_from_bytea(0, 'blob');
      CREATE PUBLICATION pgkeep_all FOR ALL TABLES;
      DROP ROLE IF EXISTS ${role};
      CREATE ROLE ${role} LOGIN;
      GRANT SELECT ON SEQUENCE items_id_seq TO ${role};`)
    const slot = `pgkeep_seq_${major}_${process.pid}`
    await runSql(db.url, `SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`)
    const storage = fsStorage({ dir: join(env.workDir, `seq-${major}`) })
    const sql = new pg.Client({ connectionString: db.url.replace('//postgres@', `//${role}@`) })
    await sql.connect()
    const replication = await connectForReplication({ connectionString: db.url })
    const segments: SegmentManifest[] = []
    try {
      const stop = new AbortController()
      const run = runArchiver({ replication, slot, publications: ['pgkeep_all'], storage, prefix: 'changes/', segmentSeconds: 0, sql, signal: stop.signal, onSegment: (m) => segments.push(m) })
      run.catch(() => {})
      for (let i = 0; i < 6; i++) {
        // numbers taken and thrown away: the sequence moves on without a row
        await runSql(db.url, "BEGIN; INSERT INTO items (label) VALUES ('rolled back'); ROLLBACK;")
        await runSql(db.url, `INSERT INTO items (label) SELECT 'x' FROM generate_series(1, ${i + 1})`)
      }
      await until(() => segments.reduce((n, m) => n + Object.values(m.rows).reduce((a, b) => a + b, 0), 0) === 21)
      stop.abort()
      const exit = await run
      expect(exit).toMatchObject({ reason: 'stopped', outsideLog: { unloggedTables: ['public.scratch'], largeObjects: 1 } })

      let previous = 0n
      for (const { key, manifest } of await listSegments(storage, 'changes/')) {
        const { transactions } = await readSegment(storage, key, manifest)
        const ids = transactions.flatMap((t) => t.changes.flatMap((c) => (c.tag === 'insert' ? [BigInt((c.row[0] as { value: string }).value)] : [])))
        if (ids.length === 0) continue // 13 and 14 send empty transactions too
        const sample = manifest.sequences?.find((s) => s.name === 'items_id_seq')
        expect(sample).toMatchObject({ schema: 'public', isCalled: true })
        const value = BigInt(sample!.value)
        for (const id of ids) expect(value).toBeGreaterThanOrEqual(id)
        expect(value).toBeGreaterThanOrEqual(previous)
        previous = value
        // the role may not read secret_seq: reported, not sampled
        expect(manifest.sequences!.map((s) => s.name)).not.toContain('secret_seq')
        expect(manifest.warnings).toEqual([
          'sequences not sampled (the role may not read them): public.secret_seq',
          'unlogged tables are not in the change log: public.scratch',
          '1 large object(s) are not in the change log',
        ])
      }
      // the last sample is the sequence's value when the archive stopped (nothing ran after the last insert)
      const [now] = await runSql<{ last_value: string }>(db.url, 'SELECT last_value::text FROM items_id_seq')
      expect(previous).toBe(BigInt(now!.last_value))
      expect(previous).toBeGreaterThan(21n) // the rolled back inserts took numbers too
    } finally {
      await replication.end().catch(() => {})
      await sql.end().catch(() => {})
      await dropSlotIfAny(db.url, slot)
      await db.drop()
      await runSql(url, `DROP ROLE IF EXISTS ${role}`).catch(() => {})
    }
  }, 120_000)

  it('a segment that is due on an idle server is stored within its time, not at the server\'s next keepalive', async () => {
    const db = await createDatabase(url, { prefix: 'archive_idle' })
    await runSql(db.url, 'CREATE TABLE t (id integer PRIMARY KEY); CREATE PUBLICATION pgkeep_all FOR ALL TABLES;')
    const slot = `pgkeep_idle_${major}_${process.pid}`
    await runSql(db.url, `SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`)
    const [timeout] = await runSql<{ s: string }>(db.url, "SELECT setting AS s FROM pg_settings WHERE name = 'wal_sender_timeout'")
    expect(Number(timeout!.s)).toBeGreaterThanOrEqual(20_000) // idle keepalives come every 10 s or more
    const replication = await connectForReplication({ connectionString: db.url })
    const stored: number[] = []
    try {
      const stop = new AbortController()
      const run = runArchiver({ replication, slot, publications: ['pgkeep_all'], storage: fsStorage({ dir: join(env.workDir, `idle-${major}`) }), prefix: 'changes/', segmentSeconds: 1, signal: stop.signal, onSegment: () => stored.push(Date.now()) })
      run.catch(() => {})
      // two commits in quick succession, then nothing: the second waits in an open segment
      await runSql(db.url, 'INSERT INTO t VALUES (1)')
      await until(() => stored.length === 1)
      await runSql(db.url, 'INSERT INTO t VALUES (2)')
      const committed = Date.now()
      await until(() => stored.length === 2, 20_000)
      expect(stored[1]! - committed).toBeLessThan(5_000)
      stop.abort()
      await run
    } finally {
      await replication.end().catch(() => {})
      await dropSlotIfAny(db.url, slot)
      await db.drop()
    }
  }, 120_000)
})
