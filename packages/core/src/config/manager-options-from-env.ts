// The backup manager's options from environment variables, for the command line and the adapters
// (Nuxt, Express), so that they all build a manager the same way: the database, the storage
// (storageFromEnv), the keys of encrypted backups, the e-mail notifications (emailFromEnv) and the alert
// thresholds (alertsFromEnv). Secrets come from the environment or key files,
// never from a command line, where other users could read them in the process list.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { PgkeepError } from '../errors'
import type { BackupManagerOptions } from '../manager-options'
import type { StorageDriver } from '../storage/driver'
import { REPLICA_ENV, replicasFromEnv } from './replicas-from-env'
import { EMAIL_ENV, emailFromEnv } from './email-from-env'
import { ALERTS_ENV, alertsFromEnv } from './alerts-from-env'
import { STORAGE_ENV, storageFromEnv } from './storage-from-env'
import { KEY_FORMS, signingKeyBytes } from '../manifest/signing-key'
import { ArchiveOptionsSchema } from '../manager/archive-options'
import { splitKeyList } from './key-list'
import { ENGLISH } from '../zod-english'

export const MANAGER_ENV = {
  PGKEEP_DATABASE_URL: 'the database to back up (connection URL or "key=value …"); PG* variables fill the gaps',
  DATABASE_URL: 'used when PGKEEP_DATABASE_URL is not set',
  PGKEEP_ENCRYPTION_PASSPHRASE: 'encrypt new backups with this passphrase (age scrypt)',
  PGKEEP_ENCRYPTION_RECIPIENTS: 'or encrypt them to these age public keys (age1…, separated by commas or spaces)',
  PGKEEP_DECRYPTION_PASSPHRASE: 'passphrase for restoring and verifying encrypted backups (default: PGKEEP_ENCRYPTION_PASSPHRASE)',
  PGKEEP_AGE_IDENTITY_FILE: 'a file of age secret keys (AGE-SECRET-KEY-1…) for restoring and verifying backups encrypted to recipients',
  PGKEEP_JOBS: 'tables a backup copies and compresses at once, 1 to 16 (default: the CPU cores, at most 4); a backup uses jobs + 1 connections',
  PGKEEP_SIGNING_KEY: 'sign new backups\' manifests with this key (64+ hex digits, base64 of 32+ bytes, or 32+ characters) and check signatures before restore, verify and download',
  PGKEEP_SIGNING_KEYS_OLD: 'earlier signing keys that still verify the backups they signed (separated by commas or spaces)',
  PGKEEP_REQUIRE_SIGNATURE: '1 (or true): refuse unsigned backups; needs PGKEEP_SIGNING_KEY',
  PGKEEP_SCRATCH_STALE_SECONDS: 'age in seconds from which verify and cleanup drop the scratch databases and roles of killed verifies (default 3600)',
  PGKEEP_ARCHIVE_SLOT: 'the change archive\'s replication slot (default pgkeep_<database>)',
  PGKEEP_ARCHIVE_PUBLICATION: 'the publication the change archive reads (default pgkeep_archive, created for all tables)',
  PGKEEP_ARCHIVE_SEGMENT_SECONDS: 'close a change segment once its first transaction is this many seconds old (default 60)',
  PGKEEP_ARCHIVE_SEGMENT_BYTES: 'or once it holds this many bytes of changes (default 16777216)',
  PGKEEP_ARCHIVE_ALLOW_PLAIN_SEGMENTS: 'no longer needed, without effect (segments are encrypted as the backups are); 1, true, 0 or false still accepted',
  ...STORAGE_ENV,
  ...REPLICA_ENV,
  ...EMAIL_ENV,
  ...ALERTS_ENV,
} as const

export interface ManagerEnvExtras {
  /** Resolves PGKEEP_BACKUP_DIR and identity files. @default process.cwd() */
  cwd?: string
  /** More age public keys to encrypt to, beside PGKEEP_ENCRYPTION_RECIPIENTS (the CLI's --recipient). */
  recipients?: string[]
  /** More identity files, beside PGKEEP_AGE_IDENTITY_FILE (the CLI's --identity). */
  identityFiles?: string[]
}

export type ManagerEnvOptions = Pick<BackupManagerOptions, 'connectionString' | 'encryption' | 'decryption' | 'replicas' | 'notifications' | 'dump' | 'signing' | 'scratchStaleSeconds' | 'archive' | 'alerts'> & {
  storage: StorageDriver
  env: NodeJS.ProcessEnv
}

/**
 * Options for createBackupManager() from `env` (see MANAGER_ENV): spread them and add your own.
 * OPTIONS_INVALID for a passphrase together with recipients, or an identity file that cannot be read
 * or holds no key, e-mail variables that are incomplete or not valid, a signing key that is too short, or
 * PGKEEP_REQUIRE_SIGNATURE without a key, an alert threshold that is empty, not a number or not above 0
 * (alertsFromEnv); STORAGE_INVALID for incomplete S3 variables.
 */
