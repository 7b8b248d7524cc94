// Backups with jobs: the stored .sql.gz decompresses to the serial backup's script, each table's
// member sits where the manifest says, and it restores (whole and one table) to the source. A worker
// killed mid-copy fails the backup with COPY_FAILED and leaves no object, no record and no session.
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { assertSameDatabase, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { gzipMemberCount } from '@pgkeep/testkit/gzip-members'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'par_bk_src' })
  await loadSampleDatabase(source.url, { scale: 0.5 })
}, 180_000)
afterAll(() => source?.drop())

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter((e) => e.isFile() && !join(e.parentPath, e.name).includes(`${join('backups', 'audit')}`)).map((e) => e.name)
}

async function pgkeepSessions(database: string): Promise<number> {
  for (let waited = 0; ; waited += 100) {
    const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${database}' AND application_name = 'pgkeep'`)
    const n = Number(rows[0]!.n)
    if (n === 0 || waited >= 3000) return n
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('backups with jobs', () => {
  it('jobs 4 stores the serial script, members at the manifest offsets, and restores whole and by table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-par-bk-'))
    const manager = (jobs: number) => createBackupManager({ connection: source.url, storage: fsStorage({ dir }), rateLimit: false, dump: { jobs, restrictKey: 'parallel' } })
    const serial = await manager(1).create()
    const backups = manager(4)
    const record = await backups.create()
    const file = await readFile(join(dir, record.storagePath))
    const serialText = gunzipSync(await readFile(join(dir, serial.storagePath))).toString('utf8')
    const text = gunzipSync(file).toString('utf8')
    expect(text.length).toBe(serialText.length)
    expect(text === serialText, 'the jobs 4 backup holds another script').toBe(true)

    const manifest = await backups.manifest(record.id)
    const serialManifest = await backups.manifest(serial.id)
    expect(manifest.tables.map(({ member: _m, ...t }) => t)).toEqual(serialManifest.tables.map(({ member: _m, ...t }) => t))
    expect(manifest.tables.length).toBeGreaterThan(3)
    // Members tile the file, and each table's member alone is its data block.
    let next = 0
    for (const member of manifest.members) {
      expect(member.offset).toBe(next)
      next += member.length
    }
    expect(next).toBe(file.length)
    for (const table of manifest.tables) {
      const block = gunzipSync(file.subarray(table.member.offset, table.member.offset + table.member.length)).toString('utf8')
      expect(block.startsWith(`--\n-- Data for Name: ${table.name}; Type: TABLE DATA; Schema: ${table.schema};`)).toBe(true)
      expect(block.endsWith('\\.\n\n\n')).toBe(true)
    }
    // A table of more than a compression block is several gzip members (compressed on several threads),
    // and the table's range in the manifest still holds exactly its block.
    const largest = manifest.members.filter((m) => m.label !== null).reduce((a, b) => (b.uncompressed > a.uncompressed ? b : a))
    expect(largest.uncompressed).toBeGreaterThan(2 * 512 * 1024)
    expect(gzipMemberCount(file.subarray(largest.offset, largest.offset + largest.length))).toBeGreaterThan(2)

    const whole = await createDatabase(server.url, { prefix: 'par_bk_whole' })
    const one = await createDatabase(server.url, { prefix: 'par_bk_one' })
    try {
      await backups.restore(record.id, { target: whole.url })
      await assertSameDatabase(source.url, whole.url)
      const payments = manifest.tables.find((t) => t.name === 'payments')!
      const summary = await backups.restore(record.id, { target: one.url, tables: ['public.payments'] })
      expect(summary.tables).toEqual([{ schema: 'public', name: 'payments', rows: payments.rows }])
      const [count] = await runSql<{ n: string }>(one.url, 'SELECT count(*) AS n FROM public.payments')
      expect(Number(count!.n)).toBe(payments.rows)
    } finally {
      await one.drop()
      await whole.drop()
    }
  })

  it('COPY_FAILED when a worker session is killed: no object, no record, no session left', async () => {
    const db = await createDatabase(server.url, { prefix: 'par_bk_kill' })
    try {
      await runSql(db.url, `
        CREATE TABLE ledger (id integer PRIMARY KEY, note text);
        INSERT INTO ledger SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 300000) g;
        CREATE TABLE rooms (id integer PRIMARY KEY, name text);
        INSERT INTO rooms SELECT g, 'room ' || g FROM generate_series(1, 1000) g;
        ANALYZE;`)
      const dir = await mkdtemp(join(tmpdir(), 'pgkeep-par-bk-fail-'))
      const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false, dump: { jobs: 4 } })
      let killed = false
      const error = await failure(backups.create({
        onProgress: (p) => {
          if (p.phase !== 'data' || p.table !== 'public.ledger' || killed) return
          killed = true
          void runSql(server.url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = '${db.name}' AND application_name = 'pgkeep' AND query LIKE 'COPY public.ledger%'`)
        },
      }))
      expect(killed).toBe(true)
      expect(error.code).toBe('COPY_FAILED')
      expect(error.message).toContain('ledger')
      expect(await filesUnder(dir)).toEqual([])
      expect(await backups.list()).toEqual([])
      expect(await pgkeepSessions(db.name)).toBe(0)
    } finally {
      await db.drop()
    }
  })
})
