// Encrypted backups (age, through age-encryption): a passphrase and X25519 recipients, decrypted by
// Debian's `age` command and by backups.restore(); wrong passphrases and identities, a flipped byte,
// option validation, and that no manifest or error holds a secret.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { assertSameDatabase, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ScryptIdentity, ScryptRecipient } from '../../src/crypto/scrypt-stanza'
import { ageKeyFile, createBackupManager, fsStorage, generateAgeKeyPair, isPgkeepError, restore, type BackupManifest, type PgkeepError } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
const PASSPHRASE = 'pgkeep-test correct horse battery staple'
const WRONG_PASSPHRASE = 'pgkeep-test not the passphrase 4711'
const AGE_CHUNK = 64 * 1024
const AGE_SEALED_CHUNK = AGE_CHUNK + 16

let source: TestDatabase
let dir: string
let work: string
/** A key pair from Debian's age-keygen, and one from generateAgeKeyPair() (age-encryption's API). */
let cli: { keyFile: string; identity: string; recipient: string }
let js: { identity: string; recipient: string }

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'enc_src' })
  await loadSampleDatabase(source.url, { scale: 0.5 })
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-enc-'))
  work = await mkdtemp(join(tmpdir(), 'pgkeep-enc-work-'))
  const keyFile = join(work, 'key.txt')
  const keygen = await run('age-keygen', ['-o', keyFile])
  expect(keygen.code).toBe(0)
  const keyText = await readFile(keyFile, 'utf8')
  cli = { keyFile, identity: /^AGE-SECRET-KEY-1\S+$/m.exec(keyText)![0], recipient: /public key: (age1\S+)/.exec(keyText)![1]! }
  js = await generateAgeKeyPair()
  expect(await identityToRecipient(js.identity)).toBe(js.recipient)
}, 180_000)
afterAll(() => source?.drop())

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs a command; with `passphrase`, under script(1) so that age can read it from a terminal (age reads passphrases only from /dev/tty). */
function run(command: string, args: string[], passphrase?: string): Promise<Run> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const child = passphrase === undefined
    ? spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('script', ['-qec', [command, ...args].map(quote).join(' '), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let answered = 0
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString()
    const prompts = stdout.match(/passphrase/gi)?.length ?? 0
    while (passphrase !== undefined && answered < prompts) {
      child.stdin!.write(`${passphrase}\n`)
      answered++
    }
  })
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const urlOf = (name: string) => server.url.replace(/\/[^/]*$/, `/${name}`)
const dropDb = (name: string) => runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
async function databaseExists(name: string): Promise<boolean> {
  const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'`)
  return rows[0]!.n !== '0'
}
async function tableCount(url: string): Promise<number> {
  const rows = await runSql<{ n: string }>(url, "SELECT count(*) AS n FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace")
  return Number(rows[0]!.n)
}

/** Every file under `root`, for looking for secrets in what pgkeep wrote. */
async function allFiles(root: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name))
  }
  return out
}

/** Bytes of the age header (through the `--- mac` line) plus the 16-byte payload nonce. */
function payloadStart(bytes: Buffer): number {
  const mac = bytes.indexOf('\n--- ')
  return bytes.indexOf('\n', mac + 1) + 1 + 16
}

/** The member of `manifest` that holds decrypted byte `position`. */
function memberAt(manifest: BackupManifest, position: number) {
  return manifest.members.find((m) => m.offset <= position && position < m.offset + m.length)!
}

