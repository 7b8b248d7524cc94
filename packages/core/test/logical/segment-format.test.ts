// The change segment's formats on a real server: a version 1 segment (one line per transaction, written
// here in that layout as pgkeep wrote it before) still replays; a version 2 segment whose stored bytes were
// damaged is BACKUP_CORRUPT with nothing of it applied; the replay's temporary folder is gone after a
// replay that succeeded, failed (a corrupt segment, a row the copy lacks) or was aborted; a transaction
// past the memory budget spills to a file that discard() removes.
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { gunzipSync, gzipSync } from 'node:zlib'
import { createDatabase, runSql, withClient, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { readSegment, writeSegment, type ArchivedTransaction, type Relation } from '../../src/logical/change-segment'
import { replayArchive } from '../../src/logical/replay-archive'
import { segmentKeys, type SegmentManifest } from '../../src/logical/segment-manifest'
import { TransactionSpill } from '../../src/logical/transaction-spill'
import { fsStorage } from '../../src/storage/fs-storage'
import type { StorageDriver } from '../../src/storage/driver'

const server = inject('pgDefault')
const work = mkdtempSync(join(tmpdir(), 'pgkeep-segment-format-'))
const ownTmp = join(work, 'tmp')
const savedTmp = process.env.TMPDIR
let db: TestDatabase

const items: Relation = {
  tag: 'relation', oid: 91001, schema: 'public', name: 'items', replicaIdentity: 'd',
  columns: [{ name: 'id', typeOid: 23, typeMod: -1, key: true }, { name: 'note', typeOid: 25, typeMod: -1, key: false }],
}
const text = (value: string) => ({ kind: 'text' as const, value })
let lsn = 0x3000000n
/** A transaction inserting ids `from`..`to` (and committed at now + i ms). */
function inserts(xid: number, from: number, to: number): ArchivedTransaction {
  const commitLsn = (lsn += 0x1000n)
  const changes: ArchivedTransaction['changes'] = []
  for (let id = from; id <= to; id++) changes.push({ tag: 'insert', relation: items.oid, row: [text(String(id)), text(`note ${id}`)] })
  return { xid, commitLsn, endLsn: commitLsn + 0x40n, commitTime: BigInt(Date.now() - 946_684_800_000) * 1000n + BigInt(xid), changes }
}

/** Writes a segment in the layout of format version 1, as pgkeep wrote it before version 2. */
async function writeV1Segment(storage: StorageDriver, prefix: string, transactions: ArchivedTransaction[]): Promise<void> {
  const encode = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))
  const body = gzipSync(Buffer.from(`${[encode({ relations: [items] }), ...transactions.map(encode)].join('\n')}\n`))
  const first = transactions[0]!
  const last = transactions.at(-1)!
  const { key, manifestKey } = segmentKeys(prefix, first.commitLsn, last.endLsn)
  await storage.put(key, Readable.from([body]))
  const manifest: SegmentManifest = {
    format: 'pgkeep-changes', formatVersion: 1, slot: 's', firstCommitLsn: '0/1', endLsn: '0/2',
    firstCommitAt: new Date().toISOString(), lastCommitAt: new Date().toISOString(), transactions: transactions.length,
    rows: { 'public.items': transactions.reduce((n, t) => n + t.changes.length, 0) }, size: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  }
  await storage.put(manifestKey, Readable.from([Buffer.from(JSON.stringify(manifest))]))
}

const ids = async () => (await runSql<{ id: number }>(db.url, 'SELECT id FROM items ORDER BY id')).map((r) => r.id)

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'segment_format' })
})
beforeEach(async () => {
  await runSql(db.url, 'DROP TABLE IF EXISTS items; CREATE TABLE items (id integer PRIMARY KEY, note text)')
  // the replay's temporary folders go in a folder of this test's own, checked empty after each replay
  rmSync(ownTmp, { recursive: true, force: true })
  mkdirSync(ownTmp)
  process.env.TMPDIR = ownTmp
})
afterAll(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = savedTmp
  await db.drop()
  rmSync(work, { recursive: true, force: true })
})

