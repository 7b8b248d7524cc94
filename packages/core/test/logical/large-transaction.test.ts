// One transaction of 60,000 rows (an UPDATE of every row of a table of seven columns, ~1.6 kB each:
// ~100 MB of change lines) archived and replayed, each side in a node process of its own
// (large-transaction-child.ts, run with tsx and the pgkeep command's node flags), whose peak
// RSS is checked: the archiver spills the transaction to a temporary file and streams its segment to
// storage, the replay streams the segment from a checked temporary file, so neither holds the
// transaction. The copy then equals the source, and no temporary folder of pgkeep's is left.
//
// The bound. Measured on this machine (loaded by other work), same workload, the command's first flag
// alone: the archiver peaked at 132 MB and the replay at 97 MB (tsx and the TypeScript it compiles
// included; with both of its flags, idle machine: 112 and 98 MB); the code before
// segment format 2 (the whole transaction and segment in memory, and a Promise.race per message that kept
// every message alive) peaked at 697 MB archiving and 519 MB replaying. 200 MB fails that with room.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandNodeFlags, compareDatabases, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { listSegments } from '../../src/logical/replay-archive'
import { fsStorage } from '../../src/storage/fs-storage'
import { dropSlotIfAny, logicalServers } from './logical-servers'

const MB = 1e6
const BOUND = 200 * MB
const ROWS = 60_000
const SLOT = 'pgkeep_large'
/** As the pgkeep command runs (the node flags of packages/cli/src/bin.ts's shebang). */
const NODE_FLAGS = commandNodeFlags()
const child = fileURLToPath(new URL('./large-transaction-child.ts', import.meta.url))
const logical = await logicalServers('large-tx')
const server = logical.servers.find((s) => s.major === inject('pgDefault').major) ?? logical.servers[0]!
afterAll(() => logical.stop())

/** What pgkeep left in a temp folder (tsx keeps its cache there too). */
const pgkeepFiles = (tmp: string) => readdirSync(tmp).filter((name) => name.startsWith('pgkeep-'))

interface ChildResult { peakRss: number; exit?: string; segments?: number; transactions: number; rows?: number }

/** Runs one side in its own process with `tmp` as its OS temp folder. */
function runChild(args: string[], tmp: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', child, ...args], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    proc.stdout.on('data', (c: Buffer) => out.push(c))
    proc.stderr.on('data', (c: Buffer) => err.push(c))
    proc.once('error', reject)
    proc.once('close', (code) => {
      if (code !== 0) { reject(new Error(`${args[0]} exited ${code}: ${Buffer.concat(err).toString('utf8')}`)); return }
      resolve(JSON.parse(Buffer.concat(out).toString('utf8').trim().split('\n').at(-1)!) as ChildResult)
    })
  })
}

describe(`a transaction of ${ROWS} rows on PostgreSQL ${server.major}`, () => {
  it('is archived and replayed with each side in bounded memory, the copy equal to the source, no temporary file left', async () => {
    const db: TestDatabase = await createDatabase(server.url, { prefix: 'large_tx' })
    let copy: TestDatabase | null = null
    try {
      await runSql(db.url, `
        CREATE TABLE wide (id integer PRIMARY KEY, a text, b text, c text, n numeric, at timestamptz, d text);
        INSERT INTO wide SELECT g, md5(g::text), md5((g * 7)::text), 'row ' || g, g * 1.5, '2026-01-01'::timestamptz + g * interval '1 second', repeat(md5((g * 3)::text), 47)
          FROM generate_series(1, ${ROWS}) g;
        CREATE PUBLICATION pgkeep_large FOR ALL TABLES;`)
      await dropSlotIfAny(server.url, SLOT)
      await runSql(db.url, `SELECT pg_create_logical_replication_slot('${SLOT}', 'pgoutput')`)
      // the database as it was at the slot: what a base backup in the slot's snapshot holds
      copy = await createDatabase(server.url, { prefix: 'large_tx_copy', template: db.name })
      await runSql(db.url, `INSERT INTO wide VALUES (0, 'small', 'one', 'before', 0, now(), 'd')`)
      await runSql(db.url, `UPDATE wide SET a = md5(a), b = b || '-' || id, c = upper(c), n = n + 1, at = at + interval '1 day', d = upper(d)`)

      const dir = join(logical.workDir, 'archive')
      const archiveTmp = mkdtempSync(join(logical.workDir, 'tmp-archive-'))
      const archived = await runChild(['archive', db.url, SLOT, dir, '2'], archiveTmp)
      process.stdout.write(`large transaction: archiver peak RSS ${(archived.peakRss / MB).toFixed(0)} MB (bound ${BOUND / MB} MB)\n`)
      expect(archived).toMatchObject({ exit: 'stopped', transactions: 2 })
      expect(pgkeepFiles(archiveTmp)).toEqual([])
      const segments = await listSegments(fsStorage({ dir }), 'changes/')
      expect(segments.map((s) => s.manifest.formatVersion)).toEqual(segments.map(() => 2))
      expect(segments.reduce((n, s) => n + (s.manifest.rows['public.wide'] ?? 0), 0)).toBe(ROWS + 2)

      const replayTmp = mkdtempSync(join(logical.workDir, 'tmp-replay-'))
      const replayed = await runChild(['replay', copy.url, dir], replayTmp)
      process.stdout.write(`large transaction: replay peak RSS ${(replayed.peakRss / MB).toFixed(0)} MB (bound ${BOUND / MB} MB)\n`)
      expect(replayed).toMatchObject({ transactions: 2, rows: ROWS + 2 })
      expect(pgkeepFiles(replayTmp)).toEqual([])
      expect((await compareDatabases(db.url, copy.url)).differences).toEqual([])
      expect(archived.peakRss).toBeLessThan(BOUND)
      expect(replayed.peakRss).toBeLessThan(BOUND)
    } finally {
      await dropSlotIfAny(server.url, SLOT)
      await copy?.drop()
      await db.drop()
    }
  }, 900_000)
})
