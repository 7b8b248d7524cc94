// One way for every backup command to get its manager: storage from --dir or the PGKEEP_* variables,
// and keys for encrypted backups from the environment or key files (never from the command line,
// where other users could read them in the process list).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { createBackupManager, PgkeepError, storageFromEnv, type BackupManager, type BackupManagerOptions } from '@pgkeep/core'
import { collect } from './collect'

export interface Io {
  stdin: NodeJS.ReadableStream
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
  cwd: string
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

export function managerFor(io: Io, flags: StorageFlags, more: Partial<BackupManagerOptions> = {}): BackupManager {
  const storage = storageFromEnv(flags.dir ? { ...io.env, PGKEEP_S3_BUCKET: '', PGKEEP_BACKUP_DIR: resolve(io.cwd, flags.dir) } : io.env, io.cwd)
  const passphrase = io.env.PGKEEP_ENCRYPTION_PASSPHRASE || undefined
  const recipients = [...(flags.recipient ?? []), ...(io.env.PGKEEP_ENCRYPTION_RECIPIENTS ?? '').split(/[\s,]+/).filter(Boolean)]
  if (passphrase && recipients.length > 0) {
    throw new PgkeepError('OPTIONS_INVALID', 'encrypt either with PGKEEP_ENCRYPTION_PASSPHRASE or to recipients (--recipient, PGKEEP_ENCRYPTION_RECIPIENTS), not both')
  }
  const identities = [...(flags.identity ?? []), ...(io.env.PGKEEP_AGE_IDENTITY_FILE ? [io.env.PGKEEP_AGE_IDENTITY_FILE] : [])].flatMap((file) => readIdentities(resolve(io.cwd, file)))
  const decryptPassphrase = io.env.PGKEEP_DECRYPTION_PASSPHRASE || passphrase
  return createBackupManager({
    storage,
    keyPrefix: flags.keyPrefix,
    env: io.env,
    ...(passphrase ? { encryption: { passphrase } } : recipients.length > 0 ? { encryption: { recipients } } : {}),
    ...(decryptPassphrase || identities.length > 0 ? { decryption: { ...(decryptPassphrase ? { passphrase: decryptPassphrase } : {}), ...(identities.length > 0 ? { identities } : {}) } } : {}),
    ...more,
  })
}

function readIdentities(file: string): string[] {
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
