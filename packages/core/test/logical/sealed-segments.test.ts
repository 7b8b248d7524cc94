// Change segments sealed like the backups (logical/sealed-segments.ts): a manager that encrypts archives
// (no allowPlainSegments), every stored segment is an age file holding no row text, and its manifest is
// signed; a restore with until gives the source as it was; a missing or wrong key fails before the target
// is touched; a tampered manifest, an unsigned one when signing is required, and a modified segment are
// refused with the codes a tampered or modified backup gets. fs storage (X25519 recipients, signing) and
// the testkit's S3 endpoint (a passphrase); and `pgkeep archive` with PGKEEP_ENCRYPTION_PASSPHRASE.
// Logical decoding needs wal_level = logical: an embedded server of the default major.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { assertBuilt, createDatabase, runSql, startS3Server, type TestDatabase } from '@pgkeep/testkit'
import { findFreePort } from '@pgkeep/testkit/free-port'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, generateAgeKeyPair, isPgkeepError, s3Storage, type BackupManager, type PgkeepError } from '../../src/index'
import { archivedState } from '../../src/logical/archiver'
import { chainPrefixOf } from '../../src/logical/chain'
import { readSegment, writeSegment, type Relation } from '../../src/logical/change-segment'
import { listSegments } from '../../src/logical/replay-archive'
import { sealedSegments } from '../../src/logical/sealed-segments'
import { parseManifest } from '../../src/manifest/manifest'
import { planReplay } from '../../src/restore/point-in-time'
import type { StorageDriver } from '../../src/storage/driver'
import { fsStorage } from '../../src/storage/fs-storage'
import { logicalServers } from './logical-servers'
import { waitFor } from './ledger-workload'

const bin = fileURLToPath(new URL('../../../cli/dist/bin.js', import.meta.url))
const logical = await logicalServers('segseal')
const { workDir } = logical
const server = logical.servers.find((s) => s.major === inject('pgDefault').major) ?? logical.servers[0]!
beforeAll(() => assertBuilt('core', 'cli'))
afterAll(() => logical.stop())

const SECRET = 'segseal-secret-row'
const SCHEMA = 'CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL);'
const rowsOf = async (url: string) => (await runSql<{ rows: string | null }>(url, "SELECT string_agg(n::text, '|' ORDER BY id) AS rows FROM notes n"))[0]!.rows
const tablesIn = async (url: string) => Number((await runSql<{ n: string }>(url, "SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'public'"))[0]!.n)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function read(storage: StorageDriver, key: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await storage.get(key)) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks)
}
const write = (storage: StorageDriver, key: string, bytes: Buffer) => storage.put(key, Readable.from([bytes]))

async function keysUnder(storage: StorageDriver, prefix: string, suffix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of storage.list(prefix)) if (o.key.endsWith(suffix)) keys.push(o.key)
  return keys.sort()
}

async function expectError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<PgkeepError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(isPgkeepError(error), String(error)).toBe(true)
  const e = error as PgkeepError
  expect(e.code, e.message).toBe(code)
  expect(e.message).toMatch(pattern)
  return e
}

interface Archived { chainId: string; prefix: string; at: Date; rowsAt: string; rowsEnd: string }

/** Archives two batches of rows with manager.archive(), a recorded moment between them. */
async function archiveTwoBatches(manager: BackupManager, db: TestDatabase): Promise<Archived> {
  const handle = manager.archive()
  try {
    await waitFor('the archiver to stream', () => handle.status().phase === 'streaming' || !handle.status().running, 120_000)
    expect(handle.status().running, handle.status().lastError?.message).toBe(true)
    for (let i = 1; i <= 3; i++) await runSql(db.url, `INSERT INTO notes VALUES (${i}, '${SECRET}-${i}')`)
    await waitFor('the first batch', () => handle.status().transactions >= 3)
    await sleep(5)
    const [row] = await runSql<{ at: Date }>(db.url, 'SELECT clock_timestamp() AS at')
    const rowsAt = (await rowsOf(db.url))!
    await sleep(5)
    await runSql(db.url, `UPDATE notes SET body = '${SECRET}-changed' WHERE id = 2; DELETE FROM notes WHERE id = 3; INSERT INTO notes VALUES (4, '${SECRET}-4')`)
    await waitFor('the second batch', () => handle.status().transactions >= 4)
    await handle.stop({ dropSlot: true })
    await handle.done
    const chainId = handle.status().chainId!
    const record = (await manager.list()).find((r) => r.id === chainId)!
    return { chainId, prefix: chainPrefixOf(record.storagePath), at: row!.at, rowsAt, rowsEnd: (await rowsOf(db.url))! }
  } finally {
    if (handle.status().running) await handle.stop({ dropSlot: true }).catch(() => {})
  }
}

