// The backup manager end to end on a real PostgreSQL and a real folder: what a backup record holds, the
// manifest's per-table checksums and gzip members, history, removal, limits and failures.
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { createDatabase, restoreWithPsql, runSql, withClient, type TestDatabase } from '@pgkeep/testkit'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { to as copyTo } from 'pg-copy-streams'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupProgress, type PgkeepError } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'mgr_src' })
  await loadSampleDatabase(source.url, { scale: 0.2 })
}, 120_000)
afterAll(() => source?.drop())

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name).slice(dir.length + 1))
  }
  // The audit trail (one object per event under backups/audit/) is meant to stay.
  return out.filter((f) => !f.startsWith('backups/audit/')).sort()
}

async function copySha256(url: string, schema: string, table: string): Promise<string> {
  return withClient(url, async (client) => {
    const hash = createHash('sha256')
    const stream = client.query(copyTo(`COPY "${schema}"."${table}" TO STDOUT`))
    for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk)
    return hash.digest('hex')
  })
}

describe('createBackupManager with fsStorage', () => {
  it('creates a backup whose record, file, manifest and gzip members check out, and restores it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-mgr-'))
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }), namePrefix: 'kostman-backup' })
    const progress: BackupProgress[] = []
    const record = await backups.create({ type: 'manual', createdBy: 'admin-1', onProgress: (p) => progress.push(p) })

    expect(record.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(record.filename).toMatch(/^kostman-backup-\d{4}-\d{2}-\d{2}-\d{13}-[0-9a-f]{8}\.sql\.gz$/)
    expect(record.storagePath).toBe(`backups/${record.createdAt.getUTCFullYear()}/${record.filename}`)
    expect(record.type).toBe('manual')
    expect(record.createdBy).toBe('admin-1')
    const file = await readFile(join(dir, record.storagePath))
    expect(record.size).toBe(file.length)
    expect(record.sha256).toBe(createHash('sha256').update(file).digest('hex'))
    const [counts] = await runSql<{ n: string }>(source.url, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM properties) + (SELECT count(*) FROM rooms)
      + (SELECT count(*) FROM tenants) + (SELECT count(*) FROM bills) + (SELECT count(*) FROM payments) AS n`)
    expect(record.metadata.recordCount).toBeGreaterThanOrEqual(Number(counts!.n))
    expect(record.metadata.tables).toEqual(expect.arrayContaining(['public.bills', 'public.payments', 'public.rooms']))
    expect(await filesUnder(dir)).toEqual([record.storagePath, record.storagePath.replace(/\.sql\.gz$/, '.manifest.json')].sort())

    // progress: catalog first, data with a real percentage, done last
    expect(progress[0]!.phase).toBe('catalog')
    expect(progress.at(-1)!.phase).toBe('done')
    const last = progress.at(-1)!
    expect(last.tablesDone).toBe(last.tablesTotal)
    expect(last.bytesTotal).toBeGreaterThan(0)
    expect(progress.some((p) => p.phase === 'data' && p.table === 'public.payments')).toBe(true)

    // restore with gunzip -c | psql and compare; per-table checksums match the restored tables
    const copy = await createDatabase(server.url, { prefix: 'mgr_copy' })
    try {
      await restoreWithPsql(copy.url, gunzipSync(file))
      const manifest = await backups.manifest(record.id)
      for (const table of manifest.tables) {
        expect(await copySha256(copy.url, table.schema, table.name), `${table.schema}.${table.name}`).toBe(table.sha256)
      }
    } finally {
      await copy.drop()
    }

    // one table's member, cut out by its offsets, is gzip holding exactly that table's COPY block
    const manifest = await backups.manifest(record.id)
    const bills = manifest.tables.find((t) => t.name === 'bills')!
    const member = gunzipSync(file.subarray(bills.member.offset, bills.member.offset + bills.member.length)).toString('utf8')
    expect(member).toMatch(/^--\n-- Data for Name: bills; Type: TABLE DATA; Schema: public; Owner: \S+\n--\n\nCOPY public\.bills \(/)
    expect(member.endsWith('\\.\n\n\n')).toBe(true)
    expect(member.split('\n').filter((l) => l.startsWith('COPY '))).toHaveLength(1)
    expect(createHash('sha256').update(member.slice(member.indexOf('\n', member.indexOf('COPY ')) + 1, -'\\.\n\n\n'.length)).digest('hex')).toBe(bills.sha256)
  })

  it('lists newest first, gets, downloads and removes by id, and rejects unknown and malformed ids', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-mgr-'))
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
    const first = await backups.create({ tables: ['public.rooms'] })
    const second = await backups.create({ type: 'scheduled', tables: ['public.properties'] })
    expect(first.metadata.tables).toEqual(['public.rooms'])

    const listed = await backups.list()
    expect(listed.map((r) => r.id)).toEqual([second.id, first.id])
    expect((await backups.list({ limit: 1 })).map((r) => r.id)).toEqual([second.id])
    expect((await backups.list({ before: second.createdAt })).map((r) => r.id)).toEqual([first.id])
    // a new manager reads the history back from storage alone
    const again = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
    expect((await again.get(first.id)).sha256).toBe(first.sha256)

    const chunks: Buffer[] = []
    for await (const c of await again.download(first.id)) chunks.push(c as Buffer)
    expect(createHash('sha256').update(Buffer.concat(chunks)).digest('hex')).toBe(first.sha256)

    const fsError = await failure(again.downloadUrl(first.id))
    expect(fsError.code).toBe('STORAGE_UNSUPPORTED')

    await again.remove(first.id)
    expect((await again.list()).map((r) => r.id)).toEqual([second.id])
    expect(await filesUnder(dir)).toHaveLength(2)
    expect((await failure(again.get(first.id))).code).toBe('BACKUP_NOT_FOUND')
    expect((await failure(again.get('not-a-uuid'))).code).toBe('OPTIONS_INVALID')
    expect((await failure(again.remove('00000000-0000-4000-8000-000000000000'))).code).toBe('BACKUP_NOT_FOUND')
  })

  it('fails with SIZE_LIMIT_EXCEEDED past maxSizeBytes and leaves nothing in storage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-mgr-'))
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }), maxSizeBytes: 50_000 })
    const error = await failure(backups.create())
    expect(error.code).toBe('SIZE_LIMIT_EXCEEDED')
    expect(error.message).toContain('50000')
    expect(await filesUnder(dir)).toEqual([])
    expect(await backups.list()).toEqual([])
  })

  it('fails with COPY_FAILED when the database session is killed mid-COPY, recording nothing and leaving no file', async () => {
    // A database of its own with one big table (~45 MB of COPY text): the kill, sent at the table's first
    // progress report, lands while most of its COPY is still to come, as in faults.test.ts.
    const big = await createDatabase(server.url, { prefix: 'mgr_kill' })
    try {
      await runSql(big.url, 'CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 1000000) g')
      const dir = await mkdtemp(join(tmpdir(), 'pgkeep-mgr-'))
      const backups = createBackupManager({ connection: big.url, storage: fsStorage({ dir }) })
      let killing: Promise<{ pg_terminate_backend: boolean }[]> | undefined
      const error = await failure(backups.create({
        onProgress: (p) => {
          if (killing === undefined && p.phase === 'data' && p.table === 'public.big') {
            killing = runSql(server.url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${big.name}' AND application_name = 'pgkeep'`)
          }
        },
      }))
      expect(killing).toBeDefined()
      const terminated = (await killing!).map((r) => r.pg_terminate_backend)
      expect(terminated.length).toBeGreaterThan(0)
      expect(terminated.every(Boolean)).toBe(true)
      expect(error.code).toBe('COPY_FAILED')
      expect(error.message).toMatch(/terminat/i)
      expect(await filesUnder(dir)).toEqual([])
      expect(await backups.list()).toEqual([])
    } finally {
      await big.drop()
    }
  }, 120_000)

  it('rejects invalid options naming the field', async () => {
    const bad = (o: unknown) => { try { createBackupManager(o as never); return null } catch (e) { return e as PgkeepError } }
    expect(bad({ connection: source.url, compressionLevel: 12 })?.message).toContain('compressionLevel')
    expect(bad({ connection: source.url, namePrefix: '../x' })?.message).toContain('namePrefix')
    expect(bad({ connection: source.url, storage: {} })?.message).toContain('storage')
    expect(bad({ connection: source.url, dump: { tabels: ['x'] } })?.code).toBe('OPTIONS_INVALID')
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir: tmpdir() }) })
    expect((await failure(backups.create({ type: 'weekly' } as never))).message).toContain('type')
    expect((await failure(backups.create({ tables: ['no_such_table'] }))).code).toBe('PATTERN_NO_MATCH')
  })
})