export function managerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, extras: ManagerEnvExtras = {}): ManagerEnvOptions {
  const cwd = extras.cwd ?? process.cwd()
  const connectionString = env.PGKEEP_DATABASE_URL || env.DATABASE_URL || undefined
  // A variable set to nothing (`PGKEEP_ENCRYPTION_PASSPHRASE=${UNSET_SECRET}` in a crontab or compose
  // file) would make plain backups without a word: it is refused, as a passphrase of spaces is.
  for (const name of ['PGKEEP_ENCRYPTION_PASSPHRASE', 'PGKEEP_ENCRYPTION_RECIPIENTS'] as const) {
    const value = env[name]
    if (value !== undefined && value.replace(/[\s,]+/g, '') === '') {
      throw new PgkeepError('OPTIONS_INVALID', `${name} is set but ${value === '' ? 'empty' : 'holds only spaces or commas'}: new backups would not be encrypted`, {
        hint: `give the ${name === 'PGKEEP_ENCRYPTION_PASSPHRASE' ? 'passphrase' : 'age public keys (age1…)'}, or unset the variable to back up without encryption`,
      })
    }
  }
  const passphrase = env.PGKEEP_ENCRYPTION_PASSPHRASE || undefined
  const recipients = [...(extras.recipients ?? []), ...(env.PGKEEP_ENCRYPTION_RECIPIENTS ?? '').split(/[\s,]+/).filter(Boolean)]
  if (passphrase && recipients.length > 0) {
    throw new PgkeepError('OPTIONS_INVALID', 'encrypt either with PGKEEP_ENCRYPTION_PASSPHRASE or to recipients (PGKEEP_ENCRYPTION_RECIPIENTS, --recipient), not both')
  }
  const files = [...(extras.identityFiles ?? []).map((file) => ({ file, from: '--identity' })), ...(env.PGKEEP_AGE_IDENTITY_FILE ? [{ file: env.PGKEEP_AGE_IDENTITY_FILE, from: 'PGKEEP_AGE_IDENTITY_FILE' }] : [])]
  const identities = files.flatMap(({ file, from }) => readIdentities(file, from, cwd))
  const decryptPassphrase = env.PGKEEP_DECRYPTION_PASSPHRASE || passphrase
  const replicas = replicasFromEnv(env, cwd)
  const notifications = emailFromEnv(env)
  const jobs = jobsFromEnv(env.PGKEEP_JOBS)
  const signing = signingFromEnv(env)
  const stale = env.PGKEEP_SCRATCH_STALE_SECONDS || undefined
  if (stale !== undefined && !/^\d{1,9}$/.test(stale)) {
    throw new PgkeepError('OPTIONS_INVALID', `PGKEEP_SCRATCH_STALE_SECONDS must be a whole number of seconds, not ${JSON.stringify(stale.slice(0, 40))}`)
  }
  const archive = archiveFromEnv(env)
  const alerts = alertsFromEnv(env)
  return {
    storage: storageFromEnv(env, cwd),
    ...(archive ? { archive } : {}),
    env,
    ...(replicas.length > 0 ? { replicas } : {}),
    ...(connectionString ? { connectionString } : {}),
    ...(jobs !== undefined ? { dump: { jobs } } : {}),
    ...(stale !== undefined ? { scratchStaleSeconds: Number(stale) } : {}),
    ...(passphrase ? { encryption: { passphrase } } : recipients.length > 0 ? { encryption: { recipients } } : {}),
    ...(decryptPassphrase || identities.length > 0
      ? { decryption: { ...(decryptPassphrase ? { passphrase: decryptPassphrase } : {}), ...(identities.length > 0 ? { identities } : {}) } }
      : {}),
    ...(notifications ? { notifications } : {}),
    ...(signing ? { signing } : {}),
    ...(alerts ? { alerts } : {}),
  }
}

// --- internal ---