/** The stored segments: age files (of `stanza`) without the rows' text. */
async function expectSealed(storage: StorageDriver, prefix: string, stanza: 'X25519' | 'scrypt'): Promise<string[]> {
  const data = await keysUnder(storage, prefix, '.changes.gz')
  expect(data.length).toBeGreaterThan(0)
  for (const key of data) {
    const bytes = await read(storage, key)
    expect(bytes.subarray(0, 'age-encryption.org/'.length).toString('latin1')).toBe('age-encryption.org/')
    expect(bytes.includes(`\n-> ${stanza} `)).toBe(true)
    expect(bytes.includes(SECRET)).toBe(false)
    const manifest = JSON.parse((await read(storage, key.replace(/\.changes\.gz$/, '.segment.json'))).toString('utf8')) as Record<string, unknown>
    expect(manifest.encryption).toMatchObject({ format: 'age', method: stanza === 'scrypt' ? 'scrypt' : 'x25519', size: bytes.length })
    expect(JSON.stringify(manifest)).not.toContain(SECRET)
  }
  return data
}

describe('sealedSegments() on fs storage', () => {
  const notes: Relation = { tag: 'relation', oid: 16400, schema: 'public', name: 'notes', replicaIdentity: 'd', columns: [{ name: 'id', typeOid: 23, typeMod: -1, key: true }, { name: 'body', typeOid: 25, typeMod: -1, key: false }] }
  const transaction = (xid: number, lsn: bigint) => ({ xid, commitLsn: lsn, endLsn: lsn + 0x30n, commitTime: 100_000_000n + BigInt(xid), changes: [{ tag: 'insert' as const, relation: notes.oid, row: [{ kind: 'text' as const, value: String(xid) }, { kind: 'text' as const, value: `${SECRET}-${xid}` }] }] })

  it('an archiver without a key resumes from the relations in the manifests; a plain listing reads signed manifests; a restore with the key reads the rows back', async () => {
    const storage = fsStorage({ dir: join(workDir, 'unit') })
    const pair = await generateAgeKeyPair()
    const signing = { key: randomBytes(32), keyId: 'ignored', verifiers: new Map<string, Buffer>(), require: true }
    const { keyIdOf } = await import('../../src/manifest/signing-key')
    signing.keyId = keyIdOf(signing.key)
    signing.verifiers.set(signing.keyId, signing.key)
    const archiver = sealedSegments(storage, { encryption: { recipients: [pair.recipient] }, signing, relationsFromManifests: true })
    await writeSegment(archiver, 'chain/', 'slot', [notes], [transaction(1, 0x1000n)])
    await writeSegment(archiver, 'chain/', 'slot', [notes], [transaction(2, 0x2000n)], { previousEndLsn: '0/1030' })
    await expectSealed(storage, 'chain/', 'X25519')
    // the archiver's view: no identity, yet it learns the relations (the data is never decrypted)
    const state = await archivedState(archiver, 'chain/')
    expect(state.upTo).toBe(0x2030n)
    expect([...state.relations.values()]).toEqual([notes])
    // a listing through the plain storage (history, retention) reads the signed manifests as they are
    const listed = await listSegments(storage, 'chain/')
    expect(listed.map((s) => s.manifest.transactions)).toEqual([1, 1])
    expect(listed[0]!.manifest).toHaveProperty('signature.keyId', signing.keyId)
    // a restore's view: the identity opens the data, checked against the manifest's sha256
    const reader = sealedSegments(storage, { decryption: { passphrase: null, identities: [pair.identity] }, signing })
    const [first] = await listSegments(reader, 'chain/')
    const { relations, transactions } = await readSegment(reader, first!.key, first!.manifest)
    expect(relations).toEqual([notes])
    expect(transactions.map((t) => t.xid)).toEqual([1])
    expect(transactions[0]!.changes).toEqual(transaction(1, 0x1000n).changes)
    // without the identity, the data does not open
    await expectError(readSegment(sealedSegments(storage, {}), first!.key, first!.manifest), 'DECRYPTION_FAILED', /no identity was given/)
  })
})

