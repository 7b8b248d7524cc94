// openDownload() on a real PostgreSQL and a real folder: the record, file name, size and content type
// beside the stream; byte ranges that hold exactly those bytes of the stored file; an audit event written
// when the stream ends (success) or is closed early (failure), never when it opens; and a stream closed
// half way closes the file it reads (checked through /proc/self/fd, not through pgkeep's own account).
import { mkdtemp, readFile, readdir, readlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import type { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type AuditEvent, type BackupManager, type BackupRecord } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
let db: TestDatabase
let dir: string
let backups: BackupManager
let record: BackupRecord
let file: Buffer

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'download' })
  // Hashes compress poorly: the stored file is a few MB, many 64 KiB reads.
  await runSql(db.url, "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, encode(sha512(g::text::bytea), 'hex') || encode(sha512((g + 1)::text::bytea), 'hex') FROM generate_series(1, 40000) g")
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-dl-'))
  backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }) })
  record = await backups.create({ actor: 'maker' })
  file = await readFile(join(dir, record.storagePath))
}, 120_000)
afterAll(() => db?.drop())

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** The download events of `actor`, waiting (up to `ms`) until there are `count` of them: the event is written after the stream settles. */
async function downloadsBy(actor: string, count: number, ms = 5000): Promise<AuditEvent[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const events = await backups.auditLog({ action: 'download' })
    const mine = events.filter((e) => e.actor === actor)
    if (mine.length >= count || Date.now() > deadline) return mine
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Descriptors of this process that point at `path`. */
async function descriptorsOf(path: string): Promise<number> {
  let n = 0
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(join('/proc/self/fd', fd)).catch(() => null)
    if (target === path) n++
  }
  return n
}

describe('openDownload', () => {
  it('streams the whole file with its record, name, size and content type, and audits success only after the end', async () => {
    expect(file.length).toBeGreaterThan(1024 * 1024)
    const d = await backups.openDownload(record.id, { actor: 'full' })
    expect(d.record.id).toBe(record.id)
    expect(d.filename).toBe(record.filename)
    expect(d.size).toBe(file.length)
    expect(d.contentType).toBe('application/gzip')
    expect(d.range).toBeUndefined()
    // Opened, not read: nothing is audited yet.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await downloadsBy('full', 0)).toEqual([])

    expect((await readAll(d.stream)).equals(file)).toBe(true)
    const [event] = await downloadsBy('full', 1)
    expect(event).toMatchObject({ action: 'download', actor: 'full', target: record.id, outcome: 'success', detail: { bytes: file.length } })
    expect(await downloadsBy('full', 2, 300)).toHaveLength(1)
  })

  it('audits a stream destroyed half way as a failure with the bytes sent, and closes the file', async () => {
    const path = join(dir, record.storagePath)
    expect(await descriptorsOf(path)).toBe(0)
    const d = await backups.openDownload(record.id, { actor: 'half' })
    let received = 0
    for await (const chunk of d.stream) {
      received += (chunk as Buffer).length
      // The file is open while the stream is being read (the control for the check after destroy).
      if (received >= file.length / 2) {
        expect(await descriptorsOf(path)).toBe(1)
        break
      }
    }
    // Leaving for-await destroys the stream.
    expect(d.stream.destroyed).toBe(true)
    const [event] = await downloadsBy('half', 1)
    expect(event).toMatchObject({ actor: 'half', target: record.id, outcome: 'failure', detail: { code: 'ABORTED' } })
    expect(event!.detail!.bytes).toBeGreaterThanOrEqual(received)
    expect(event!.detail!.bytes).toBeLessThan(file.length)
    const deadline = Date.now() + 2000
    while ((await descriptorsOf(path)) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await descriptorsOf(path)).toBe(0)
  })

  it('audits a stream destroyed before its first read as a failure too', async () => {
    const d = await backups.openDownload(record.id, { actor: 'never' })
    d.stream.destroy()
    await once(d.stream, 'close')
    const [event] = await downloadsBy('never', 1)
    expect(event).toMatchObject({ outcome: 'failure', detail: { code: 'ABORTED', bytes: 0 } })
  })

  it('serves a byte range: exactly those bytes, the full size beside them, the end clamped to the last byte', async () => {
    const start = 100_000
    const end = 300_000
    const d = await backups.openDownload(record.id, { range: { start, end }, actor: 'range' })
    expect(d.size).toBe(file.length)
    expect(d.range).toEqual({ start, end })
    const bytes = await readAll(d.stream)
    expect(bytes.length).toBe(end - start + 1)
    expect(bytes.equals(file.subarray(start, end + 1))).toBe(true)
    expect((await downloadsBy('range', 1))[0]).toMatchObject({ outcome: 'success', detail: { bytes: end - start + 1, range: { start, end } } })

    const tail = await backups.openDownload(record.id, { range: { start: file.length - 10, end: file.length + 1000 } })
    expect(tail.range).toEqual({ start: file.length - 10, end: file.length - 1 })
    expect((await readAll(tail.stream)).equals(file.subarray(file.length - 10))).toBe(true)
    const open = await backups.openDownload(record.id, { range: { start: 5 } })
    expect((await readAll(open.stream)).equals(file.subarray(5))).toBe(true)
  })

  it('refuses malformed and unsatisfiable ranges with OPTIONS_INVALID, and audits the refusal', async () => {
    for (const range of [{ start: -1 }, { start: 10, end: 9 }, { start: 1.5 }, { start: Number.NaN }]) {
      expect((await failure(backups.openDownload(record.id, { range, actor: 'bad-range' }), 'OPTIONS_INVALID')).message).toContain('invalid byte range')
    }
    const past = await failure(backups.openDownload(record.id, { range: { start: file.length }, actor: 'bad-range' }), 'OPTIONS_INVALID')
    expect(past.message).toContain(`${file.length} bytes`)
    const events = await downloadsBy('bad-range', 5)
    expect(events.map((e) => [e.outcome, e.detail?.code])).toEqual(Array(5).fill(['refused', 'OPTIONS_INVALID']))
  })

  it('labels an encrypted backup application/octet-stream; download(id) is the same stream', async () => {
    const encDir = await mkdtemp(join(tmpdir(), 'pgkeep-dl-enc-'))
    const enc = createBackupManager({ connection: db.url, storage: fsStorage({ dir: encDir }), encryption: { passphrase: 'correct horse' } })
    const made = await enc.create({ tables: ['public.notes'] })
    const d = await enc.openDownload(made.id)
    expect(d.filename).toMatch(/\.sql\.gz\.age$/)
    expect(d.contentType).toBe('application/octet-stream')
    const stored = await readFile(join(encDir, made.storagePath))
    expect((await readAll(d.stream)).equals(stored)).toBe(true)
    expect((await readAll(await enc.download(made.id))).equals(stored)).toBe(true)
  }, 60_000)
})
