// Signed manifests (option `signing`, PGKEEP_SIGNING_KEY): signed backups restore, verify, download and
// compare in folder and S3 storage; a manifest edited after the fact, a stored object swapped or with a
// changed member, an unknown key id and (when required) an unsigned backup are refused with
// BACKUP_UNTRUSTED before anything is applied; rotation; key length; no key in manifests or errors.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { inspect } from 'node:util'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, generateAgeKeyPair, managerOptionsFromEnv, s3Storage, type BackupManager, type ManagerEvents, type StorageDriver } from '../../src/index'
import { failure } from '../failure'
import { readObject } from '../helpers/read-object'

const server = inject('pgDefault')
const s3 = inject('s3')
const KEY = randomBytes(32).toString('hex')
const NEW_KEY = randomBytes(32).toString('base64')
const keyId = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 8)

let source: TestDatabase
/** Big enough that a restore applies its first statements long before it has read the last byte. */
let bigSource: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'sign_src' })
  await runSql(source.url, `
    CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 200) i;
    CREATE TABLE notes (id integer PRIMARY KEY, body text);
    INSERT INTO notes SELECT i, repeat('n', i) FROM generate_series(1, 50) i;`)
  bigSource = await createDatabase(server.url, { prefix: 'sign_big' })
  await runSql(bigSource.url, `
    CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO items SELECT i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 100000) i;
    CREATE TABLE notes (id integer PRIMARY KEY, body text);
    INSERT INTO notes SELECT i, md5(i::text) FROM generate_series(1, 100000) i;`)
}, 120_000)
afterAll(async () => {
  await source?.drop()
  await bigSource?.drop()
})

const read = readObject
const write = (storage: StorageDriver, key: string, body: Buffer) => storage.put(key, Readable.from([body]))

async function streamed(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}