// on every server the kit gives (PGKEEP_TEST_MAJORS) and the default major
describe.each(logical.servers)('sealed change segments on PostgreSQL $major', (server) => {
  it('X25519 recipients and a required signature (fs): age files, signed manifests, until restores the moment; missing/wrong key, tampered or unsigned manifest and a modified segment are refused before the target is touched', async () => {
    const db = await createDatabase(server.url, { prefix: 'segseal_src' })
    await runSql(db.url, SCHEMA)
    const storage = fsStorage({ dir: join(workDir, `fs-recipients-${server.major}`) })
    const pair = await generateAgeKeyPair()
    const other = await generateAgeKeyPair()
    const signing = { key: randomBytes(32).toString('hex'), require: true }
    const manager = createBackupManager({
      connectionString: db.url, storage, archive: { segmentSeconds: 1 },
      encryption: { recipients: [pair.recipient] }, decryption: { identities: [pair.identity] }, signing,
    })
    const archived = await archiveTwoBatches(manager, db)
    const data = await expectSealed(storage, archived.prefix, 'X25519')
    const firstManifestKey = data[0]!.replace(/\.changes\.gz$/, '.segment.json')
    const firstManifest = await read(storage, firstManifestKey)
    expect(JSON.parse(firstManifest.toString('utf8'))).toHaveProperty('signature.algorithm', 'hmac-sha256')

    const restoreInto = async (m: BackupManager, until?: Date) => {
      const copy = await createDatabase(server.url, { prefix: 'segseal_copy' })
      const result = await m.restore(archived.chainId, { target: copy.url, ...(until ? { until } : {}) }).then(async () => ({ rows: await rowsOf(copy.url), tables: 1 }), async (error: unknown) => ({ error, tables: await tablesIn(copy.url) }))
      await copy.drop()
      return result
    }
    // until the recorded moment, and everything archived
    expect(await restoreInto(manager, archived.at)).toEqual({ rows: archived.rowsAt, tables: 1 })
    expect(await restoreInto(manager)).toEqual({ rows: archived.rowsEnd, tables: 1 })

    // the segments alone, without a key and with the wrong one: DECRYPTION_FAILED naming the segment
    const manifest = parseManifest((await read(storage, manifestKeyOf((await manager.list()).find((r) => r.id === archived.chainId)!.storagePath))).toString('utf8'), 'base')
    await expectError(planReplay(sealedSegments(storage, { decryption: { passphrase: null, identities: [] } }), manifest, archived.at), 'DECRYPTION_FAILED', /change segment .*\.changes\.gz is encrypted with age \(X25519 recipients\) and no identity was given/)
    await expectError(planReplay(sealedSegments(storage, { decryption: { passphrase: null, identities: [other.identity] } }), manifest, archived.at), 'DECRYPTION_FAILED', /unable to decrypt change segment .*: none of the identities given opens it/)
    // a manager without the identity: refused before the target is touched
    const keyless = createBackupManager({ connectionString: db.url, storage, encryption: { recipients: [pair.recipient] }, signing })
    const failed = await restoreInto(keyless, archived.at) as { error: unknown; tables: number }
    expect((failed.error as PgkeepError).code).toBe('DECRYPTION_FAILED')
    expect(failed.tables).toBe(0)

    const refused = async (code: string, pattern: RegExp) => {
      const outcome = await restoreInto(manager, archived.at) as { error: unknown; tables: number }
      expect(isPgkeepError(outcome.error), String(outcome.error)).toBe(true)
      expect((outcome.error as PgkeepError).code, (outcome.error as Error).message).toBe(code)
      expect((outcome.error as Error).message).toMatch(pattern)
      expect(outcome.tables).toBe(0)
    }
    try {
      // a manifest changed after signing
      const changed = JSON.parse(firstManifest.toString('utf8')) as { rows: Record<string, number> }
      changed.rows['public.notes'] = (changed.rows['public.notes'] ?? 0) + 1
      await write(storage, firstManifestKey, Buffer.from(JSON.stringify(changed, null, 2)))
      await refused('BACKUP_UNTRUSTED', /change segment manifest .* was tampered with/)
      // a manifest without its signature, signing required
      const { signature: _dropped, ...unsigned } = JSON.parse(firstManifest.toString('utf8')) as Record<string, unknown>
      await write(storage, firstManifestKey, Buffer.from(JSON.stringify(unsigned, null, 2)))
      await refused('BACKUP_UNTRUSTED', /change segment manifest .* is unsigned, and signing is required/)
      // ... allowed with a backup-unsigned alert when signing is not required
      const lenient = createBackupManager({ connectionString: db.url, storage, decryption: { identities: [pair.identity] }, signing: { key: signing.key } })
      const alerts: { kind: string; detail?: Record<string, unknown> }[] = []
      lenient.on('alert', (a) => { alerts.push(a) })
      expect(await restoreInto(lenient, archived.at)).toEqual({ rows: archived.rowsAt, tables: 1 })
      expect(alerts).toContainEqual(expect.objectContaining({ kind: 'backup-unsigned', detail: expect.objectContaining({ segment: firstManifestKey }) }))
      await write(storage, firstManifestKey, firstManifest)
      // the segment's stored bytes modified (one byte of the encrypted payload)
      const original = await read(storage, data[0]!)
      const modified = Buffer.from(original)
      modified[modified.length - 20] = modified[modified.length - 20]! ^ 0x01
      await write(storage, data[0]!, modified)
      await refused('BACKUP_CORRUPT', /change segment .* does not decrypt at decrypted byte/)
      await write(storage, data[0]!, original)
      expect(await restoreInto(manager, archived.at)).toEqual({ rows: archived.rowsAt, tables: 1 })
    } finally {
      await write(storage, firstManifestKey, firstManifest)
      await db.drop()
    }
  }, 300_000)
})

