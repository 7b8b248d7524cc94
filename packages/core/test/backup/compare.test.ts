// backups.compare() and the file comparison: two backups of a database changed in known ways (a table
// added, a column altered, rows updated in one table only, a function body changed) differ in exactly
// those ways, whether read from storage (manifests + definition members) or from the dump files.
import { createHash } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline, Transform } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, diffBackups, fileSide, formatDiff, fsStorage, type BackupDiff, type BackupRecord, type StorageDriver } from '../../src/index'

const server = inject('pgDefault')
let db: TestDatabase
let storage: StorageDriver
const read = { bytes: 0 }
let before: BackupRecord
let after: BackupRecord

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'compare' })
  await runSql(db.url, `
    CREATE TABLE rooms (id integer PRIMARY KEY, name varchar(20) NOT NULL);
    INSERT INTO rooms SELECT g, 'Kamar ' || g FROM generate_series(1, 50) g;
    CREATE TABLE payments (id integer PRIMARY KEY, room_id integer REFERENCES rooms, amount numeric(12,2) NOT NULL);
    INSERT INTO payments SELECT g, 1 + g % 50, 750000 FROM generate_series(1, 2000) g;
    CREATE SEQUENCE receipt_no; SELECT setval('receipt_no', 10);
    CREATE FUNCTION total_paid() RETURNS numeric LANGUAGE sql AS $$ SELECT sum(amount) FROM payments $$;`)
  storage = countingReads(fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-compare-')) }), read)
  const backups = createBackupManager({ connection: db.url, storage })
  before = await backups.create()
  await runSql(db.url, `
    CREATE TABLE tenants (id integer, name text);
    ALTER TABLE rooms ALTER COLUMN name TYPE varchar(40);
    UPDATE payments SET amount = amount + 1 WHERE id <= 10;
    CREATE OR REPLACE FUNCTION total_paid() RETURNS numeric LANGUAGE sql AS $$ SELECT coalesce(sum(amount), 0) FROM payments $$;`)
  after = await backups.create()
}, 120_000)
afterAll(() => db?.drop())

/** Exactly the known changes, and nothing else. */
function expectKnownChanges(diff: BackupDiff): void {
  expect(diff.identical).toBe(false)
  expect(diff.objects.added).toEqual([{ type: 'TABLE', schema: 'public', name: 'tenants' }])
  expect(diff.objects.removed).toEqual([])
  expect(diff.objects.changed).toEqual([
    { type: 'FUNCTION', schema: 'public', name: 'total_paid()' },
    { type: 'TABLE', schema: 'public', name: 'rooms' },
  ])
  expect(diff.tables.added).toEqual([expect.objectContaining({ schema: 'public', name: 'tenants', rows: 0 })])
  expect(diff.tables.removed).toEqual([])
  expect(diff.tables.changed).toEqual([{ schema: 'public', name: 'payments', rows: { a: 2000, b: 2000 }, contentChanged: true }])
  expect(diff.sequences).toEqual([])
}

describe('comparing backups', () => {
  it('backups.compare(a, b) names exactly the changes, reading only the definition members from storage', async () => {
    const backups = createBackupManager({ connection: db.url, storage })
    read.bytes = 0
    const diff = await backups.compare(before.id, after.id)
    expectKnownChanges(diff)
    expect(diff.a).toMatchObject({ label: before.id, size: before.size })
    expect(diff.b).toMatchObject({ label: after.id, size: after.size })
    expect(diff.options).toEqual({})
    // the bytes the storage handed out (counted at the driver) are the definition members: no payment rows
    const manifests = [await backups.manifest(before.id), await backups.manifest(after.id)]
    const definitions = manifests.flatMap((m) => m.members.filter((x) => x.label === null)).reduce((n, m) => n + m.length, 0)
    const payments = manifests.map((m) => m.members.find((x) => x.label === 'table:public.payments')!.length)
    expect(read.bytes).toBe(definitions)
    expect(read.bytes).toBeLessThan(before.size + after.size - payments[0]! - payments[1]!)
  })

  it('the same backup against itself is identical; b against a mirrors a against b', async () => {
    const backups = createBackupManager({ connection: db.url, storage })
    const same = await backups.compare(before.id, before.id)
    expect(same.identical).toBe(true)
    expect(formatDiff(same)).toContain('no differences in schema, rows or sequences')
    const back = await backups.compare(after.id, before.id)
    expect(back.objects.removed).toEqual([{ type: 'TABLE', schema: 'public', name: 'tenants' }])
    expect(back.tables.removed.map((t) => t.name)).toEqual(['tenants'])
  })

  it('the dump files compare as the stored backups do: row counts and COPY hashes computed from the data equal the manifests', async () => {
    const backups = createBackupManager({ connection: db.url, storage })
    const fileA = await fileSide(await storage.get(before.storagePath), 'a.sql.gz')
    const fileB = await fileSide(await storage.get(after.storagePath), 'b.sql.gz')
    expectKnownChanges(diffBackups(fileA, fileB))
    const manifest = await backups.manifest(before.id)
    expect(fileA.facts.tables!.map(({ schema, name, rows, sha256 }) => ({ schema, name, rows, sha256 }))).toEqual(
      manifest.tables.map(({ schema, name, rows, sha256 }) => ({ schema, name, rows, sha256 })),
    )
    expect(fileA.facts.sequences).toEqual(manifest.sequences)
    // the payments hash is the hash of the table's rows as COPY writes them (heap order), computed by the server
    const copied = await runSql<{ t: string }>(db.url, `SELECT string_agg(concat_ws(E'\\t', id, room_id, amount), E'\\n' ORDER BY ctid) || E'\\n' AS t FROM payments`)
    expect(fileB.facts.tables!.find((t) => t.name === 'payments')!.sha256).toBe(createHash('sha256').update(copied[0]!.t).digest('hex'))
  })

  it('formats the differences for people', async () => {
    const backups = createBackupManager({ connection: db.url, storage })
    const out = formatDiff(await backups.compare(before.id, after.id))
    expect(out.split('\n').filter((l) => /^[+~-] /.test(l))).toEqual([
      '+ TABLE public.tenants',
      '~ FUNCTION public.total_paid()',
      '~ TABLE public.rooms',
      '+ rows public.tenants: 0',
      '~ rows public.payments: 2000 rows, content changed',
    ])
  })
})

// --- internal ---

/** The storage, counting every byte its get() streams hand out of dump objects (manifests aside). */
function countingReads(inner: StorageDriver, counter: { bytes: number }): StorageDriver {
  return {
    ...inner,
    async get(key, range) {
      const stream = await inner.get(key, range)
      if (!key.endsWith('.sql.gz')) return stream
      const count = new Transform({ transform: (c: Buffer, _e, done) => ((counter.bytes += c.length), done(null, c)) })
      return pipeline(stream, count, () => {})
    },
  }
}
