// Signed backups and what someone who can write the storage, but lacks the key, can plant there: records
// say whether each signature checks out (`signature`, `signed` only for a valid one), and cleanup never
// lets a planted, tampered or foreign-key backup (nor an unsigned one while signing is required) be the
// newest or newest verified backup that keeps the real ones: after `daysToKeep: 0` the newest signed
// backup is still there, and restores.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf, verifyKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, type BackupManager, type StorageDriver } from '../../src/index'
import { readObject } from '../helpers/read-object'

const server = inject('pgDefault')
const KEY = randomBytes(32).toString('hex')
const OTHER_KEY = randomBytes(32).toString('hex')

let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'sign_ret' })
  await runSql(source.url, `CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 120) i;`)
}, 120_000)
afterAll(() => source?.drop())

const read = readObject
const write = (storage: StorageDriver, key: string, body: Buffer) => storage.put(key, Readable.from([body]))

/** A fresh manager on the same storage (nothing cached from before a change in storage). */
function manager(storage: StorageDriver, signing?: { key: string; require?: boolean }): BackupManager {
  return createBackupManager({ connection: source.url, storage, rateLimit: false, ...(signing ? { signing } : {}) })
}

describe('signed backups and what is planted beside them', () => {
  it('records check each signature, and cleanup keeps the newest signed backup whatever is planted beside it', async () => {
    const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-sign-ret-')) })
    const oldUnsigned = await manager(storage).create()
    const signed1 = await manager(storage, { key: KEY }).create()
    const signed2 = await manager(storage, { key: KEY }).create()
    expect((await manager(storage, { key: KEY }).verify(signed2.id)).ok).toBe(true)
    const verifyReport = await read(storage, verifyKeyOf(signed2.storagePath))

    // Planted by someone who can write the storage: a manifest edited after signing, a backup signed with
    // another key, and a newer unsigned one; each with the real backup's verification copied beside it.
    const tampered = await manager(storage, { key: KEY }).create()
    const manifest = JSON.parse((await read(storage, manifestKeyOf(tampered.storagePath))).toString('utf8'))
    manifest.tables[0].rows += 1
    await write(storage, manifestKeyOf(tampered.storagePath), Buffer.from(JSON.stringify(manifest, null, 2)))
    const foreign = await manager(storage, { key: OTHER_KEY }).create()
    const planted = await manager(storage).create()
    for (const r of [tampered, foreign, planted]) await write(storage, verifyKeyOf(r.storagePath), verifyReport)
    const newestFirst = [planted, foreign, tampered, signed2, signed1, oldUnsigned].map((r) => r.id)

    // list(): whether each signature checks out; without a key, that it cannot be checked.
    const strict = manager(storage, { key: KEY, require: true })
    const listed = await strict.list()
    expect(listed.map((r) => r.id)).toEqual(newestFirst)
    expect(listed.map((r) => [r.signature, r.signed])).toEqual([['unsigned', false], ['unknown-key', false], ['tampered', false], ['valid', true], ['valid', true], ['unsigned', false]])
    expect(listed[0]!.verified?.ok).toBe(true)
    expect((await manager(storage).list()).map((r) => [r.signature, r.signed])).toEqual([['unsigned', false], ['unchecked', true], ['unchecked', true], ['unchecked', true], ['unchecked', true], ['unsigned', false]])

    // With signing required, every planted backup is untrusted: the newest signed one is the newest (verified).
    const dry = await strict.cleanup({ daysToKeep: 0, dryRun: true })
    expect(dry.kept).toEqual([{ id: signed2.id, reasons: ['newest', 'newest-verified'] }])
    expect(dry.deleted.map((r) => r.id)).toEqual(newestFirst.filter((id) => id !== signed2.id))
    expect(dry.untrusted).toEqual([
      { id: planted.id, signature: 'unsigned', reason: 'unsigned, and signing is required' },
      { id: foreign.id, signature: 'unknown-key', reason: 'signed with a key that is not among the configured keys' },
      { id: tampered.id, signature: 'tampered', reason: 'tampered with: its manifest does not match its signature' },
      { id: oldUnsigned.id, signature: 'unsigned', reason: 'unsigned, and signing is required' },
    ])
    // Without require an unsigned backup is used (with an alert), so it counts as any other: only the tampered and foreign ones are untrusted.
    const lenient = await manager(storage, { key: KEY }).cleanup({ daysToKeep: 0, dryRun: true })
    expect(lenient.kept).toEqual([{ id: planted.id, reasons: ['newest', 'newest-verified'] }])
    expect(lenient.untrusted?.map((u) => u.id)).toEqual([foreign.id, tampered.id])
    // Without a key nothing is checked, and nothing is untrusted.
    expect((await manager(storage).cleanup({ daysToKeep: 0, dryRun: true })).untrusted).toBeUndefined()

    const done = await strict.cleanup({ daysToKeep: 0 })
    expect(done.failed).toEqual([])
    expect(done.kept.map((k) => k.id)).toEqual([signed2.id])
    expect((await manager(storage, { key: KEY, require: true }).list()).map((r) => r.id)).toEqual([signed2.id])
    const name = `sign_ret_${Date.now()}`
    try {
      const summary = await manager(storage, { key: KEY, require: true }).restore(signed2.id, { target: server.url, createDatabase: name })
      expect(summary.tables).toEqual([{ schema: 'public', name: 'items', rows: 120 }])
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })
})
