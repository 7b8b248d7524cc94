// dump() with jobs: worker sessions in the leader's snapshot copy tables at once, and the script is
// still the serial one byte for byte. A failing worker (killed session, refused rows) or the signal
// stops the whole dump with its code, leaves no session of pgkeep and no spool file behind.
import { mkdtemp, open, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dump, GzipMembers, type DumpOptions, type DumpRunOptions } from '../src/index'
import { defaultJobs } from '../src/options'
import { DATA_PIECE_BYTES } from '../src/write/output'
import { failure } from './failure'

const server = inject('pgDefault')
let db: TestDatabase

/** A destination that keeps everything written, optionally slowly (so the workers run ahead of it). */
function collector(delayMs = 0): Writable & { text(): string } {
  const chunks: Buffer[] = []
  const stream = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk)
      if (delayMs > 0) setTimeout(done, delayMs)
      else done()
    },
  })
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') })
}

async function dumpText(options: DumpOptions, run: DumpRunOptions = {}, delayMs = 0): Promise<string> {
  const out = collector(delayMs)
  await dump({ connection: db.url, restrictKey: 'k', ...options }, out, run)
  // dump() returns once its last write was accepted; a slow destination may still hold the last chunks
  // in its buffer (up to its high-water mark), so read the text only once everything reached write().
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
  return out.text()
}

/** pgkeep's sessions on the test database, once they had up to 3 s to go away. */
async function pgkeepSessions(name = db.name): Promise<number> {
  for (let waited = 0; ; waited += 100) {
    const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${name}' AND application_name = 'pgkeep'`)
    const n = Number(rows[0]!.n)
    if (n === 0 || waited >= 3000) return n
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Runs `work` with os.tmpdir() pointing at a fresh folder; returns what was left in it. */
async function inTempFolder(work: (folder: string) => Promise<void>): Promise<string[]> {
  const folder = await mkdtemp(join(tmpdir(), 'pgkeep-spool-test-'))
  const saved = process.env.TMPDIR
  process.env.TMPDIR = folder
  try {
    await work(folder)
    return await readdir(folder)
  } finally {
    if (saved === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = saved
    await rm(folder, { recursive: true, force: true })
  }
}

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'parallel' })
  // Tables of different sizes, named so that script order (by name) is not size order; ~45 MB of text,
  // of which c_medium and e_medium (24 MB) outgrow the spools' 1 MiB memory while b_large is written.
  await runSql(db.url, `
    CREATE TABLE a_small (id integer PRIMARY KEY, note text);
    INSERT INTO a_small SELECT g, 'small ' || g FROM generate_series(1, 1000) g;
    CREATE TABLE b_large (id integer PRIMARY KEY, note text);
    INSERT INTO b_large SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 150000) g;
    CREATE TABLE c_medium (id integer PRIMARY KEY, note text);
    INSERT INTO c_medium SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 90000) g;
    CREATE TABLE d_empty (id integer);
    CREATE TABLE e_medium (id integer PRIMARY KEY, note text);
    INSERT INTO e_medium SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 90000) g;
    CREATE TABLE guarded (id integer, owner_name text);
    INSERT INTO guarded SELECT g, 'u' || g FROM generate_series(1, 100) g;
    ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_rows ON guarded USING (owner_name = current_user);
    CREATE SEQUENCE counter START 42;
    SELECT nextval('counter');
    ANALYZE;
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgkeep_test_rls_reader') THEN CREATE ROLE pgkeep_test_rls_reader LOGIN; END IF;
    END $$;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO pgkeep_test_rls_reader;
    GRANT SELECT ON SEQUENCE counter TO pgkeep_test_rls_reader;`)
}, 120_000)
afterAll(() => db?.drop())

