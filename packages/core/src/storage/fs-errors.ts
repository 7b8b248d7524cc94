// Turns a Node fs error into the storage error codes: permissions → STORAGE_ACCESS_DENIED, a file or
// folder in the way → STORAGE_INVALID, anything else (a full disk, an I/O error) → STORAGE_FAILED.
import { PgkeepError, isPgkeepError } from '../errors'

/** `action` says what failed, e.g. `unable to store "a/b.sql.gz" in /srv/backups`. */
export function fsError(error: unknown, action: string): PgkeepError {
  if (isPgkeepError(error)) return error
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const reason = error instanceof Error ? error.message : String(error)
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new PgkeepError('STORAGE_ACCESS_DENIED', `${action}: permission denied (${code})`, {
        cause: error,
        hint: 'check that the process may write to the storage directory',
      })
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ENOTEMPTY':
    case 'EEXIST':
      return new PgkeepError('STORAGE_INVALID', `${action}: a file or folder of another key is in the way (${code})`, { cause: error })
    case 'ENOSPC':
    case 'EDQUOT':
      return new PgkeepError('STORAGE_FAILED', `${action}: no space left (${code})`, { cause: error })
    default:
      return new PgkeepError('STORAGE_FAILED', `${action}: ${reason}`, { cause: error })
  }
}

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}