function archiveFromEnv(env: NodeJS.ProcessEnv): BackupManagerOptions['archive'] {
  const slot = env.PGKEEP_ARCHIVE_SLOT?.trim() || undefined
  const publication = env.PGKEEP_ARCHIVE_PUBLICATION?.trim() || undefined
  const seconds = env.PGKEEP_ARCHIVE_SEGMENT_SECONDS?.trim() || undefined
  const bytes = env.PGKEEP_ARCHIVE_SEGMENT_BYTES?.trim() || undefined
  if (seconds !== undefined && !(/^\d+(\.\d+)?$/.test(seconds) && Number(seconds) > 0 && Number(seconds) <= 86_400)) {
    throw new PgkeepError('OPTIONS_INVALID', `PGKEEP_ARCHIVE_SEGMENT_SECONDS must be a number of seconds above 0, at most 86400, not ${JSON.stringify(seconds.slice(0, 40))}`)
  }
  if (bytes !== undefined && !(/^\d{1,10}$/.test(bytes) && Number(bytes) >= 1024 && Number(bytes) <= 1024 ** 3)) {
    throw new PgkeepError('OPTIONS_INVALID', `PGKEEP_ARCHIVE_SEGMENT_BYTES must be a whole number of bytes from 1024 to 1073741824, not ${JSON.stringify(bytes.slice(0, 40))}`)
  }
  const plain = env.PGKEEP_ARCHIVE_ALLOW_PLAIN_SEGMENTS?.trim() || undefined
  if (plain !== undefined && !['1', 'true', '0', 'false'].includes(plain.toLowerCase())) {
    throw new PgkeepError('OPTIONS_INVALID', `PGKEEP_ARCHIVE_ALLOW_PLAIN_SEGMENTS must be 1, true, 0 or false, not ${JSON.stringify(plain.slice(0, 40))}`)
  }
  const allowPlain = plain !== undefined && ['1', 'true'].includes(plain.toLowerCase())
  if (!slot && !publication && !seconds && !bytes && !allowPlain) return undefined
  const archive = {
    ...(slot ? { slot } : {}),
    ...(publication ? { publication } : {}),
    ...(seconds ? { segmentSeconds: Number(seconds) } : {}),
    ...(bytes ? { segmentBytes: Number(bytes) } : {}),
    ...(allowPlain ? { allowPlainSegments: true } : {}),
  }
  // the slot and publication names are checked with the option's own rules, naming the variable
  const checked = ArchiveOptionsSchema.safeParse(archive, ENGLISH)
  if (!checked.success) {
    const issue = checked.error.issues[0]!
    const variable = issue.path[0] === 'slot' ? 'PGKEEP_ARCHIVE_SLOT' : 'PGKEEP_ARCHIVE_PUBLICATION'
    throw new PgkeepError('OPTIONS_INVALID', `${variable} ${issue.message}`)
  }
  return archive
}

function jobsFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const jobs = Number(value.trim())
  if (!/^\d+$/.test(value.trim()) || jobs < 1 || jobs > 16) {
    throw new PgkeepError('OPTIONS_INVALID', `PGKEEP_JOBS must be a whole number from 1 to 16; got "${value.slice(0, 16)}"`)
  }
  return jobs
}

function signingFromEnv(env: NodeJS.ProcessEnv): BackupManagerOptions['signing'] {
  const key = env.PGKEEP_SIGNING_KEY?.trim() || undefined
  const previousKeys = splitKeyList(env.PGKEEP_SIGNING_KEYS_OLD)
  const requireText = (env.PGKEEP_REQUIRE_SIGNATURE ?? '').trim().toLowerCase()
  if (!['', '0', '1', 'true', 'false'].includes(requireText)) {
    throw new PgkeepError('OPTIONS_INVALID', 'PGKEEP_REQUIRE_SIGNATURE must be 1, true, 0 or false')
  }
  const require = requireText === '1' || requireText === 'true'
  if (!key) {
    if (require) throw new PgkeepError('OPTIONS_INVALID', 'PGKEEP_REQUIRE_SIGNATURE is set but PGKEEP_SIGNING_KEY is not: signatures cannot be checked without the key')
    if (previousKeys.length > 0) throw new PgkeepError('OPTIONS_INVALID', 'PGKEEP_SIGNING_KEYS_OLD is set but PGKEEP_SIGNING_KEY is not: give the current key too')
    return undefined
  }
  const problem = [key, ...previousKeys].findIndex((k) => signingKeyBytes(k) === null)
  if (problem >= 0) {
    throw new PgkeepError('OPTIONS_INVALID', `${problem === 0 ? 'PGKEEP_SIGNING_KEY' : `key ${problem} of PGKEEP_SIGNING_KEYS_OLD`} is too short: a signing key must be ${KEY_FORMS}`, {
      hint: problem === 0 || /\n/.test(env.PGKEEP_SIGNING_KEYS_OLD ?? '')
        ? 'make one with: openssl rand -hex 32'
        : 'keys are separated by spaces or commas; a key of text that holds spaces or commas: give the keys one per line',
    })
  }
  return { key, previousKeys, require }
}

function readIdentities(named: string, from: string, cwd: string): string[] {
  // The key itself where its file's name belongs: said without repeating it (the file's error would)
  if (/AGE-SECRET-KEY-/i.test(named)) {
    throw new PgkeepError('OPTIONS_INVALID', `${from} holds an age secret key, not the name of a file that holds one`, {
      hint: 'write the key to a file only you can read (chmod 600) and name the file; pgkeep keygen -o key.txt makes one',
    })
  }
  const file = resolve(cwd, named)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new PgkeepError('OPTIONS_INVALID', `unable to read the identity file ${file}: ${(error as Error).message}`, { cause: error })
  }
  const keys = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-1'))
  if (keys.length === 0) throw new PgkeepError('OPTIONS_INVALID', `the identity file ${file} holds no AGE-SECRET-KEY-1… line`)
  return keys
}
