// Public API of @pgkeep/core.
export { dump, randomRestrictKey, type DumpEntry, type DumpProgress, type DumpRunOptions, type DumpSummary, type DumpTableSummary } from './dump'
export type { DumpDestination } from './write/output'
export { DumpOptionsSchema, resolveDumpOptions, type DumpOptions, type ResolvedDumpOptions } from './options'
export { ERROR_CODES, PgkeepError, isPgkeepError, type ErrorCode } from './errors'
export {
  connect, redactConnectionString, resolveConnection, scrubSecrets,
  type ConnectionParams, type ResolvedConnection,
} from './connection/index'
export { MIN_SUPPORTED_MAJOR, MAX_SUPPORTED_MAJOR } from './session/server-version'
export { PGKEEP_VERSION } from './version'
export { createBackupManager, type BackupManager } from './manager'
export type { BackupManagerOptions, CreateBackupOptions } from './manager-options'
export type { BackupRecord } from './backup/backup-record'
export type { BackupProgress } from './backup/create-backup'
export type { BackupManifest } from './manifest/manifest'
export { GzipMembers, type GzipMember } from './compress/gzip-members'
export { fsStorage, type FsStorageOptions } from './storage/fs-storage'
export { memoryStorage } from './storage/memory-storage'
export { s3Storage, type S3StorageOptions } from './storage/s3-storage'
export type { ByteRange, PutOptions, StorageDriver, StoredObject } from './storage/driver'
export { storageFromEnv, STORAGE_ENV } from './config/storage-from-env'
