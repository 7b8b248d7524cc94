// `pgkeep restore <backup-id> --list` and `pgkeep restore <file.sql.gz.age> --list` on encrypted backups in a
// real folder: with the key (a passphrase, an X25519 identity) the entries are listed as a plain backup's
// are, and no database is touched; without a key the list is refused with a hint; a wrong key fails with
// the error restore gives for it. A downloaded `.sql.gz.age` file is also restored with the key, and so
// is one piped in on stdin (`restore - --list`, `restore - <target>`), whatever the chunks it comes in.
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
let source: TestDatabase
let dir: string
/** `restore <id> --list` of a plain backup of the source: what every encrypted one must list. */
let expected: string

const PASSPHRASE = 'kost-list-passphrase'
/** The pgkeep command a hint names (after its last ': ', up to a parenthesis), as arguments; `keyFile` for its <key file>. */
const hintedCommand = (stderr: string, keyFile = '') => {
  const hint = stderr.split('\n').find((l) => l.startsWith('pgkeep: hint: '))!
  const command = hint.slice(hint.lastIndexOf(': ') + 2).replace(/ \(.*$/, '').replace('<key file>', keyFile).split(' ')
  expect(command[0]).toBe('pgkeep')
  return command.slice(1)
}
const made = async (store: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  const backup = await run(['backup', source.url, '--dir', store, '--json', ...args], { env })
  expect(backup.code, backup.stderr).toBe(0)
  return JSON.parse(backup.stdout) as { id: string; storagePath: string; filename: string }
}
/** The database's sessions that are not this query's: --list must open none. */
const sessions = async () => (await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${source.name}'`))[0]!.n

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'cli_enclist' })
  await runSql(source.url, `
    CREATE TABLE rooms (id serial PRIMARY KEY, name text NOT NULL);
    INSERT INTO rooms (name) SELECT 'room ' || g FROM generate_series(1, 30) g;
    CREATE TABLE bills (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, room integer NOT NULL REFERENCES rooms, amount numeric(12, 2));
    INSERT INTO bills (room, amount) SELECT 1 + g % 30, g * 10.5 FROM generate_series(1, 300) g;`)
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-enclist-'))
  const store = join(dir, 'plain')
  const record = await made(store, [])
  const listed = await run(['restore', record.id, '--dir', store, '--list'])
  expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' })
  expect(listed.stdout).toMatch(/^DATA\tTABLE DATA\tpublic\tbills\t\S+\t[1-9]\d*$/m)
  expected = listed.stdout
})
afterAll(async () => {
  await source?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('pgkeep restore --list of an encrypted backup', () => {
  it('a passphrase backup: listed with the passphrase, refused without, a wrong one fails as restore fails', async () => {
    const store = join(dir, 'passphrase')
    const record = await made(store, [], { PGKEEP_ENCRYPTION_PASSPHRASE: PASSPHRASE })
    expect(record.storagePath).toMatch(/\.sql\.gz\.age$/)
    const before = await sessions()
    for (const env of [{ PGKEEP_ENCRYPTION_PASSPHRASE: PASSPHRASE }, { PGKEEP_DECRYPTION_PASSPHRASE: PASSPHRASE }]) {
      const listed = await run(['restore', record.id, '--dir', store, '--list'], { env })
      expect({ code: listed.code, stderr: listed.stderr, stdout: listed.stdout }).toEqual({ code: 0, stderr: '', stdout: expected })
    }
    const json = await run(['restore', record.id, '--dir', store, '--list', '--json'], { env: { PGKEEP_DECRYPTION_PASSPHRASE: PASSPHRASE } })
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toContainEqual(expect.objectContaining({ section: 'DATA', type: 'TABLE DATA', schema: 'public', name: 'bills' }))
    expect(await sessions()).toBe(before)

    const locked = await run(['restore', record.id, '--dir', store, '--list'])
    expect({ code: locked.code, stdout: locked.stdout, stderr: locked.stderr }).toEqual({
      code: 1, stdout: '',
      stderr: `pgkeep: error: backup ${record.id} is encrypted (a passphrase), and no passphrase was given to open it [OPTIONS_INVALID]\npgkeep: hint: set PGKEEP_DECRYPTION_PASSPHRASE to its passphrase and run it again: pgkeep restore ${record.id} --list\n`,
    })
    // the command the hint names works as it says (with the folder this test's storage needs)
    const hinted = await run([...hintedCommand(locked.stderr), '--dir', store], { env: { PGKEEP_DECRYPTION_PASSPHRASE: PASSPHRASE } })
    expect({ code: hinted.code, stderr: hinted.stderr, stdout: hinted.stdout }).toEqual({ code: 0, stderr: '', stdout: expected })

    // a wrong passphrase: the error restore gives, word for word (and the passphrase never echoed)
    const wrongEnv = { PGKEEP_DECRYPTION_PASSPHRASE: 'not-the-passphrase' }
    const target = await createDatabase(server.url, { prefix: 'cli_enclist_t' })
    try {
      const restored = await run(['restore', record.id, target.url, '--dir', store, '-q'], { env: wrongEnv })
      expect(restored.code).toBe(1)
      expect(restored.stderr).toContain(`unable to decrypt backup ${record.filename}: the passphrase given does not open it`)
      const wrong = await run(['restore', record.id, '--dir', store, '--list'], { env: wrongEnv })
      expect({ code: wrong.code, stdout: wrong.stdout, stderr: wrong.stderr }).toEqual({ code: 1, stdout: '', stderr: restored.stderr })
      expect(wrong.stderr).not.toContain('not-the-passphrase')

      // the file downloaded: the same three ways (its name is the backup's, so a wrong key's message is restore's too)
      const file = join(dir, record.filename)
      await copyFile(join(store, record.storagePath), file)
      const fileListed = await run(['restore', file, '--list'], { env: { PGKEEP_ENCRYPTION_PASSPHRASE: PASSPHRASE } })
      expect({ code: fileListed.code, stderr: fileListed.stderr, stdout: fileListed.stdout }).toEqual({ code: 0, stderr: '', stdout: expected })
      const fileWrong = await run(['restore', record.filename, '--list'], { env: wrongEnv, cwd: dir })
      expect({ code: fileWrong.code, stdout: fileWrong.stdout, stderr: fileWrong.stderr }).toEqual({ code: 1, stdout: '', stderr: restored.stderr })
      const fileLocked = await run(['restore', file, '--list'])
      expect(fileLocked.code).toBe(1)
      expect(fileLocked.stdout).toBe('')
      expect(fileLocked.stderr).toMatch(/^pgkeep: error: the script is an age-encrypted file .* \[DECRYPTION_FAILED\]\npgkeep: hint: .*age -d/)

      // and restored from the file with the key, as the stored backup is; without a key it is refused as --list is
      const fileRestoreLocked = await run(['restore', file, target.url, '-q'])
      expect(fileRestoreLocked.code).toBe(1)
      expect(fileRestoreLocked.stderr).toMatch(/^pgkeep: error: the script is an age-encrypted file .* \[DECRYPTION_FAILED\]/)
      const fileWrongRestore = await run(['restore', file, target.url, '-q'], { env: wrongEnv })
      expect({ code: fileWrongRestore.code, stderr: fileWrongRestore.stderr.split('\n')[0] }).toEqual({ code: 1, stderr: restored.stderr.split('\n')[0] })
      const fileRestored = await run(['restore', file, target.url, '-q'], { env: { PGKEEP_DECRYPTION_PASSPHRASE: PASSPHRASE } })
      expect({ code: fileRestored.code, stderr: fileRestored.stderr }).toEqual({ code: 0, stderr: '' })
      const counts = 'SELECT (SELECT count(*) FROM rooms)::text AS rooms, (SELECT sum(amount) FROM bills)::text AS amount'
      expect(await runSql(target.url, counts)).toEqual(await runSql(source.url, counts))
    } finally {
      await target.drop()
    }
  })

  it('an X25519 backup: listed with --identity or PGKEEP_AGE_IDENTITY_FILE, refused without, a wrong identity fails as restore fails', async () => {
    const keyFile = join(dir, 'key.txt')
    const otherKey = join(dir, 'other-key.txt')
    const key = await run(['keygen', '-o', keyFile])
    expect(key.code, key.stderr).toBe(0)
    expect((await run(['keygen', '-o', otherKey])).code).toBe(0)
    const store = join(dir, 'x25519')
    const record = await made(store, ['--recipient', key.stdout.trim()])
    const before = await sessions()
    for (const [args, env] of [[['--identity', keyFile], {}], [[], { PGKEEP_AGE_IDENTITY_FILE: keyFile }]] as const) {
      const listed = await run(['restore', record.id, '--dir', store, '--list', ...args], { env })
      expect({ code: listed.code, stderr: listed.stderr, stdout: listed.stdout }).toEqual({ code: 0, stderr: '', stdout: expected })
    }
    expect(await sessions()).toBe(before)

    const locked = await run(['restore', record.id, '--dir', store, '--list'])
    expect({ code: locked.code, stdout: locked.stdout, stderr: locked.stderr }).toEqual({
      code: 1, stdout: '',
      stderr: `pgkeep: error: backup ${record.id} is encrypted (X25519 recipients), and no identity was given to open it [OPTIONS_INVALID]\npgkeep: hint: give it the key file: pgkeep restore ${record.id} --list --identity <key file> (or set PGKEEP_AGE_IDENTITY_FILE)\n`,
    })
    const hinted = await run([...hintedCommand(locked.stderr, keyFile), '--dir', store])
    expect({ code: hinted.code, stderr: hinted.stderr, stdout: hinted.stdout }).toEqual({ code: 0, stderr: '', stdout: expected })

    const target = await createDatabase(server.url, { prefix: 'cli_enclist_x' })
    try {
      const restored = await run(['restore', record.id, target.url, '--dir', store, '-q', '--identity', otherKey])
      expect(restored.code).toBe(1)
      expect(restored.stderr).toContain(`unable to decrypt backup ${record.filename}: none of the identities given opens it`)
      const wrong = await run(['restore', record.id, '--dir', store, '--list', '--identity', otherKey])
      expect({ code: wrong.code, stdout: wrong.stdout, stderr: wrong.stderr }).toEqual({ code: 1, stdout: '', stderr: restored.stderr })

      const file = join(dir, record.filename)
      await copyFile(join(store, record.storagePath), file)
      const fileListed = await run(['restore', file, '--list', '--identity', keyFile])
      expect({ code: fileListed.code, stderr: fileListed.stderr, stdout: fileListed.stdout }).toEqual({ code: 0, stderr: '', stdout: expected })
      // the error line is restore's; the hint cannot name the recipients (an age file does not hold them)
      const fileWrong = await run(['restore', file, '--list'], { env: { PGKEEP_AGE_IDENTITY_FILE: otherKey } })
      expect(fileWrong.code).toBe(1)
      expect(fileWrong.stderr.split('\n')[0]).toBe(restored.stderr.split('\n')[0])
      expect(fileWrong.stderr).toContain('pgkeep: hint: give the backup manager decryption: { identities: [\'AGE-SECRET-KEY-1…\'] } (pgkeep: --identity <key file>) with the secret key of one of its recipients\n')
    } finally {
      await target.drop()
    }
  })

  it('an encrypted backup on stdin: listed and restored with the key, refused without, a wrong key failing as the file does', async () => {
    const store = join(dir, 'stdin')
    const record = await made(store, [], { PGKEEP_ENCRYPTION_PASSPHRASE: PASSPHRASE })
    const file = join(dir, `stdin-${record.filename}`)
    await copyFile(join(store, record.storagePath), file)
    const bytes = await readFile(file)
    // in one chunk, and cut into 7-byte chunks, so that age's header line and the header arrive in pieces
    const stdin = (size = bytes.length) => Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)))
    const key = { PGKEEP_DECRYPTION_PASSPHRASE: PASSPHRASE }
    for (const size of [bytes.length, 7]) {
      const listed = await run(['restore', '-', '--list'], { env: key, stdin: stdin(size) })
      expect({ size, code: listed.code, stderr: listed.stderr, stdout: listed.stdout }).toEqual({ size, code: 0, stderr: '', stdout: expected })
    }
    // PGKEEP_ENCRYPTION_PASSPHRASE opens it too, as for a file
    const byEncryptionKey = await run(['restore', '-', '--list'], { env: { PGKEEP_ENCRYPTION_PASSPHRASE: PASSPHRASE }, stdin: stdin() })
    expect({ code: byEncryptionKey.code, stderr: byEncryptionKey.stderr, stdout: byEncryptionKey.stdout }).toEqual({ code: 0, stderr: '', stdout: expected })

    // without a key: refused as the file is, word for word
    const fileLocked = await run(['restore', file, '--list'])
    const locked = await run(['restore', '-', '--list'], { stdin: stdin() })
    expect({ code: locked.code, stdout: locked.stdout, stderr: locked.stderr }).toEqual({ code: 1, stdout: '', stderr: fileLocked.stderr })
    expect(locked.stderr).toMatch(/^pgkeep: error: the script is an age-encrypted file .* \[DECRYPTION_FAILED\]/)

    // a wrong key: the file's error, naming stdin where it names the file (and the passphrase never echoed)
    const wrongEnv = { PGKEEP_DECRYPTION_PASSPHRASE: 'not-the-passphrase' }
    const fileWrong = await run(['restore', file, '--list'], { env: wrongEnv })
    expect(fileWrong.stderr).toContain(`unable to decrypt backup stdin-${record.filename}: the passphrase given does not open it`)
    const wrong = await run(['restore', '-', '--list'], { env: wrongEnv, stdin: stdin() })
    expect({ code: wrong.code, stdout: wrong.stdout, stderr: wrong.stderr })
      .toEqual({ code: 1, stdout: '', stderr: fileWrong.stderr.replace(`backup stdin-${record.filename}`, 'backup on stdin') })
    expect(wrong.stderr).not.toContain('not-the-passphrase')

    // a plain backup on stdin is still read whole when a key is given (the bytes read to tell it are kept)
    const plain = await made(join(dir, 'stdin-plain'), [])
    const plainListed = await run(['restore', '-', '--list'], { env: key, stdin: Readable.from([await readFile(join(dir, 'stdin-plain', plain.storagePath))]) })
    expect({ code: plainListed.code, stderr: plainListed.stderr, stdout: plainListed.stdout }).toEqual({ code: 0, stderr: '', stdout: expected })

    const target = await createDatabase(server.url, { prefix: 'cli_enclist_s' })
    try {
      const restoreLocked = await run(['restore', '-', target.url, '-q'], { stdin: stdin() })
      expect(restoreLocked.code).toBe(1)
      expect(restoreLocked.stderr).toMatch(/^pgkeep: error: the script is an age-encrypted file .* \[DECRYPTION_FAILED\]/)
      const restoreWrong = await run(['restore', '-', target.url, '-q'], { env: wrongEnv, stdin: stdin() })
      expect({ code: restoreWrong.code, stderr: restoreWrong.stderr }).toEqual({ code: 1, stderr: wrong.stderr })
      const restored = await run(['restore', '-', target.url, '-q'], { env: key, stdin: stdin(7) })
      expect({ code: restored.code, stderr: restored.stderr }).toEqual({ code: 0, stderr: '' })
      const counts = 'SELECT (SELECT count(*) FROM rooms)::text AS rooms, (SELECT sum(amount) FROM bills)::text AS amount'
      expect(await runSql(target.url, counts)).toEqual(await runSql(source.url, counts))
    } finally {
      await target.drop()
    }

    // an X25519 backup on stdin with --identity
    const keyFile = join(dir, 'stdin-key.txt')
    const made25519 = await run(['keygen', '-o', keyFile])
    expect(made25519.code, made25519.stderr).toBe(0)
    const x25519 = await made(join(dir, 'stdin-x25519'), ['--recipient', made25519.stdout.trim()])
    const x25519Bytes = await readFile(join(dir, 'stdin-x25519', x25519.storagePath))
    const listed = await run(['restore', '-', '--list', '--identity', keyFile], { stdin: Readable.from([x25519Bytes]) })
    expect({ code: listed.code, stderr: listed.stderr, stdout: listed.stdout }).toEqual({ code: 0, stderr: '', stdout: expected })
  })
})