describe('encrypted backups (age)', () => {
  it('a passphrase backup round-trips through `age -d` and through restore(); a wrong passphrase fails both cleanly', async () => {
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }), encryption: { passphrase: PASSPHRASE } })
    const record = await backups.create()
    expect(record.filename).toMatch(/^backup-\d{4}-\d{2}-\d{2}-\d{13}-[0-9a-f]{8}\.sql\.gz\.age$/)
    expect(record.storagePath).toMatch(/\.sql\.gz\.age$/)
    const manifest = await backups.manifest(record.id)
    expect(manifest.encryption).toEqual({ format: 'age', method: 'scrypt', recipients: [] })

    // The stored object is an age file; size and sha256 are those of the encrypted bytes.
    const file = join(dir, record.storagePath)
    const stored = await readFile(file)
    expect(stored.subarray(0, 32).toString('latin1')).toMatch(/^age-encryption\.org\/v1\n-> scrypt /)
    expect(stored.length).toBe(record.size)
    expect(createHash('sha256').update(stored).digest('hex')).toBe(manifest.sha256)
    const downloaded: Buffer[] = []
    for await (const chunk of (await backups.download(record.id)) as AsyncIterable<Buffer>) downloaded.push(chunk)
    expect(Buffer.concat(downloaded)).toEqual(stored)
    // The history reads it back from storage (a new manager, nothing cached).
    const fresh = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
    expect((await fresh.list()).map((r) => r.id)).toContain(record.id)

    // Debian's age decrypts it to the .sql.gz, which gunzips and restores.
    const plain = join(work, 'passphrase.sql.gz')
    const decrypted = await run('age', ['-d', '-o', plain, file], PASSPHRASE)
    expect(decrypted.code).toBe(0)
    const gz = await readFile(plain)
    const last = manifest.members.at(-1)!
    expect(gz.length).toBe(last.offset + last.length)
    expect(gunzipSync(gz).subarray(0, 40).toString()).toContain('PostgreSQL database dump')
    const viaCli = `enc_cli_${Date.now()}`
    const viaManager = `enc_mgr_${Date.now()}`
    try {
      await restore(plain, { target: server.url, createDatabase: viaCli })
      await assertSameDatabase(source.url, urlOf(viaCli))
      const summary = await backups.restore(record.id, { target: server.url, createDatabase: viaManager })
      expect(summary.bytesRead).toBe(record.size)
      await assertSameDatabase(source.url, urlOf(viaManager))
    } finally {
      await dropDb(viaCli)
      await dropDb(viaManager)
    }

    // restore() itself does not decrypt, and says so.
    const raw = `enc_raw_${Date.now()}`
    const notDecrypted = await failure(restore(file, { target: server.url, createDatabase: raw }))
    expect(notDecrypted.code).toBe('DECRYPTION_FAILED')
    expect(notDecrypted.hint).toContain('age -d')
    expect(await databaseExists(raw)).toBe(false)

    // A wrong passphrase: age refuses, and so does restore, before touching anything.
    const wrongOut = join(work, 'wrong.sql.gz')
    const refused = await run('age', ['-d', '-o', wrongOut, file], WRONG_PASSPHRASE)
    expect(refused.code).not.toBe(0)
    expect(refused.stdout).toContain('incorrect passphrase')
    await expect(stat(wrongOut)).rejects.toThrow()
    const wrong = createBackupManager({ connection: source.url, storage: fsStorage({ dir }), decryption: { passphrase: WRONG_PASSPHRASE } })
    const name = `enc_wrong_${Date.now()}`
    const error = await failure(wrong.restore(record.id, { target: server.url, createDatabase: name }))
    expect(error.code).toBe('DECRYPTION_FAILED')
    expect(error.message).toContain(record.filename)
    expect(error.hint).toContain('passphrase')
    expect(inspect(error, { depth: 20 })).not.toContain(WRONG_PASSPHRASE)
    expect(await databaseExists(name)).toBe(false)
    const target = await createDatabase(server.url, { prefix: 'enc_wrong' })
    try {
      expect((await failure(wrong.restore(record.id, { target: target.url }))).code).toBe('DECRYPTION_FAILED')
      expect(await tableCount(target.url)).toBe(0)
    } finally {
      await target.drop()
    }
    // verify with the wrong key is a key problem, not a verdict on the backup: it throws and records nothing.
    expect((await failure(wrong.verify(record.id))).code).toBe('DECRYPTION_FAILED')
    expect((await wrong.get(record.id)).verified).toBeNull()
    // No key at all.
    const keyless = await failure(fresh.restore(record.id, { target: server.url, createDatabase: name }))
    expect(keyless.code).toBe('DECRYPTION_FAILED')
    expect(keyless.message).toContain('no passphrase was given')
    expect(await databaseExists(name)).toBe(false)

    // The right key verifies it.
    const report = await backups.verify(record.id)
    expect(report.ok).toBe(true)
    expect(report.integrity.ok).toBe(true)
    expect(report.tables.every((t) => t.ok)).toBe(true)

    // No file pgkeep wrote (manifest, verify report, audit trail, the backup) holds the passphrase.
    for (const path of await allFiles(dir)) expect((await readFile(path)).includes(PASSPHRASE), path).toBe(false)
  })

  it('X25519 recipients: `age -d -i` with the age-keygen key, restore() with the age-encryption key; a wrong identity fails', async () => {
    const xdir = await mkdtemp(join(tmpdir(), 'pgkeep-enc-x-'))
    const backups = createBackupManager({
      connection: source.url, storage: fsStorage({ dir: xdir }),
      encryption: { recipients: [cli.recipient, js.recipient] }, decryption: { identities: [js.identity] },
    })
    const record = await backups.create()
    const manifest = await backups.manifest(record.id)
    expect(manifest.encryption).toEqual({ format: 'age', method: 'x25519', recipients: [cli.recipient, js.recipient] })
    const file = join(xdir, record.storagePath)

    const plain = join(work, 'x25519.sql.gz')
    const decrypted = await run('age', ['-d', '-i', cli.keyFile, '-o', plain, file])
    expect(decrypted.stderr).toBe('')
    expect(decrypted.code).toBe(0)
    // generateAgeKeyPair()'s key, in ageKeyFile()'s layout, opens it with the age command too
    const jsKeyFile = join(work, 'js-key.txt')
    await writeFile(jsKeyFile, ageKeyFile(js, new Date()))
    const viaJsKey = await run('age', ['-d', '-i', jsKeyFile, '-o', join(work, 'x25519-js.sql.gz'), file])
    expect(viaJsKey.stderr).toBe('')
    expect(viaJsKey.code).toBe(0)
    expect(await readFile(join(work, 'x25519-js.sql.gz'))).toEqual(await readFile(plain))
    const viaCli = `enc_xcli_${Date.now()}`
    try {
      await restore(plain, { target: server.url, createDatabase: viaCli })
      await assertSameDatabase(source.url, urlOf(viaCli))
    } finally {
      await dropDb(viaCli)
    }

    // A selective restore cannot use ranged reads of an encrypted object: it reads and decrypts it
    // whole, once to plan and once to apply, and restores just the table.
    const payments = manifest.tables.find((t) => t.name === 'payments')!
    const target = await createDatabase(server.url, { prefix: 'enc_one' })
    try {
      const summary = await backups.restore(record.id, { target: target.url, tables: ['public.payments'] })
      expect(summary.bytesRead).toBe(2 * record.size)
      expect(summary.tables).toEqual([{ schema: 'public', name: 'payments', rows: payments.rows }])
      const tables = await runSql<{ relname: string }>(target.url, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1")
      expect(tables.map((t) => t.relname)).toEqual(['payments'])
    } finally {
      await target.drop()
    }
    expect((await backups.verify(record.id)).ok).toBe(true)

    // Another key pair opens nothing.
    const stranger = await generateX25519Identity()
    const wrongKeyFile = join(work, 'stranger.txt')
    await writeFile(wrongKeyFile, `${stranger}\n`)
    const refused = await run('age', ['-d', '-i', wrongKeyFile, '-o', join(work, 'x-wrong.sql.gz'), file])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('no identity matched any of the recipients')
    const wrong = createBackupManager({ connection: source.url, storage: fsStorage({ dir: xdir }), decryption: { identities: [stranger] } })
    const name = `enc_xwrong_${Date.now()}`
    const error = await failure(wrong.restore(record.id, { target: server.url, createDatabase: name }))
    expect(error.code).toBe('DECRYPTION_FAILED')
    expect(error.hint).toContain(cli.recipient)
    expect(inspect(error, { depth: 20 })).not.toContain(stranger)
    expect(await databaseExists(name)).toBe(false)
    expect((await failure(wrong.verify(record.id))).code).toBe('DECRYPTION_FAILED')
    // A manager that only encrypts (public keys only) cannot read its backups back.
    const encryptOnly = createBackupManager({ connection: source.url, storage: fsStorage({ dir: xdir }), encryption: { recipients: [cli.recipient] } })
    expect((await failure(encryptOnly.restore(record.id, { target: server.url, createDatabase: name }))).message).toContain('no identity was given')

    // The manifest and everything else pgkeep wrote hold public keys only.
    for (const path of await allFiles(xdir)) {
      const text = await readFile(path)
      expect(text.includes('AGE-SECRET-KEY-'), path).toBe(false)
      expect(text.includes(js.identity) || text.includes(cli.identity), path).toBe(false)
    }
  })

  it('a flipped byte: restore fails with BACKUP_CORRUPT and applies nothing, verify names the member, age -d refuses it', async () => {
    const fdir = await mkdtemp(join(tmpdir(), 'pgkeep-enc-f-'))
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir: fdir }), encryption: { passphrase: PASSPHRASE } })
    const record = await backups.create()
    const manifest = await backups.manifest(record.id)
    const file = join(fdir, record.storagePath)
    const original = await readFile(file)

    // One byte in the middle of the bills member's ciphertext.
    const bills = manifest.tables.find((t) => t.name === 'bills')!
    const target = bills.member.offset + Math.floor(bills.member.length / 2)
    const chunk = Math.floor(target / AGE_CHUNK)
    const bytes = Buffer.from(original)
    bytes[payloadStart(bytes) + chunk * AGE_SEALED_CHUNK + (target - chunk * AGE_CHUNK)]! ^= 0x01
    await writeFile(file, bytes)

    const empty = await createDatabase(server.url, { prefix: 'enc_flip' })
    try {
      const error = await failure(backups.restore(record.id, { target: empty.url }))
      expect(error.code).toBe('BACKUP_CORRUPT')
      expect(error.message).toContain('does not authenticate')
      expect(error.message).toContain(`decrypted byte ${chunk * AGE_CHUNK}`)
      expect(await tableCount(empty.url)).toBe(0)
    } finally {
      await empty.drop()
    }
    const name = `enc_flip_${Date.now()}`
    expect((await failure(backups.restore(record.id, { target: server.url, createDatabase: name }))).code).toBe('BACKUP_CORRUPT')
    expect(await databaseExists(name)).toBe(false)

    const report = await backups.verify(record.id)
    expect(report.ok).toBe(false)
    expect(report.error?.code).toBe('BACKUP_CORRUPT')
    expect(report.integrity.sha256).not.toBe(manifest.sha256)
    // The damaged chunk starts inside this member; everything before it still decrypts and inflates.
    const hit = memberAt(manifest, chunk * AGE_CHUNK)
    const index = manifest.members.indexOf(hit)
    expect(index).toBeGreaterThan(0)
    expect(record.size).toBeGreaterThan(chunk * AGE_SEALED_CHUNK + 2 * AGE_SEALED_CHUNK)
    expect(report.integrity.damaged[0]).toMatchObject({ member: hit.label ?? 'script', offset: hit.offset, length: hit.length })
    expect(report.integrity.damaged[0]!.problem).toMatch(/^does not decrypt: .*does not authenticate/)
    expect(report.integrity.damaged.slice(1).map((d) => d.offset)).toEqual(manifest.members.slice(index + 1).map((m) => m.offset))
    expect(report.integrity.damaged.slice(1).every((d) => d.problem.startsWith('unreadable'))).toBe(true)
    expect(report.error?.message).toContain(hit.label ?? 'script')

    const refused = await run('age', ['-d', '-o', join(work, 'flipped.sql.gz'), file], PASSPHRASE)
    expect(refused.code).not.toBe(0)

    // A changed header (its MAC) is caught before any data is read.
    const header = Buffer.from(original)
    const mac = header.indexOf('\n--- ') + 5
    header[mac] = header[mac] === 0x41 ? 0x42 : 0x41
    await writeFile(file, header)
    const headerError = await failure(backups.restore(record.id, { target: server.url, createDatabase: name }))
    expect(headerError.code).toBe('BACKUP_CORRUPT')
    expect(headerError.message).toContain('invalid header HMAC')
    expect(await databaseExists(name)).toBe(false)
    const headerReport = await backups.verify(record.id)
    expect(headerReport.ok).toBe(false)
    expect(headerReport.integrity.damaged.length).toBe(manifest.members.length)

    // An emptied object: BACKUP_CORRUPT naming the sizes (it was STORAGE_INVALID "byte range … past the end")
    await writeFile(file, Buffer.alloc(0))
    const emptied = await failure(backups.restore(record.id, { target: server.url, createDatabase: name }), 'BACKUP_CORRUPT')
    expect(emptied.message).toBe(`backup ${record.filename} is damaged: its stored object is empty, where its manifest says ${manifest.size} bytes`)
    expect(await databaseExists(name)).toBe(false)
  })

  it('an encrypted backup past maxSizeBytes fails with SIZE_LIMIT_EXCEEDED and leaves nothing behind', async () => {
    const sdir = await mkdtemp(join(tmpdir(), 'pgkeep-enc-s-'))
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir: sdir }), encryption: { recipients: [cli.recipient] }, maxSizeBytes: 200 * 1024 })
    const error = await failure(backups.create())
    expect(error.code).toBe('SIZE_LIMIT_EXCEEDED')
    // Only the audit trail's record of the failed attempt.
    expect((await allFiles(sdir)).filter((f) => !f.includes('/audit/'))).toEqual([])
    expect(await backups.list()).toEqual([])
  })

  it('the passphrase stanza (scrypt on node:crypto) interoperates both ways with the age command and age-encryption', async () => {
    const input = join(work, 'hello.txt')
    await writeFile(input, 'hello, age\n')
    const fromCli = join(work, 'hello.txt.age')
    expect((await run('age', ['-p', '-o', fromCli, input], PASSPHRASE)).code).toBe(0)
    const ours = new Decrypter()
    ours.addIdentity(new ScryptIdentity(PASSPHRASE))
    expect(await ours.decrypt(await readFile(fromCli), 'text')).toBe('hello, age\n')
    const wrong = new Decrypter()
    wrong.addIdentity(new ScryptIdentity(WRONG_PASSPHRASE))
    await expect(wrong.decrypt(await readFile(fromCli))).rejects.toThrow('no identity matched')

    const encrypter = new Encrypter()
    encrypter.addRecipient(new ScryptRecipient(PASSPHRASE))
    const sealed = await encrypter.encrypt('hello, typage')
    expect(Buffer.from(sealed).toString('latin1')).toMatch(/^age-encryption\.org\/v1\n-> scrypt [A-Za-z0-9+/]{22} 18\n/)
    const typage = new Decrypter()
    typage.addPassphrase(PASSPHRASE)
    expect(await typage.decrypt(sealed, 'text')).toBe('hello, typage')
  })

  it('validates the options, and no options error repeats a passphrase or secret key', () => {
    const attempts: [unknown, string][] = [
      [{ encryption: { recipients: [cli.identity] } }, 'encryption.recipients.0: must be an age X25519 public key'],
      [{ encryption: { recipients: [] } }, 'encryption.recipients: must hold at least one'],
      [{ encryption: { passphrase: PASSPHRASE, recipients: [cli.recipient] } }, 'encryption.recipients: give either passphrase or recipients'],
      [{ encryption: {} }, 'encryption: give a passphrase or recipients'],
      [{ encryption: { passphrase: '' } }, 'encryption.passphrase: must not be empty'],
      [{ encryption: { passphrase: PASSPHRASE, workFactor: 10 } }, 'encryption'],
      [{ decryption: { identities: [cli.recipient] } }, 'decryption.identities.0: must be an age X25519 secret key'],
      [{ decryption: { identities: [cli.identity.toLowerCase()] } }, 'decryption.identities.0: must be an age X25519 secret key'],
      [{ decryption: { passphrase: 42 } }, 'decryption.passphrase: must be a string'],
      [{ decryption: { passphrase: PASSPHRASE, key: cli.identity } }, 'decryption'],
    ]
    for (const [options, expected] of attempts) {
      let error: unknown
      try {
        createBackupManager({ connection: source.url, storage: fsStorage({ dir }), ...(options as object) })
      } catch (e) {
        error = e
      }
      expect(isPgkeepError(error, 'OPTIONS_INVALID'), JSON.stringify(Object.keys(options as object))).toBe(true)
      expect((error as PgkeepError).message).toContain(expected)
      const everything = `${inspect(error, { depth: 30 })} ${JSON.stringify(error)}`
      expect(everything).not.toContain(PASSPHRASE)
      expect(everything).not.toContain(cli.identity)
      expect(everything).not.toContain(cli.identity.toLowerCase())
    }
    // Valid forms are accepted.
    createBackupManager({ connection: source.url, storage: fsStorage({ dir }), encryption: { recipients: [cli.recipient, js.recipient] }, decryption: { identities: [cli.identity, js.identity], passphrase: PASSPHRASE } })
  })
})