describe(`sealed change segments on PostgreSQL ${server.major}`, () => {
  it('a passphrase, on the S3 endpoint: scrypt age files; until restores the moment; a wrong passphrase is refused', async () => {
    const db = await createDatabase(server.url, { prefix: 'segseal_s3' })
    await runSql(db.url, SCHEMA)
    const port = await findFreePort()
    const s3 = await startS3Server({ port, directory: join(workDir, 's3') })
    try {
      const bucket = `segseal-${randomBytes(3).toString('hex')}`
      const storage = s3Storage({ endPoint: s3.endPoint, port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, pathStyle: true, bucket })
      const manager = createBackupManager({ connectionString: db.url, storage, archive: { segmentSeconds: 1 }, encryption: { passphrase: 'segments as secret as the backups' } })
      const archived = await archiveTwoBatches(manager, db)
      await expectSealed(storage, archived.prefix, 'scrypt')
      const copy = await createDatabase(server.url, { prefix: 'segseal_s3_copy' })
      try {
        await manager.restore(archived.chainId, { target: copy.url, until: archived.at })
        expect(await rowsOf(copy.url)).toBe(archived.rowsAt)
      } finally {
        await copy.drop()
      }
      const record = (await manager.list()).find((r) => r.id === archived.chainId)!
      const manifest = parseManifest((await read(storage, manifestKeyOf(record.storagePath))).toString('utf8'), 'base')
      await expectError(planReplay(sealedSegments(storage, { decryption: { passphrase: 'not the passphrase', identities: [] } }), manifest, archived.at), 'DECRYPTION_FAILED', /unable to decrypt change segment .*: the passphrase given does not open it/)
    } finally {
      await s3.stop()
      await db.drop()
    }
  }, 300_000)

  it('`pgkeep archive` with PGKEEP_ENCRYPTION_PASSPHRASE stores age segments that a restore with the passphrase replays', async () => {
    const db = await createDatabase(server.url, { prefix: 'segseal_cli' })
    await runSql(db.url, SCHEMA)
    const dir = join(workDir, 'cli')
    const passphrase = 'the command line passphrase'
    const child = spawn(bin, ['archive', db.url, '--dir', dir, '--segment-seconds', '1'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PGKEEP_ENCRYPTION_PASSPHRASE: passphrase }, stdio: ['ignore', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
    try {
      const text = () => Buffer.concat(out).toString('utf8')
      await waitFor('the archiver to start', () => / archiving into chain [0-9a-f-]{36} \(new\)/.test(text()) || child.exitCode !== null, 120_000)
      expect(child.exitCode, Buffer.concat(err).toString('utf8')).toBe(null)
      const chainId = / archiving into chain ([0-9a-f-]{36})/.exec(text())![1]!
      for (let i = 1; i <= 3; i++) await runSql(db.url, `INSERT INTO notes VALUES (${i}, '${SECRET}-${i}')`)
      await waitFor('a segment line', () => / segment [0-9A-F]+\/[0-9A-F]+\.\.[0-9A-F]+\/[0-9A-F]+: \d+ transactions up to /.test(text()))
      child.kill('SIGTERM')
      expect(await exit).toBe(0)
      const storage = fsStorage({ dir })
      const manager = createBackupManager({ connectionString: db.url, storage, encryption: { passphrase } })
      const record = (await manager.list()).find((r) => r.id === chainId)!
      await expectSealed(storage, chainPrefixOf(record.storagePath), 'scrypt')
      const copy = await createDatabase(server.url, { prefix: 'segseal_cli_copy' })
      try {
        await manager.restore(chainId, { target: copy.url })
        expect(await rowsOf(copy.url)).toBe(await rowsOf(db.url))
      } finally {
        await copy.drop()
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
      await runSql(server.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${db.name}'`).catch(() => {})
      await db.drop()
    }
  }, 300_000)
})