describe('dump() with jobs', () => {
  it('writes the same script, byte for byte, with jobs 1, 2 and 4', async () => {
    const serial = await dumpText({ jobs: 1 })
    expect(serial).toContain('COPY public.b_large (id, note) FROM stdin;')
    for (const jobs of [2, 4]) {
      const parallel = await dumpText({ jobs })
      expect(parallel.length).toBe(serial.length)
      expect(parallel === serial, `jobs ${jobs} wrote a different script`).toBe(true)
    }
  })

  it('uses jobs worker sessions beside the leader, all in the leader snapshot', async () => {
    let most = 0
    let seen = false
    await dump({ connection: db.url, jobs: 3, excludeTables: ['guarded'] }, collector(1), {
      onProgress: (p) => {
        if (p.phase !== 'data' || seen) return
        seen = true
        void runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${db.name}' AND application_name = 'pgkeep'`)
          .then((rows) => { most = Number(rows[0]!.n) })
      },
    })
    expect(seen).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(most).toBe(4)
    expect(await pgkeepSessions()).toBe(0)
  })

  it('an unset jobs copies into plain text serially, and into gzip members with the default workers', async () => {
    /** pgkeep's sessions on the database, counted once, when the first data arrives. */
    const sessionsDuringData = async (destination: Parameters<typeof dump>[1], finish: () => Promise<unknown>) => {
      let counted: Promise<number> | null = null
      await dump({ connection: db.url, excludeTables: ['guarded'] }, destination, {
        onProgress: (p) => {
          if (p.phase !== 'data' || counted) return
          counted = runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${db.name}' AND application_name = 'pgkeep'`)
            .then((rows) => Number(rows[0]!.n))
        },
      })
      await finish()
      expect(counted).not.toBeNull()
      return counted!
    }
    const plain = collector(1)
    expect(await sessionsDuringData(plain, () => new Promise((resolve) => plain.end(resolve)))).toBe(1)
    const members = new GzipMembers(1)
    members.output.resume()
    const workers = defaultJobs() > 1 ? defaultJobs() + 1 : 1
    expect(await sessionsDuringData(members, () => members.finish())).toBe(workers)
    expect(await pgkeepSessions()).toBe(0)
  })

  it('reports the same tables, rows and checksums as the serial dump, in script order', async () => {
    const run = async (jobs: number) => dump({ connection: db.url, jobs, excludeTables: ['guarded'] }, collector(), { tableChecksums: true })
    const serial = await run(1)
    const parallel = await run(4)
    expect(parallel.tables).toEqual(serial.tables)
    expect(parallel.bytes).toBe(serial.bytes)
    expect(parallel.tables.map((t) => t.name)).toEqual(['a_small', 'b_large', 'c_medium', 'd_empty', 'e_medium'])
  })

  it('spools blocks that finish early in a temporary file, removed after the dump', async () => {
    let sawSpool = false
    const left = await inTempFolder(async (folder) => {
      const serial = await dumpText({ jobs: 1, excludeTables: ['guarded'] })
      // A slow destination keeps the leader on the first tables while the workers finish the others.
      const parallel = await dumpText({ jobs: 4, excludeTables: ['guarded'] }, {
        onProgress: () => {
          if (!sawSpool) void readdir(folder).then((names) => { if (names.some((n) => n.startsWith('pgkeep-spool-'))) sawSpool = true })
        },
      }, 2)
      expect(parallel === serial).toBe(true)
    })
    expect(sawSpool).toBe(true)
    expect(left).toEqual([])
  })

  it('writes a spilled table to its spool file in pieces of 256 KiB, not in the socket\'s chunks', async () => {
    // Every FileHandle.write of the test process during the dump is a spool's (the destination is in memory).
    const sizes: number[] = []
    await inTempFolder(async (folder) => {
      const probe = await open(join(folder, 'probe'), 'w')
      const proto = Object.getPrototypeOf(probe) as { write: (buffer: unknown, offset?: number, length?: number, ...rest: unknown[]) => Promise<unknown> }
      await probe.close()
      await rm(join(folder, 'probe'))
      const original = proto.write
      proto.write = function (this: unknown, buffer: unknown, offset?: number, length?: number, ...rest: unknown[]) {
        if (Buffer.isBuffer(buffer)) sizes.push(length ?? buffer.length - (offset ?? 0))
        return original.call(this, buffer, offset, length, ...rest)
      }
      try {
        await dumpText({ jobs: 4, excludeTables: ['guarded'] }, {}, 2)
      } finally {
        proto.write = original
      }
    })
    const spilled = sizes.reduce((sum, n) => sum + n, 0)
    expect(spilled).toBeGreaterThan(10_000_000)
    // Only the end of each spilled table (five tables at most) may be a shorter piece.
    expect(sizes.filter((n) => n < DATA_PIECE_BYTES).length).toBeLessThanOrEqual(5)
  })

  it('OUTPUT_FAILED from the destination stops the workers and removes the spool files', async () => {
    const left = await inTempFolder(async () => {
      let written = 0
      const broken = new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _enc, done) {
          written += chunk.length
          setTimeout(() => done(written > 2_000_000 ? new Error('disk full') : undefined), 2)
        },
      })
      broken.on('error', () => {})
      const error = await failure(dump({ connection: db.url, jobs: 4 }, broken))
      expect(error.code).toBe('OUTPUT_FAILED')
      expect(error.message).toContain('disk full')
    })
    expect(left).toEqual([])
    expect(await pgkeepSessions()).toBe(0)
  })

  it('COPY_FAILED when a worker session is killed, and every session is closed', async () => {
    let killed = false
    const error = await failure(dump({ connection: db.url, jobs: 2, excludeTables: ['guarded'] }, collector(1), {
      onProgress: (p) => {
        if (p.phase !== 'data' || p.table !== 'b_large' || killed) return
        killed = true
        // The worker copying b_large (the largest, so the first one taken).
        void runSql(server.url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = '${db.name}' AND application_name = 'pgkeep' AND query LIKE 'COPY public.b_large%'`)
      },
    }))
    expect(killed).toBe(true)
    expect(error.code).toBe('COPY_FAILED')
    expect(error.message).toContain('b_large')
    expect(await pgkeepSessions()).toBe(0)
  })

  it('PERMISSION_DENIED when a worker may not read the rows (row-level security), with every session closed', async () => {
    const url = new URL(db.url)
    url.username = 'pgkeep_test_rls_reader'
    for (const jobs of [1, 4]) {
      const error = await failure(dump({ connection: url.toString(), jobs }, collector()))
      expect(error.code, `jobs ${jobs}`).toBe('PERMISSION_DENIED')
      expect(error.message).toContain('guarded')
      expect((error.cause as { code?: string }).code).toBe('42501')
    }
    expect(await pgkeepSessions()).toBe(0)
  })

  it('ABORTED when the signal fires during the data: every worker stops, no session and no spool file left', async () => {
    const left = await inTempFolder(async () => {
      const controller = new AbortController()
      const error = await failure(dump({ connection: db.url, jobs: 4, excludeTables: ['guarded'] }, collector(2), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'data' && p.totalBytes > 3_000_000) controller.abort()
        },
      }))
      expect(error.code).toBe('ABORTED')
    })
    expect(left).toEqual([])
    expect(await pgkeepSessions()).toBe(0)
  })

  it('refuses jobs outside 1..16 with OPTIONS_INVALID before connecting', async () => {
    for (const jobs of [0, 17, 2.5, '2']) {
      const error = await failure(dump({ connection: 'postgresql://nobody@127.0.0.1:1/none', jobs } as never, collector()))
      expect(error.code).toBe('OPTIONS_INVALID')
      expect(error.message).toContain('jobs')
    }
  })
})
