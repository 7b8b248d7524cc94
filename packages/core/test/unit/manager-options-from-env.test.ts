// managerOptionsFromEnv(): the database, storage and keys of a backup manager from the environment, as
// the CLI and the adapters build it; pure apart from reading identity files from a temporary folder.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MANAGER_ENV, STORAGE_ENV, generateAgeKeyPair, managerOptionsFromEnv, type PgkeepError } from '../../src/index'
import { failure } from '../failure'

describe('managerOptionsFromEnv', () => {
  it('gives folder storage, the env and nothing else for an empty environment', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'pgkeep-env-'))
    const o = managerOptionsFromEnv({}, { cwd })
    expect(o.storage.kind).toBe('fs')
    expect(o.env).toEqual({})
    expect(Object.keys(o).sort()).toEqual(['env', 'storage'])
  })

  it('takes the database from PGKEEP_DATABASE_URL, else DATABASE_URL', () => {
    expect(managerOptionsFromEnv({ DATABASE_URL: 'postgresql://a/app' }, { cwd: tmpdir() }).connectionString).toBe('postgresql://a/app')
    expect(managerOptionsFromEnv({ DATABASE_URL: 'postgresql://a/app', PGKEEP_DATABASE_URL: 'postgresql://b/backup' }, { cwd: tmpdir() }).connectionString).toBe('postgresql://b/backup')
    // PG* variables stay in env, for resolveConnection to fill the gaps.
    expect(managerOptionsFromEnv({ PGHOST: 'db' }, { cwd: tmpdir() })).not.toHaveProperty('connectionString')
  })

  it('takes the backup jobs from PGKEEP_JOBS (1..16), and refuses anything else naming the variable', async () => {
    expect(managerOptionsFromEnv({ PGKEEP_JOBS: '3' }, { cwd: tmpdir() }).dump).toEqual({ jobs: 3 })
    expect(managerOptionsFromEnv({ PGKEEP_JOBS: '' }, { cwd: tmpdir() })).not.toHaveProperty('dump')
    for (const bad of ['0', '17', '2.5', 'four', '-1']) {
      const error = await failure(() => managerOptionsFromEnv({ PGKEEP_JOBS: bad }, { cwd: tmpdir() }), 'OPTIONS_INVALID')
      expect(error.message).toContain('PGKEEP_JOBS')
    }
  })

  it('picks S3 from the PGKEEP_S3_* variables, and refuses an incomplete set', async () => {
    const s3 = managerOptionsFromEnv({ PGKEEP_S3_BUCKET: 'kost-backups', PGKEEP_S3_ENDPOINT: '127.0.0.1', PGKEEP_S3_PORT: '9000', PGKEEP_S3_USE_SSL: 'false', PGKEEP_S3_ACCESS_KEY: 'k', PGKEEP_S3_SECRET_KEY: 's' })
    expect(s3.storage.kind).toBe('s3')
    await failure(() => managerOptionsFromEnv({ PGKEEP_S3_BUCKET: 'b' }), 'STORAGE_INVALID')
  })

  it('encrypts with a passphrase (which also decrypts), or to recipients; never both', async () => {
    const withPassphrase = managerOptionsFromEnv({ PGKEEP_ENCRYPTION_PASSPHRASE: 'p1' }, { cwd: tmpdir() })
    expect(withPassphrase.encryption).toEqual({ passphrase: 'p1' })
    expect(withPassphrase.decryption).toEqual({ passphrase: 'p1' })
    expect(managerOptionsFromEnv({ PGKEEP_ENCRYPTION_PASSPHRASE: 'p1', PGKEEP_DECRYPTION_PASSPHRASE: 'p0' }, { cwd: tmpdir() }).decryption).toEqual({ passphrase: 'p0' })
    const a = await generateAgeKeyPair()
    const b = await generateAgeKeyPair()
    const toRecipients = managerOptionsFromEnv({ PGKEEP_ENCRYPTION_RECIPIENTS: `${a.recipient}, ${b.recipient}` }, { cwd: tmpdir(), recipients: ['age1extra'] })
    expect(toRecipients.encryption).toEqual({ recipients: ['age1extra', a.recipient, b.recipient] })
    expect(toRecipients).not.toHaveProperty('decryption')
    await failure(() => managerOptionsFromEnv({ PGKEEP_ENCRYPTION_PASSPHRASE: 'p', PGKEEP_ENCRYPTION_RECIPIENTS: a.recipient }, { cwd: tmpdir() }), 'OPTIONS_INVALID')
  })

  it('reads identities from PGKEEP_AGE_IDENTITY_FILE (relative to cwd) and the extra files; refuses unreadable or empty ones', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'pgkeep-env-'))
    const a = await generateAgeKeyPair()
    const b = await generateAgeKeyPair()
    await writeFile(join(cwd, 'a.key'), `# created: now\n# public key: ${a.recipient}\n${a.identity}\n`)
    await writeFile(join(cwd, 'b.key'), `${b.identity}\n`)
    await writeFile(join(cwd, 'empty.key'), '# nothing\n')
    const o = managerOptionsFromEnv({ PGKEEP_AGE_IDENTITY_FILE: 'a.key' }, { cwd, identityFiles: [join(cwd, 'b.key')] })
    expect(o.decryption).toEqual({ identities: [b.identity, a.identity] })
    expect((await failure(() => managerOptionsFromEnv({ PGKEEP_AGE_IDENTITY_FILE: 'missing.key' }, { cwd }), 'OPTIONS_INVALID')).message).toContain('missing.key')
    expect((await failure(() => managerOptionsFromEnv({ PGKEEP_AGE_IDENTITY_FILE: 'empty.key' }, { cwd }), 'OPTIONS_INVALID')).message).toContain('AGE-SECRET-KEY-1')
  })

  it('refuses an encryption variable set to nothing: new backups would have been plain without a word', async () => {
    for (const [name, value, says] of [
      ['PGKEEP_ENCRYPTION_PASSPHRASE', '', 'is set but empty'],
      ['PGKEEP_ENCRYPTION_PASSPHRASE', '   ', 'is set but holds only spaces or commas'],
      ['PGKEEP_ENCRYPTION_RECIPIENTS', ' , ', 'is set but holds only spaces or commas'],
      ['PGKEEP_ENCRYPTION_RECIPIENTS', '', 'is set but empty'],
    ] as const) {
      const error = await failure(() => managerOptionsFromEnv({ [name]: value }, { cwd: tmpdir() }), 'OPTIONS_INVALID')
      expect(error.message).toBe(`${name} ${says}: new backups would not be encrypted`)
      expect(error.hint).toMatch(/or unset the variable to back up without encryption$/)
    }
    // unset: no encryption, as before
    expect(managerOptionsFromEnv({}, { cwd: tmpdir() })).not.toHaveProperty('encryption')
  })

  it('an age secret key given where its file belongs is refused without repeating the key', async () => {
    const { identity } = await generateAgeKeyPair()
    for (const [env, identityFiles, from] of [[{ PGKEEP_AGE_IDENTITY_FILE: identity }, [], 'PGKEEP_AGE_IDENTITY_FILE'], [{}, [identity], '--identity']] as const) {
      const error = await failure(() => managerOptionsFromEnv(env, { cwd: tmpdir(), identityFiles: [...identityFiles] }), 'OPTIONS_INVALID')
      expect(error.message).toBe(`${from} holds an age secret key, not the name of a file that holds one`)
      for (const text of [error.message, error.hint, JSON.stringify(error), String(error.cause)]) expect(text).not.toContain(identity.slice(16))
    }
  })

  it('reads PGKEEP_SIGNING_KEYS_OLD one key per line when it has line breaks, so a key of text may hold spaces and commas', async () => {
    const text = 'correct horse battery staple, used for backups'
    const newer = 'a'.repeat(64)
    expect(managerOptionsFromEnv({ PGKEEP_SIGNING_KEY: newer, PGKEEP_SIGNING_KEYS_OLD: `${text}\n  ${'b'.repeat(64)}  \n` }, { cwd: tmpdir() }).signing)
      .toEqual({ key: newer, previousKeys: [text, 'b'.repeat(64)], require: false })
    // on one line the spaces and commas separate keys; the hint says how to give such a key
    const split = await failure(() => managerOptionsFromEnv({ PGKEEP_SIGNING_KEY: newer, PGKEEP_SIGNING_KEYS_OLD: text }, { cwd: tmpdir() }), 'OPTIONS_INVALID')
    expect(split.message).toMatch(/^key 1 of PGKEEP_SIGNING_KEYS_OLD is too short/)
    expect(split.hint).toBe('keys are separated by spaces or commas; a key of text that holds spaces or commas: give the keys one per line')
  })

  it('documents every variable it reads, the storage ones included', () => {
    expect(Object.keys(MANAGER_ENV)).toEqual(expect.arrayContaining([...Object.keys(STORAGE_ENV), 'PGKEEP_DATABASE_URL', 'DATABASE_URL', 'PGKEEP_ENCRYPTION_PASSPHRASE', 'PGKEEP_ENCRYPTION_RECIPIENTS', 'PGKEEP_DECRYPTION_PASSPHRASE', 'PGKEEP_AGE_IDENTITY_FILE', 'PGKEEP_SCRATCH_STALE_SECONDS']))
  })

  it('takes the scratch stale age from PGKEEP_SCRATCH_STALE_SECONDS, and refuses what is not whole seconds', async () => {
    expect(managerOptionsFromEnv({ PGKEEP_SCRATCH_STALE_SECONDS: '0' }, { cwd: tmpdir() }).scratchStaleSeconds).toBe(0)
    expect(managerOptionsFromEnv({ PGKEEP_SCRATCH_STALE_SECONDS: '7200' }, { cwd: tmpdir() }).scratchStaleSeconds).toBe(7200)
    expect(managerOptionsFromEnv({}, { cwd: tmpdir() })).not.toHaveProperty('scratchStaleSeconds')
    for (const bad of ['-1', '1h', '1.5', ' 60']) {
      const error = await failure(() => managerOptionsFromEnv({ PGKEEP_SCRATCH_STALE_SECONDS: bad }, { cwd: tmpdir() }), 'OPTIONS_INVALID')
      expect(error.message).toBe(`PGKEEP_SCRATCH_STALE_SECONDS must be a whole number of seconds, not ${JSON.stringify(bad)}`)
    }
  })
})

