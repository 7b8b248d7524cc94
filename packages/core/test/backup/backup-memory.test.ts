// A managed backup's peak memory with jobs 1, 2 and 4, measured on the built library in a node process of
// its own (backup-child.mjs, peak RSS from getrusage), on a database of about 190 MB (150 MB of COPY
// text) whose largest table (b_large, ~65 MB of text) is copied first while four medium tables (~15 MB
// of text, ~8 MB compressed, each) finish on the other workers and wait in the spool.
//
// The bounds. With node's own defaults (a web server's process: no flags) the floor is not the dump's:
// node and the loaded modules take ~70 MB and V8's young generation grows to 32 MB. COPY and zlib buffers
// that are already garbage wait for a young collection, which V8 makes once 32 MB of new buffers accrued;
// the library's gcPacing (on by default) makes one after every MiB of table data, and of spooled blocks
// read back from disk, instead. Measured here: 90.7–112.9 MB at jobs 1, 2 and 4 (five runs of each, since
// the spool's reads are counted and pg loads without undici; 114–122 MB before, 125–137 MB without
// pacing; a spool that kept every waiting block in memory gave 196–202 MB). So the plain node process is
// held to the target, 128 MB, with room for a loaded
// machine; whether the pacing runs is checked apart, by counting the collections. With the command's
// node flags (the shebang of packages/cli/src/bin.ts: --max-semi-space-size=1, which collects the young
// generation every megabyte, and --heap-growing-percent=20) the backup peaks at 100–111 MB, under the
// 128 MB target. With the first flag alone it peaked at 116–125 MB in about half the runs and at 131–150
// MB in the others: buffers that waited for a busy thread pool reached the old generation, and V8 let
// their dead bytes pile up to ~60 MB before a full collection; a 20 % growth limit brings the full
// collections sooner (8 alternating runs of each, the same CPU time).
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { assertBuilt, commandNodeFlags, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

const server = inject('pgDefault')
const child = fileURLToPath(new URL('./backup-child.mjs', import.meta.url))
const MB = 1e6
/** The target, in plain node (no flags: see the file's head) and with the command's node flags. */
const PLAIN_NODE_BOUND = 128 * MB
const CLI_FLAGS_BOUND = 128 * MB

interface Outcome {
  size: number
  tables: number
  peakRss: number
  /** Uncompressed table data copied (the progress events' bytes, at the end). */
  dataBytes: number
  /** Young-generation collections during the backup. */
  minorGcs: number
  /** typeof the child's globalThis.gc after the backup. */
  globalGc: string
}

let source: TestDatabase
let dir: string

beforeAll(async () => {
  assertBuilt('core')
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-backup-memory-'))
  source = await createDatabase(server.url, { prefix: 'backup_memory' })
  // Script order (by name) is not size order: b_large is written while the medium tables wait in the spool.
  const medium = (name: string, a: number, b: number, c: number) => `
    CREATE TABLE ${name} (id integer PRIMARY KEY, payload text);
    INSERT INTO ${name} SELECT g, md5((g * ${a})::text) || md5((-g * ${b})::text) || md5((g * ${c})::text) FROM generate_series(1, 150000) g;`
  await runSql(source.url, `
    CREATE TABLE a_small (id integer PRIMARY KEY, note text);
    INSERT INTO a_small SELECT g, 'small ' || g FROM generate_series(1, 2000) g;
    CREATE TABLE b_large (id integer PRIMARY KEY, payload text, n numeric, at timestamptz);
    INSERT INTO b_large SELECT g, md5(g::text) || ' ' || md5((g * 7)::text), g * 1.5, '2026-01-01'::timestamptz + g * interval '1 minute'
      FROM generate_series(1, 600000) g;
    ${medium('c_medium', 1, 1, 3)}
    ${medium('d_medium', 5, 5, 11)}
    ${medium('e_medium', 13, 13, 17)}
    ${medium('f_medium', 19, 19, 23)}
    ANALYZE;`)
}, 180_000)
afterAll(async () => {
  await source?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function backupInChild(jobs: number, nodeFlags: string[] = [], pacing: 'paced' | 'unpaced' = 'paced'): Promise<Outcome> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, child, source.url, dir, String(jobs), pacing], {
    env: { PATH: process.env.PATH },
    maxBuffer: 1024 * 1024,
  })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcome
}

describe('a managed backup holds flat memory at every jobs value', () => {
  it.each([1, 2, 4])('jobs %i in a plain node process peaks under 128 MB', { timeout: 180_000 }, async (jobs) => {
    const outcome = await backupInChild(jobs)
    process.stderr.write(`[memory] backup jobs ${jobs}, plain node: peak RSS ${(outcome.peakRss / MB).toFixed(1)} MB, stored ${(outcome.size / MB).toFixed(1)} MB\n`)
    expect(outcome.tables).toBe(6)
    // the data went through: ~150 MB of COPY text compresses to about 60 MB
    expect(outcome.size).toBeGreaterThan(50 * MB)
    expect(outcome.peakRss).toBeLessThan(PLAIN_NODE_BOUND)
  })

  it('gcPacing (the default) collects the young generation about once per MiB of table data, without a gc on the host\'s global object; gcPacing: false leaves it to V8', { timeout: 180_000 }, async () => {
    const paced = await backupInChild(1)
    const unpaced = await backupInChild(1, [], 'unpaced')
    process.stderr.write(`[memory] backup jobs 1, plain node: paced ${(paced.peakRss / MB).toFixed(1)} MB, ${paced.minorGcs} minor collections; unpaced ${(unpaced.peakRss / MB).toFixed(1)} MB, ${unpaced.minorGcs}; ${(paced.dataBytes / MB).toFixed(1)} MB of table data\n`)
    expect(paced.dataBytes).toBeGreaterThan(100 * MB)
    // one per MiB of table data, and V8's own on top (5 % off for entries the observer may not have got yet)
    expect(paced.minorGcs).toBeGreaterThanOrEqual(0.95 * Math.floor(paced.dataBytes / 2 ** 20))
    expect(unpaced.minorGcs).toBeLessThan(paced.minorGcs / 2)
    expect(paced.globalGc).toBe('undefined')
    expect(unpaced.globalGc).toBe('undefined')
  })

  it('jobs 4 under the command\'s node flags peaks under 128 MB', { timeout: 180_000 }, async () => {
    const flags = commandNodeFlags()
    const outcome = await backupInChild(4, flags)
    process.stderr.write(`[memory] backup jobs 4, ${flags.join(' ')}: peak RSS ${(outcome.peakRss / MB).toFixed(1)} MB\n`)
    expect(outcome.tables).toBe(6)
    expect(outcome.peakRss).toBeLessThan(CLI_FLAGS_BOUND)
  })
})