describe('change segment formats', () => {
  it('a version 1 segment still replays, and readSegment reads it', async () => {
    const storage = fsStorage({ dir: join(work, 'v1') })
    await writeV1Segment(storage, 'changes/', [inserts(501, 1, 3), inserts(502, 4, 5)])
    const summary = await withClient(db.url, (c) => replayArchive(c, storage, 'changes/'))
    expect(summary).toMatchObject({ transactions: 2, rows: 5 })
    expect(await ids()).toEqual([1, 2, 3, 4, 5])
    expect(readdirSync(ownTmp)).toEqual([])
  })

  it('writeSegment writes version 2 (a begin line, one line per change, a commit line), which reads back as written', async () => {
    const storage = fsStorage({ dir: join(work, 'v2') })
    const written = [inserts(601, 1, 2), inserts(602, 3, 3)]
    const manifest = await writeSegment(storage, 'changes/', 's', [items], written)
    expect(manifest).toMatchObject({ formatVersion: 2, transactions: 2, rows: { 'public.items': 3 } })
    const key = segmentKeys('changes/', written[0]!.commitLsn, written[1]!.endLsn).key
    const stored = readFileSync(join(work, 'v2', key))
    expect(manifest.size).toBe(stored.length)
    expect(manifest.sha256).toBe(createHash('sha256').update(stored).digest('hex'))
    const lines = gunzipSync(stored).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { tag?: string })
    expect(lines.map((l) => l.tag ?? 'relations')).toEqual(['relations', 'begin', 'insert', 'insert', 'commit', 'begin', 'insert', 'commit'])
    expect(await readSegment(storage, key, manifest)).toEqual({ relations: [items], transactions: written })
    const summary = await withClient(db.url, (c) => replayArchive(c, storage, 'changes/'))
    expect(summary).toMatchObject({ transactions: 2, rows: 3 })
    expect(await ids()).toEqual([1, 2, 3])
    expect(readdirSync(ownTmp)).toEqual([])
  })

  it('a damaged version 2 segment is BACKUP_CORRUPT and nothing of it is applied', async () => {
    const storage = fsStorage({ dir: join(work, 'corrupt') })
    const written = [inserts(701, 1, 2000), inserts(702, 2001, 2002)]
    const manifest = await writeSegment(storage, 'changes/', 's', [items], written)
    const path = join(work, 'corrupt', segmentKeys('changes/', written[0]!.commitLsn, written[1]!.endLsn).key)
    const bytes = readFileSync(path)
    // a byte of the first gzip header's MTIME, which gunzip does not check: every line still decodes, so
    // only the sha256, checked before anything is applied, tells (without it both transactions would be)
    bytes[4]! ^= 0xff
    writeFileSync(path, bytes)
    expect(manifest.formatVersion).toBe(2)
    await expect(withClient(db.url, (c) => replayArchive(c, storage, 'changes/'))).rejects.toMatchObject({ code: 'BACKUP_CORRUPT' })
    expect(await ids()).toEqual([])
    expect(readdirSync(ownTmp)).toEqual([])
  })

  it('a replay that fails on a row or is aborted leaves no temporary file, and keeps the transactions it committed', async () => {
    const storage = fsStorage({ dir: join(work, 'fail') })
    await writeSegment(storage, 'changes/', 's', [items], [inserts(801, 1, 1), inserts(802, 2, 2), inserts(803, 3, 3)])
    await runSql(db.url, `INSERT INTO items VALUES (2, 'already there')`)
    await expect(withClient(db.url, (c) => replayArchive(c, storage, 'changes/'))).rejects.toMatchObject({ code: 'RESTORE_FAILED' })
    expect(await ids()).toEqual([1, 2])
    expect(readdirSync(ownTmp)).toEqual([])

    await runSql(db.url, 'TRUNCATE items')
    const stop = new AbortController()
    await expect(withClient(db.url, (c) => replayArchive(c, storage, 'changes/', undefined, { signal: stop.signal, onTransaction: () => stop.abort() }))).rejects.toMatchObject({ code: 'ABORTED' })
    expect(await ids()).toEqual([1])
    expect(readdirSync(ownTmp)).toEqual([])
  })

  it('a transaction past its memory budget spills to a file, read back in order, removed by discard()', async () => {
    const folder = mkdtempSync(join(work, 'spill-'))
    const spill = new TransactionSpill({ xid: 1, commitLsn: 1n, commitTime: 0n }, async () => folder, 1024)
    const t = inserts(901, 1, 100)
    for (const change of t.changes) await spill.add(change)
    expect(spill.spilled).toBe(true)
    expect(readdirSync(folder)).toHaveLength(1)
    let read = ''
    for await (const chunk of spill.chunks()) read += chunk.toString()
    expect(read.trim().split('\n').map((l) => (JSON.parse(l) as { row: { value: string }[] }).row[0]!.value)).toEqual(t.changes.map((_, i) => String(i + 1)))
    expect(spill.rows.get(items.oid)).toBe(100)
    await spill.discard()
    expect(readdirSync(folder)).toEqual([])
  })
})
