// Which key a restore lacks, said plainly: a passphrase-encrypted backup opened with identities only,
// and a backup encrypted to recipients opened with a passphrase only, fail with DECRYPTION_FAILED
// saying that no key of the right kind was given (not that the one given was wrong), before the
// target is touched.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, generateAgeKeyPair } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
const PASSPHRASE = 'pgkeep-test decryption keys passphrase'
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'deckeys_src' })
  await runSql(source.url, 'CREATE TABLE items (id integer PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10);')
}, 120_000)
afterAll(() => source?.drop())

describe('a key of the wrong kind', () => {
  it('identities only, for a passphrase-encrypted backup: no passphrase was given', async () => {
    const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-deckeys-')) })
    const record = await createBackupManager({ connection: source.url, storage, encryption: { passphrase: PASSPHRASE } }).create()
    const { identity } = await generateAgeKeyPair()
    const reader = createBackupManager({ connection: source.url, storage, decryption: { identities: [identity] } })
    const target = await createDatabase(server.url, { prefix: 'deckeys_t' })
    try {
      const error = await failure(reader.restore(record.id, { target: target.url }), 'DECRYPTION_FAILED')
      expect(error.message).toBe(`backup ${record.filename} is encrypted with age (a passphrase) and no passphrase was given to open it (only an identity, which opens backups encrypted to recipients)`)
      expect(error.hint).toContain('decryption: { passphrase }')
      expect((await failure(reader.verify(record.id), 'DECRYPTION_FAILED')).message).toContain('no passphrase was given')
      const rows = await runSql<{ n: string }>(target.url, "SELECT count(*) AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace")
      expect(rows[0]!.n).toBe('0')
    } finally {
      await target.drop()
    }
  })

  it('a passphrase only, for a backup encrypted to recipients: no identity was given', async () => {
    const storage = fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-deckeys-')) })
    const { recipient } = await generateAgeKeyPair()
    const record = await createBackupManager({ connection: source.url, storage, encryption: { recipients: [recipient] } }).create()
    const reader = createBackupManager({ connection: source.url, storage, decryption: { passphrase: PASSPHRASE } })
    const error = await failure(reader.restore(record.id, { target: server.url, createDatabase: `deckeys_x_${Date.now()}` }), 'DECRYPTION_FAILED')
    expect(error.message).toBe(`backup ${record.filename} is encrypted with age (X25519 recipients) and no identity was given to open it (only a passphrase, which opens passphrase-encrypted backups)`)
    expect(error.message).not.toContain(PASSPHRASE)
  })
})
