// One way for every backup command to get its manager: core's managerOptionsFromEnv() (database, storage
// and keys from the PGKEEP_* variables), with --dir, --recipient and --identity on top. Keys come from the
// environment or key files, never from the command line, where other users could read them in the process list.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { isPgkeepError, PgkeepError } from '@pgkeep/core/engine'
import type { BackupManager, BackupManagerOptions, DecryptionOptions, StorageDriver } from '@pgkeep/core'
import { sayAlerts } from './alert-warnings'
import { collect } from './collect'
import { library } from './library'

export interface Io {
  stdin: NodeJS.ReadableStream
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
  cwd: string
  /** Aborted by SIGINT/SIGTERM (see interrupt.ts). */
  signal?: AbortSignal
}

export interface StorageFlags {
  dir?: string
  keyPrefix: string
  /** age public keys to encrypt new backups to (repeatable --recipient). */
  recipient?: string[]
  /** Files holding age secret keys (AGE-SECRET-KEY-1…), for encrypted backups (repeatable --identity). */
  identity?: string[]
}

/** Adds --dir and --key-prefix (and, with `identity`, --identity) to a command that reaches stored backups. */
export function storageOptions(command: Command, o: { identity?: boolean; when?: string } = {}): Command {
  const when = o.when ? `${o.when}: ` : ''
  command
    .option('--dir <path>', `${when}${STORAGE_HELP}`)
    .option('--key-prefix <prefix>', `${when}folder of the backups inside the storage`, 'backups/')
  if (o.identity) command.option('--identity <file>', 'for an encrypted backup: a file of age secret keys (repeatable; or PGKEEP_AGE_IDENTITY_FILE, or PGKEEP_DECRYPTION_PASSPHRASE)', collect)
  return command
}

export const STORAGE_HELP = 'the folder of the backups (default: PGKEEP_BACKUP_DIR, S3 when PGKEEP_S3_BUCKET is set, else the current directory)'

/**
 * The command's manager. Commands that only read stored backups (every one but backup, schedule and archive,
 * which make the folder or bucket on their first write) refuse a backup folder or S3 bucket that does not
 * exist: a typo or an unmounted volume is not "no backups", and a dry run must not create folders.
 */
export async function managerFor(io: Io, flags: StorageFlags, more: Partial<BackupManagerOptions> = {}, o: { writes?: boolean; logsAlerts?: boolean } = {}): Promise<BackupManager> {
  const { createBackupManager, managerOptionsFromEnv } = await library()
  const folder = flags.dir ? resolve(io.cwd, flags.dir) : io.env.PGKEEP_S3_BUCKET ? null : resolve(io.cwd, io.env.PGKEEP_BACKUP_DIR || '.')
  if (folder !== null && !o.writes) {
    const found = await stat(folder).catch(() => null)
    const named = flags.dir ? `--dir ${flags.dir}` : `PGKEEP_BACKUP_DIR=${io.env.PGKEEP_BACKUP_DIR ?? ''}`
    if (!found) throw new PgkeepError('STORAGE_NOT_FOUND', `the backup folder ${folder} does not exist (${named})`, { hint: 'check the path and that its volume is mounted; pgkeep backup makes the folder on its first backup' })
    if (!found.isDirectory()) throw new PgkeepError('STORAGE_INVALID', `the backup folder ${folder} is not a folder (${named})`)
  }
  const env = flags.dir ? { ...io.env, PGKEEP_S3_BUCKET: '', PGKEEP_BACKUP_DIR: resolve(io.cwd, flags.dir) } : io.env
  const { connectionString, ...fromEnv } = managerOptionsFromEnv(env, { cwd: io.cwd, ...(flags.recipient ? { recipients: flags.recipient } : {}), ...(flags.identity ? { identityFiles: flags.identity } : {}) })
  // the same for a bucket: S3 lists a missing bucket as an empty one, and only a put makes it
  if (folder === null && !o.writes) await assertBucketExists(fromEnv.storage, io.env.PGKEEP_S3_BUCKET ?? '')
  const backups = createBackupManager({
    ...fromEnv,
    // A connection on the command line wins over PGKEEP_DATABASE_URL / DATABASE_URL.
    ...(connectionString && more.connection === undefined && more.connectionString === undefined ? { connectionString } : {}),
    keyPrefix: flags.keyPrefix,
    env: io.env,
    ...more,
  })
  // Alerts were said only as events nobody heard: a restore of a backup whose signature had been stripped
  // (backup-unsigned), a backup from cron while the archive's slot filled the server's disk (archive-lag)
  // said nothing. Each is a warning line on stderr (alert-warnings.ts); schedule and archive log every alert themselves.
  if (!o.logsAlerts) sayAlerts(backups, io.stderr, (flags as { json?: boolean }).json === true)
  return backups
}

/**
 * The keys the command has for encrypted backups, as its manager gets them: PGKEEP_DECRYPTION_PASSPHRASE
 * (else PGKEEP_ENCRYPTION_PASSPHRASE), and the identities of --identity and PGKEEP_AGE_IDENTITY_FILE.
 */
export async function decryptionFor(io: Io, flags: StorageFlags): Promise<DecryptionOptions> {
  const { managerOptionsFromEnv } = await library()
  // the keys alone: the storage variables play no part (a file's --list needs none)
  const env = { ...io.env, PGKEEP_S3_BUCKET: '', PGKEEP_BACKUP_DIR: io.cwd }
  return managerOptionsFromEnv(env, { cwd: io.cwd, ...(flags.identity ? { identityFiles: flags.identity } : {}) }).decryption ?? {}
}

// --- internal ---

/** STORAGE_NOT_FOUND naming PGKEEP_S3_BUCKET when the bucket is not there (the storage's own check). */
async function assertBucketExists(storage: StorageDriver | undefined, bucket: string): Promise<void> {
  try {
    await storage?.assertExists?.()
  } catch (error) {
    if (!isPgkeepError(error, 'STORAGE_NOT_FOUND')) throw error
    throw new PgkeepError('STORAGE_NOT_FOUND', `${error.message} (PGKEEP_S3_BUCKET=${bucket})`, {
      hint: 'check PGKEEP_S3_BUCKET and PGKEEP_S3_ENDPOINT; pgkeep backup makes the bucket on its first backup',
      cause: error,
    })
  }
}
