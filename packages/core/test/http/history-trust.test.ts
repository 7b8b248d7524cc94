// The routes' backup JSON says what the signature is and whether the manager would use the backup: one
// folder holding a signed backup, one signed with a key the manager does not have, one whose manifest
// was changed after signing, one signed whose manifest holds no member checksums (its bytes cannot be
// checked), and one unsigned, listed by managers with and without signing.require and without a key. `signature` is the record's; `trusted` is false exactly where restore, verify and
// download refuse (BACKUP_UNTRUSTED).
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManager } from '../../src/index'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { signManifest } from '../../src/manifest/sign-manifest'
import { SigningOptionsSchema } from '../../src/manifest/signing-options'
import { handleBackupRequest } from '../../src/http/dispatch'
import { resolveHttpConfig } from '../../src/http/http-config'
import type { RouteRequest } from '../../src/http/route-types'

const server = inject('pgDefault')
const KEY = randomBytes(32).toString('hex')
const OTHER_KEY = randomBytes(32).toString('hex')
const config = resolveHttpConfig({ tokenSecret: 's'.repeat(32) })
let db: TestDatabase
let dir: string
const ids: Record<'valid' | 'unknownKey' | 'tampered' | 'unsigned' | 'noChecksums', string> = { valid: '', unknownKey: '', tampered: '', unsigned: '', noChecksums: '' }

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'http_history_trust' })
  await runSql(db.url, 'CREATE TABLE rooms (id int PRIMARY KEY, name text); INSERT INTO rooms VALUES (1, $$Melati$$)')
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-history-trust-'))
  const storage = fsStorage({ dir })
  const make = (signing?: { key: string }) => createBackupManager({ connection: db.url, storage, rateLimit: false, ...(signing ? { signing } : {}) }).create()
  ids.unsigned = (await make()).id
  ids.unknownKey = (await make({ key: OTHER_KEY })).id
  const tampered = await make({ key: KEY })
  ids.tampered = tampered.id
  const path = join(dir, manifestKeyOf(tampered.storagePath))
  const manifest = JSON.parse(await readFile(path, 'utf8')) as { createdBy: unknown }
  manifest.createdBy = 'someone else'
  await writeFile(path, JSON.stringify(manifest))
  // Signed with the key, its signature valid, but with no member checksums (as the key's holder wrote it)
  const bare = await make({ key: KEY })
  ids.noChecksums = bare.id
  const barePath = join(dir, manifestKeyOf(bare.storagePath))
  const { members, signature: _signature, ...rest } = JSON.parse(await readFile(barePath, 'utf8')) as { members: { sha256?: string }[]; signature?: unknown }
  const stripped = { ...rest, members: members.map(({ sha256: _sha256, ...m }) => m), signature: undefined }
  await writeFile(barePath, JSON.stringify(signManifest(stripped, SigningOptionsSchema.parse({ key: KEY }))))
  ids.valid = (await make({ key: KEY })).id
}, 120_000)
afterAll(() => db?.drop())

function request(method: string, path: string, query: Record<string, string> = {}): RouteRequest {
  return { method, path, query, headers: {}, signal: new AbortController().signal }
}

async function history(manager: BackupManager): Promise<Map<string, Record<string, unknown>>> {
  const answer = await handleBackupRequest(request('GET', '/history'), { manager, config, log: () => {}, authorize: () => 'admin' })
  expect(answer.status).toBe(200)
  const { backups } = (answer as { json: { backups: Record<string, unknown>[] } }).json
  return new Map(backups.map((b) => [b.id as string, b]))
}

describe('the history JSON under signing', () => {
  it('carries signature and trusted: false for what the manager refuses (unsigned only while signing is required)', async () => {
    const required = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false, signing: { key: KEY, require: true } })
    const listed = await history(required)
    const shape = (id: string) => ({ signature: listed.get(id)!.signature, trusted: listed.get(id)!.trusted, signed: listed.get(id)!.signed })
    expect(shape(ids.valid)).toEqual({ signature: 'valid', trusted: true, signed: true })
    expect(shape(ids.tampered)).toEqual({ signature: 'tampered', trusted: false, signed: false })
    expect(shape(ids.unknownKey)).toEqual({ signature: 'unknown-key', trusted: false, signed: false })
    expect(shape(ids.unsigned)).toEqual({ signature: 'unsigned', trusted: false, signed: false })
    expect(shape(ids.noChecksums)).toEqual({ signature: 'no-member-checksums', trusted: false, signed: false })
    await expect(required.openDownload(ids.noChecksums)).rejects.toMatchObject({ code: 'BACKUP_UNTRUSTED', message: expect.stringContaining('holds no member checksums') })
    // trusted is what the manager does: every backup marked untrusted is refused for download
    for (const [id, backup] of listed) {
      const opened = required.openDownload(id, { actor: 'check' }).then((d) => { d.stream.destroy(); return 'used' }, (error: { code?: string }) => error.code)
      await expect(opened, String(backup.signature)).resolves.toBe(backup.trusted ? 'used' : 'BACKUP_UNTRUSTED')
      // and restore and verify refuse it too, before they read or touch anything
      if (backup.trusted) continue
      await expect(required.verify(id), String(backup.signature)).rejects.toMatchObject({ code: 'BACKUP_UNTRUSTED' })
      await expect(required.restore(id, { target: db.url }), String(backup.signature)).rejects.toMatchObject({ code: 'BACKUP_UNTRUSTED' })
    }

    const lenient = await history(createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false, signing: { key: KEY } }))
    expect(lenient.get(ids.unsigned)).toMatchObject({ signature: 'unsigned', trusted: true })
    expect(lenient.get(ids.tampered)).toMatchObject({ signature: 'tampered', trusted: false })
    expect(lenient.get(ids.noChecksums)).toMatchObject({ signature: 'no-member-checksums', trusted: false })

    const keyless = await history(createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false }))
    expect(keyless.get(ids.valid)).toMatchObject({ signature: 'unchecked', trusted: true })
    expect(keyless.get(ids.unsigned)).toMatchObject({ signature: 'unsigned', trusted: true })
    expect(keyless.get(ids.noChecksums)).toMatchObject({ signature: 'unchecked', trusted: true })
  })

  it('is the rule cleanup goes by: what trusted marks false is untrusted there too', async () => {
    const lenient = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false, signing: { key: KEY } })
    const listed = await history(lenient)
    const dry = await lenient.cleanup({ daysToKeep: 0, dryRun: true })
    expect(dry.untrusted?.map((u) => u.id).sort()).toEqual([...listed.values()].filter((b) => b.trusted === false).map((b) => b.id as string).sort())
    expect(dry.untrusted).toContainEqual({ id: ids.noChecksums, signature: 'no-member-checksums', reason: 'signed, but its manifest holds no member checksums, so its bytes cannot be checked' })
  })
})
