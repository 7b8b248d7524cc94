// Public API of @pgkeep/express.
export { createBackupRouter, type BackupRouterOptions } from './backup-router'
export type { AuthorizeOutcome, BackupAction, BackupManager, HttpConfig } from '@pgkeep/core'