describe('history mirrored in a PostgreSQL table', () => {
  it('keeps the table in step with create and remove, and rebuilds it from storage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-mgr-'))
    const db = await createDatabase(server.url, { prefix: 'mgr_hist' })
    try {
      await runSql(db.url, 'CREATE TABLE rooms (id int PRIMARY KEY); INSERT INTO rooms VALUES (1), (2)')
      const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), history: { table: 'public.backups' } })
      expect(backups.historyTableSql()).toContain('CREATE TABLE IF NOT EXISTS public.backups')
      const a = await backups.create({ createdBy: 7 })
      const b = await backups.create()
      const rows = await runSql<{ id: string; size: string; created_by: string | null; metadata: { recordCount: number } }>(db.url, 'SELECT id, size, created_by, metadata FROM backups ORDER BY created_at')
      expect(rows.map((r) => [r.id, Number(r.size), r.created_by])).toEqual([[a.id, a.size, '7'], [b.id, b.size, null]])
      expect(rows[0]!.metadata.recordCount).toBe(2)
      await backups.remove(a.id)
      expect((await runSql<{ id: string }>(db.url, 'SELECT id FROM backups')).map((r) => r.id)).toEqual([b.id])
      await runSql(db.url, 'DELETE FROM backups')
      expect(await backups.rebuildHistory()).toBe(1)
      expect((await runSql<{ id: string }>(db.url, 'SELECT id FROM backups')).map((r) => r.id)).toEqual([b.id])
    } finally {
      await db.drop()
    }
  })
})