describe('replicas from PGKEEP_REPLICA_<n>_* variables', () => {
  it('builds a folder and an S3 replica in their numbers\' order, with a name and a longer retention', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'pgkeep-env-'))
    const o = managerOptionsFromEnv({
      PGKEEP_REPLICA_2_S3_BUCKET: 'far-away', PGKEEP_REPLICA_2_S3_ENDPOINT: '127.0.0.1', PGKEEP_REPLICA_2_S3_PORT: '9000',
      PGKEEP_REPLICA_2_S3_USE_SSL: 'false', PGKEEP_REPLICA_2_S3_ACCESS_KEY: 'k', PGKEEP_REPLICA_2_S3_SECRET_KEY: 's', PGKEEP_REPLICA_2_KEEP_DAYS: '90',
      PGKEEP_REPLICA_1_DIR: 'mirror', PGKEEP_REPLICA_1_NAME: 'usb-disk',
    }, { cwd })
    expect(o.replicas).toHaveLength(2)
    const [first, second] = o.replicas as { storage: { kind: string }; name?: string; retention?: unknown }[]
    expect([first!.storage.kind, first!.name, first!.retention]).toEqual(['fs', 'usb-disk', undefined])
    expect([second!.storage.kind, second!.name, second!.retention]).toEqual(['s3', undefined, { maxAgeDays: 90 }])
    expect(Object.keys(MANAGER_ENV)).toContain('PGKEEP_REPLICA_<n>_DIR')
    // A plain folder replica is the driver itself; none without the variables.
    expect((managerOptionsFromEnv({ PGKEEP_REPLICA_1_DIR: 'm' }, { cwd }).replicas as { kind: string }[])[0]!.kind).toBe('fs')
    expect(managerOptionsFromEnv({}, { cwd })).not.toHaveProperty('replicas')
  })

  it('names the variable at fault', async () => {
    const cwd = tmpdir()
    expect((await failure(() => managerOptionsFromEnv({ PGKEEP_REPLICA_1_NAME: 'x' }, { cwd }), 'OPTIONS_INVALID')).message).toContain('PGKEEP_REPLICA_1_DIR')
    expect((await failure(() => managerOptionsFromEnv({ PGKEEP_REPLICA_1_DIR: 'a', PGKEEP_REPLICA_1_S3_BUCKET: 'b' }, { cwd }), 'OPTIONS_INVALID')).message).toContain('both')
    const s3 = await failure(() => managerOptionsFromEnv({ PGKEEP_REPLICA_3_S3_BUCKET: 'b' }, { cwd }), 'STORAGE_INVALID')
    expect(s3.message).toContain('PGKEEP_REPLICA_3_S3_ENDPOINT')
    expect(s3.message).not.toMatch(/(^|[^_])PGKEEP_S3_/)
    expect((await failure(() => managerOptionsFromEnv({ PGKEEP_REPLICA_1_DIRECTORY: 'a' }, { cwd }), 'OPTIONS_INVALID')).message).toContain('PGKEEP_REPLICA_1_DIRECTORY')
    expect((await failure(() => managerOptionsFromEnv({ PGKEEP_REPLICA_1_DIR: 'a', PGKEEP_REPLICA_1_KEEP_DAYS: 'ten' }, { cwd }), 'OPTIONS_INVALID')).message).toContain('KEEP_DAYS')
    expect((await failure(() => managerOptionsFromEnv({ PGKEEP_REPLICA_0_DIR: 'a' }, { cwd }), 'OPTIONS_INVALID')).message).toContain('from 1')
  })

  it('names the S3 variable, not the s3Storage option, for a value s3Storage refuses (primary and replica)', async () => {
    const s3 = { PGKEEP_S3_ENDPOINT: '127.0.0.1', PGKEEP_S3_ACCESS_KEY: 'k', PGKEEP_S3_SECRET_KEY: 's' }
    const bucket = await failure(() => managerOptionsFromEnv({ ...s3, PGKEEP_S3_BUCKET: 'Kost_Backups' }), 'STORAGE_INVALID')
    expect(bucket.message).toBe('PGKEEP_S3_BUCKET "Kost_Backups" is not a valid bucket name')
    expect(bucket.hint).toMatch(/3 to 63 characters/)
    expect((bucket.cause as PgkeepError).message).toContain('`bucket`')
    const endpoint = await failure(() => managerOptionsFromEnv({ ...s3, PGKEEP_S3_ENDPOINT: 'https://minio.internal:9000', PGKEEP_S3_BUCKET: 'kost' }), 'STORAGE_INVALID')
    expect(endpoint.message).toBe('PGKEEP_S3_ENDPOINT must be a host name only, without scheme, port or path')
    expect(endpoint.hint).toBe('use PGKEEP_S3_USE_SSL and PGKEEP_S3_PORT for the scheme and the port')
    expect((await failure(() => managerOptionsFromEnv({ ...s3, PGKEEP_S3_BUCKET: 'kost', PGKEEP_S3_PORT: '70000' }), 'STORAGE_INVALID')).message)
      .toBe('PGKEEP_S3_PORT must be a whole number from 1 to 65535')
    const replica = await failure(() => managerOptionsFromEnv({
      PGKEEP_REPLICA_2_S3_BUCKET: 'kost', PGKEEP_REPLICA_2_S3_ENDPOINT: 'http://far.example', PGKEEP_REPLICA_2_S3_ACCESS_KEY: 'k', PGKEEP_REPLICA_2_S3_SECRET_KEY: 's',
    }, { cwd: tmpdir() }), 'STORAGE_INVALID')
    expect(replica.message).toBe('PGKEEP_REPLICA_2_S3_ENDPOINT must be a host name only, without scheme, port or path')
    expect(replica.hint).toBe('use PGKEEP_REPLICA_2_S3_USE_SSL and PGKEEP_REPLICA_2_S3_PORT for the scheme and the port')
  })
})