async function tableNames(url: string): Promise<string[]> {
  const rows = await runSql<{ relname: string }>(url, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1")
  return rows.map((r) => r.relname)
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'`)
  return rows[0]!.n !== '0'
}

/** A fresh manager on the same storage (so that nothing is cached from before a change in storage). */
function manager(storage: StorageDriver, signing?: Parameters<typeof createBackupManager>[0]['signing'], database = source): BackupManager {
  return createBackupManager({ connection: database.url, storage, rateLimit: false, ...(signing ? { signing } : {}) })
}

/** Edits a backup's manifest in storage, as someone who can write the storage but lacks the key would. */
async function editManifest(storage: StorageDriver, storagePath: string, edit: (m: Record<string, any>) => void): Promise<void> {
  const key = manifestKeyOf(storagePath)
  const manifest = JSON.parse((await read(storage, key)).toString('utf8')) as Record<string, any>
  edit(manifest)
  await write(storage, key, Buffer.from(JSON.stringify(manifest, null, 2)))
}

const STORAGES: [string, () => Promise<StorageDriver>][] = [
  ['folder storage', async () => fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-sign-')) })],
  ['S3 storage', async () => s3Storage({ endPoint: s3.endPoint, port: s3.port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, bucket: `pgkeep-sign-${randomBytes(4).toString('hex')}` })],
]

describe.each(STORAGES)('signed backups in %s', (_label, make) => {
  it('are signed with the key id, and restore, verify, download and compare', async () => {
    const storage = await make()
    const backups = manager(storage, { key: KEY })
    const record = await backups.create()
    const second = await backups.create()
    expect(record.signed).toBe(true)
    const manifest = await backups.manifest(record.id)
    expect(manifest.signature).toMatchObject({ algorithm: 'hmac-sha256', keyId: keyId(Buffer.from(KEY, 'hex')) })
    expect(manifest.members.every((m) => /^[0-9a-f]{64}$/.test(m.sha256 ?? ''))).toBe(true)
    const stored = await read(storage, manifestKeyOf(record.storagePath))
    expect(stored.toString('utf8')).not.toContain(KEY)

    const fresh = manager(storage, { key: KEY, require: true })
    expect((await fresh.list()).map((r) => r.signed)).toEqual([true, true])
    const name = `sign_full_${Date.now()}`
    try {
      const summary = await fresh.restore(record.id, { target: server.url, createDatabase: name })
      expect(summary.tables.map((t) => `${t.name}:${t.rows}`).sort()).toEqual(['items:200', 'notes:50'])
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
    const target = await createDatabase(server.url, { prefix: 'sign_one' })
    try {
      const summary = await fresh.restore(record.id, { target: target.url, tables: ['public.notes'] })
      expect(summary.tables).toEqual([{ schema: 'public', name: 'notes', rows: 50 }])
    } finally {
      await target.drop()
    }
    expect((await fresh.verify(record.id)).ok).toBe(true)
    expect(await streamed(await fresh.download(record.id))).toEqual(await read(storage, record.storagePath))
    expect((await fresh.compare(record.id, second.id)).tables.changed).toEqual([])
  })

  it('refuses a manifest edited without the key, and a stored object that is not the signed one, before applying anything', async () => {
    const storage = await make()
    const record = await manager(storage, { key: KEY }, bigSource).create()
    const original = await read(storage, manifestKeyOf(record.storagePath))

    // A row count changed (the manifest is otherwise intact).
    await editManifest(storage, record.storagePath, (m) => { m.tables[0].rows += 1 })
    let backups = manager(storage, { key: KEY }, bigSource)
    for (const attempt of [() => backups.restore(record.id, { target: server.url, createDatabase: `sign_no_${Date.now()}` }), () => backups.verify(record.id), () => backups.download(record.id)]) {
      const error = await failure(attempt(), 'BACKUP_UNTRUSTED')
      expect(error.message).toContain(`backup ${record.id}`)
      expect(error.message).toContain('tampered with: its manifest does not match its signature')
    }

    // The object changed (one byte of the notes member) and the manifest's sha256 made to match it.
    await write(storage, manifestKeyOf(record.storagePath), original)
    const bytes = await read(storage, record.storagePath)
    const swapped = Buffer.from(bytes)
    const manifest = JSON.parse(original.toString('utf8')) as { members: { label: string | null; offset: number; length: number }[] }
    const member = manifest.members.find((m) => m.label === 'table:public.notes')!
    swapped[member.offset + Math.floor(member.length / 2)]! ^= 0xff
    await write(storage, record.storagePath, swapped)
    await editManifest(storage, record.storagePath, (m) => { m.sha256 = createHash('sha256').update(swapped).digest('hex') })
    backups = manager(storage, { key: KEY }, bigSource)
    expect((await failure(backups.restore(record.id, { target: server.url, createDatabase: `sign_no_${Date.now()}` }), 'BACKUP_UNTRUSTED')).message).toContain('does not match its signature')

    // The manifest intact, the object changed: refused by the signed checksums, with nothing applied even statement by statement.
    await write(storage, manifestKeyOf(record.storagePath), original)
    backups = manager(storage, { key: KEY }, bigSource)
    const target = await createDatabase(server.url, { prefix: 'sign_tgt' })
    try {
      const whole = await failure(backups.restore(record.id, { target: target.url, singleTransaction: false }), 'BACKUP_UNTRUSTED')
      expect(whole.message).toContain('the stored object does not match its signed sha256')
      expect(await tableNames(target.url)).toEqual([])
      const selective = await failure(backups.restore(record.id, { target: target.url, tables: ['public.notes'], singleTransaction: false }), 'BACKUP_UNTRUSTED')
      expect(selective.message).toContain('member table:public.notes')
      expect(await tableNames(target.url)).toEqual([])
    } finally {
      await target.drop()
    }
    // verify reports the object as not matching its (signed) manifest and restores nothing.
    const report = await backups.verify(record.id)
    expect(report.ok).toBe(false)
    expect(report.tables).toEqual([])
    // A whole download fails at its end.
    const download = await failure(async () => streamed(await backups.download(record.id)), 'BACKUP_UNTRUSTED')
    expect(download.message).toContain('does not match its signed sha256')
  })
}, 120_000)

describe('unsigned backups, key ids and rotation', () => {
  it('refuses an unsigned backup when signing is required, and allows it with an alert otherwise', async () => {
    const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-sign-u-')) })
    const record = await manager(storage).create()
    expect(record.signed).toBe(false)

    const strict = manager(storage, { key: KEY, require: true })
    expect((await strict.list()).map((r) => r.signed)).toEqual([false])
    const name = `sign_u_${Date.now()}`
    for (const attempt of [() => strict.restore(record.id, { target: server.url, createDatabase: name }), () => strict.verify(record.id), () => strict.download(record.id)]) {
      const error = await failure(attempt(), 'BACKUP_UNTRUSTED')
      expect(error.message).toMatch(new RegExp(`^backup ${record.id} \\(.+\\) is unsigned, and signing is required`))
    }
    expect(await databaseExists(name)).toBe(false)

    const lenient = manager(storage, { key: KEY })
    const alerts: ManagerEvents['alert'][] = []
    lenient.on('alert', (a) => { alerts.push(a) })
    try {
      const summary = await lenient.restore(record.id, { target: server.url, createDatabase: name })
      expect(summary.tables.length).toBe(2)
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
    expect(alerts).toEqual([expect.objectContaining({ kind: 'backup-unsigned', detail: { id: record.id, action: 'restore' } })])
    expect(alerts[0]!.message).toContain(`backup ${record.id}`)
  })

  it('rotates keys: a previous key verifies, the new key signs; a key not configured is named by its id', async () => {
    const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-sign-r-')) })
    const old = await manager(storage, { key: KEY }).create()
    const rotated = manager(storage, { key: NEW_KEY, previousKeys: [KEY], require: true })
    expect((await rotated.verify(old.id)).ok).toBe(true)
    const fresh = await rotated.create()
    expect((await rotated.manifest(fresh.id)).signature?.keyId).toBe(keyId(Buffer.from(NEW_KEY, 'base64')))

    const newOnly = manager(storage, { key: NEW_KEY })
    expect((await newOnly.verify(fresh.id)).ok).toBe(true)
    const error = await failure(newOnly.verify(old.id), 'BACKUP_UNTRUSTED')
    expect(error.message).toContain(`is signed with key id ${keyId(Buffer.from(KEY, 'hex'))}, which is not among the configured keys (${keyId(Buffer.from(NEW_KEY, 'base64'))})`)
    expect(error.hint).toContain('previousKeys')
  })
})

describe('signed and encrypted backups', () => {
  it('restore whole and one table from the decrypted stream, checked member by member, and refuse a changed object', async () => {
    const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-sign-e-')) })
    const recipients = await generateAgeKeyPair()
    const backups = createBackupManager({
      connection: source.url, storage, rateLimit: false, signing: { key: KEY, require: true },
      encryption: { recipients: [recipients.recipient] }, decryption: { identities: [recipients.identity] },
    })
    const record = await backups.create()
    expect(record.signed).toBe(true)
    const name = `sign_enc_${Date.now()}`
    try {
      expect((await backups.restore(record.id, { target: server.url, createDatabase: name })).tables.length).toBe(2)
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
    const target = await createDatabase(server.url, { prefix: 'sign_enc_one' })
    try {
      expect((await backups.restore(record.id, { target: target.url, tables: ['notes'] })).tables).toEqual([{ schema: 'public', name: 'notes', rows: 50 }])
      // Anyone can encrypt to the public recipient: a new age file of another dump under the backup's key is refused.
      const other = createBackupManager({ connection: source.url, storage: fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-sign-e2-')) }), rateLimit: false, encryption: { recipients: [recipients.recipient] } })
      const foreign = await other.create({ tables: ['notes'] })
      await write(storage, record.storagePath, await read(other.storage, foreign.storagePath))
      const fresh = createBackupManager({ connection: source.url, storage, rateLimit: false, signing: { key: KEY }, decryption: { identities: [recipients.identity] } })
      const refused = await failure(fresh.restore(record.id, { target: target.url, tables: ['notes'], clean: true }), 'BACKUP_UNTRUSTED')
      expect(refused.message).toMatch(new RegExp(`^backup ${record.id} .* was tampered with: (member script|it ends).*signed`))
    } finally {
      await target.drop()
    }
  })
})

describe('presigned download URLs under a signing key (S3)', () => {
  // downloadUrl() presigned without looking at the signature: an admin's download link reached a
  // tampered or (while required) unsigned backup that download(), restore and verify refuse.
  const bucketStorage = () => s3Storage({ endPoint: s3.endPoint, port: s3.port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, bucket: `pgkeep-sign-url-${randomBytes(4).toString('hex')}` })

  it('are refused for a tampered, unknown-key or (when required) unsigned backup, as download() is', async () => {
    const storage = bucketStorage()
    const signed = await manager(storage, { key: KEY }).create()
    const unsigned = await manager(storage).create()
    const strict = manager(storage, { key: KEY, require: true })
    expect(strict.checksDownloads).toBe(true)
    expect((await strict.downloadUrl(signed.id)).url).toMatch(/^http:\/\/.+X-Amz-Signature=/)
    const unsignedError = await failure(() => strict.downloadUrl(unsigned.id), 'BACKUP_UNTRUSTED')
    expect(unsignedError.message).toMatch(new RegExp(`^backup ${unsigned.id} \\(.+\\) is unsigned, and signing is required: refusing to download it`))
    expect((await failure(() => manager(storage, { key: NEW_KEY }).downloadUrl(signed.id), 'BACKUP_UNTRUSTED')).message).toContain('not among the configured keys')
    await editManifest(storage, signed.storagePath, (m) => { m.tables[0].rows += 1 })
    expect((await failure(() => manager(storage, { key: KEY, require: true }).downloadUrl(signed.id), 'BACKUP_UNTRUSTED')).message).toContain('tampered with')
    // without a key nothing is checked, and nothing is refused
    const open = manager(storage)
    expect(open.checksDownloads).toBe(false)
    expect((await open.downloadUrl(signed.id)).url).toMatch(/X-Amz-Signature=/)
  })
})

describe('signing keys', () => {
  it('refuses keys shorter than 32 bytes, naming the field and never the key', async () => {
    const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-sign-k-')) })
    // 31 characters of text, 62 hex digits (31 bytes), base64 of 23 bytes (32 characters), 31 raw bytes.
    const short = ['x'.repeat(31), 'ab'.repeat(31), randomBytes(23).toString('base64'), new Uint8Array(31)]
    for (const key of short) {
      const error = await failure(() => manager(storage, { key }), 'OPTIONS_INVALID')
      expect(error.message).toContain('signing.key: is too short: a signing key must be 64 or more hex digits')
      if (typeof key === 'string') for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: Infinity })]) expect(text).not.toContain(key)
    }
    const previous = await failure(() => manager(storage, { key: KEY, previousKeys: ['short key'] }), 'OPTIONS_INVALID')
    expect(previous.message).toContain('signing.previousKeys.0: is too short')
    // 32 characters of text, 32 bytes as base64, 64 hex digits and 32 raw bytes are accepted.
    for (const key of ['k'.repeat(32), randomBytes(32).toString('base64'), randomBytes(32).toString('hex'), randomBytes(32)]) manager(storage, { key })
  })

  it('come from PGKEEP_SIGNING_KEY, PGKEEP_SIGNING_KEYS_OLD and PGKEEP_REQUIRE_SIGNATURE', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-sign-env-'))
    const base = { PGKEEP_DATABASE_URL: source.url, PGKEEP_BACKUP_DIR: dir }
    const options = managerOptionsFromEnv({ ...base, PGKEEP_SIGNING_KEY: NEW_KEY, PGKEEP_SIGNING_KEYS_OLD: `${KEY}, ${'z'.repeat(40)}`, PGKEEP_REQUIRE_SIGNATURE: '1' })
    expect(options.signing).toEqual({ key: NEW_KEY, previousKeys: [KEY, 'z'.repeat(40)], require: true })
    expect(managerOptionsFromEnv(base).signing).toBeUndefined()
    const short = await failure(() => managerOptionsFromEnv({ ...base, PGKEEP_SIGNING_KEY: 'too short' }), 'OPTIONS_INVALID')
    expect(short.message).toContain('PGKEEP_SIGNING_KEY is too short')
    expect(JSON.stringify(short)).not.toContain('"too short"')
    expect((await failure(() => managerOptionsFromEnv({ ...base, PGKEEP_SIGNING_KEY: KEY, PGKEEP_SIGNING_KEYS_OLD: 'short' }), 'OPTIONS_INVALID')).message).toContain('key 1 of PGKEEP_SIGNING_KEYS_OLD is too short')
    expect((await failure(() => managerOptionsFromEnv({ ...base, PGKEEP_REQUIRE_SIGNATURE: '1' }), 'OPTIONS_INVALID')).message).toContain('PGKEEP_SIGNING_KEY is not')
    expect((await failure(() => managerOptionsFromEnv({ ...base, PGKEEP_SIGNING_KEY: KEY, PGKEEP_REQUIRE_SIGNATURE: 'yes' }), 'OPTIONS_INVALID')).message).toContain('PGKEEP_REQUIRE_SIGNATURE must be')
  })
})
