// The routes' check that the storage itself is there. A bucket or folder that does not exist lists as an
// empty one (a store nothing was written to yet holds no backups), so a misspelt bucket or an unmounted
// volume answered the history as "no backups"; the routes that read stored backups answer
// STORAGE_NOT_FOUND (404) naming it instead, as the command's reading commands do.
import { isPgkeepError, PgkeepError } from '../errors'
import type { BackupManager } from '../manager'

/**
 * Resolves when the manager's storage exists (or its driver cannot tell); else STORAGE_NOT_FOUND naming
 * the bucket or folder, with the driver's hint in the message (an answer carries no hint). One request
 * to the storage (a HEAD of the bucket, a stat of the folder).
 */
export async function storageMustExist(manager: BackupManager): Promise<void> {
  try {
    // a stand-in manager without a storage (a test's, an app's wrapper) cannot tell either
    await manager.storage?.assertExists?.()
  } catch (error) {
    if (!isPgkeepError(error, 'STORAGE_NOT_FOUND')) throw error
    throw new PgkeepError('STORAGE_NOT_FOUND', error.hint ? `${error.message}; ${error.hint}` : error.message, { cause: error })
  }
}
