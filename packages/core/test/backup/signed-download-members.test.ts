// A whole download of a signed plain backup lets each gzip member out only once it matched its signed
// sha256 (manager/member-gate.ts): before, the stored object was checked only at its end and everything
// but the last chunk went out first, so `download | gunzip | psql` ran SQL from a changed object. A real
// PostgreSQL and folder, a manager with a signing key; the stored object is changed under its intact
// signed manifest: its first member replaced by another gzip member of the same length (a CREATE TABLE),
// or a byte of a middle member (a table larger than the memory a download holds, so it waits on disk).
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { gunzipSync, gzipSync } from 'node:zlib'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, isPgkeepError, type BackupManager, type BackupManifest, type BackupRecord } from '../../src/index'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { HELD_MEMORY_BYTES } from '../../src/manager/member-gate'

const server = inject('pgDefault')
const KEY = randomBytes(32).toString('hex')
let db: TestDatabase
let dir: string
let backups: BackupManager

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'signed_dl_members' })
  // b_middle: hashes compress poorly, its member is several MB (more than a download holds in memory).
  await runSql(db.url, `
    CREATE TABLE a_first (id int PRIMARY KEY, name text); INSERT INTO a_first SELECT g, 'kamar ' || g FROM generate_series(1, 500) g;
    CREATE TABLE b_middle (id int PRIMARY KEY, body text); INSERT INTO b_middle SELECT g, encode(sha512(g::text::bytea), 'hex') FROM generate_series(1, 80000) g;
    CREATE TABLE c_last (id int PRIMARY KEY, note text); INSERT INTO c_last SELECT g, 'tagihan ' || g FROM generate_series(1, 500) g;`)
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-signed-dl-members-'))
  backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false, signing: { key: KEY, require: true } })
}, 120_000)
afterAll(() => db?.drop())

/** A new signed backup, its stored bytes and its manifest. */
async function made(): Promise<{ record: BackupRecord; file: Buffer; path: string; manifest: BackupManifest }> {
  const record = await backups.create()
  expect(record.signed).toBe(true)
  const path = join(dir, record.storagePath)
  const manifest = JSON.parse(await readFile(join(dir, manifestKeyOf(record.storagePath)), 'utf8')) as BackupManifest
  return { record, file: await readFile(path), path, manifest }
}

/** Everything the consumer of `stream` receives, and the error it ends with (null when it ended). */
function consume(stream: Readable): Promise<{ got: Buffer; error: unknown }> {
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  return new Promise((resolve) => {
    stream.once('error', (error) => resolve({ got: Buffer.concat(chunks), error }))
    stream.once('end', () => resolve({ got: Buffer.concat(chunks), error: null }))
  })
}

/** One gzip member of `text`, exactly `length` bytes long (a header comment pads it). */
function gzipOfLength(text: string, length: number): Buffer {
  const plain = gzipSync(Buffer.from(text))
  const pad = length - plain.length - 1
  expect(pad).toBeGreaterThanOrEqual(0)
  const header = Buffer.from(plain.subarray(0, 10))
  header[3]! |= 0x10 // FCOMMENT
  const out = Buffer.concat([header, Buffer.alloc(pad, 0x20), Buffer.from([0]), plain.subarray(10)])
  expect(out.length).toBe(length)
  return out
}

describe('a whole download of a signed backup changed in storage', () => {
  it('hands over no byte of a replaced first member (a gzip member of the same length) and fails BACKUP_UNTRUSTED naming it', async () => {
    const { record, file, path, manifest } = await made()
    const first = manifest.members[0]!
    expect(first.offset).toBe(0)
    const sql = 'CREATE TABLE pwned(x int);\n'
    const evil = gzipOfLength(sql, first.length)
    expect(gunzipSync(evil).toString()).toBe(sql)
    const changed = Buffer.from(file)
    evil.copy(changed, 0)
    expect(changed.length).toBe(file.length)
    await writeFile(path, changed)

    const { got, error } = await consume(await backups.download(record.id))
    expect(got.length).toBe(0)
    expect(isPgkeepError(error) && error.code).toBe('BACKUP_UNTRUSTED')
    expect((error as Error).message).toContain(`member 1 of ${manifest.members.length} does not match its signed sha256 (definitions, offset 0, ${first.length} bytes); none of its bytes went out`)
  })

  it('hands over exactly the members before a changed middle member, none of it and nothing after', async () => {
    const { record, file, path, manifest } = await made()
    const index = manifest.members.findIndex((m) => m.label?.endsWith('b_middle'))
    const middle = manifest.members[index]!
    expect(index).toBeGreaterThan(0)
    expect(index).toBeLessThan(manifest.members.length - 1)
    // held in a temporary file, not in memory
    expect(middle.length).toBeGreaterThan(HELD_MEMORY_BYTES)
    const changed = Buffer.from(file)
    changed[middle.offset + middle.length - 100]! ^= 0xff
    await writeFile(path, changed)

    const { got, error } = await consume(await backups.download(record.id))
    expect(got.length).toBe(middle.offset)
    expect(got.equals(file.subarray(0, middle.offset))).toBe(true)
    expect(isPgkeepError(error) && error.code).toBe('BACKUP_UNTRUSTED')
    expect((error as Error).message).toContain(`member ${index + 1} of ${manifest.members.length} does not match its signed sha256 (${middle.label}, offset ${middle.offset}, ${middle.length} bytes)`)

    // Unchanged, it goes out whole, as a whole download and as a range of every byte.
    await writeFile(path, file)
    const whole = await consume(await backups.download(record.id))
    expect(whole.error).toBeNull()
    expect(whole.got.equals(file)).toBe(true)
    const ranged = await consume((await backups.openDownload(record.id, { range: { start: 0 } })).stream)
    expect(ranged.error).toBeNull()
    expect(ranged.got.equals(file)).toBe(true)
  })
})
