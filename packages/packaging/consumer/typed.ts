// A strictly typed consumer of the installed @pgkeep/core: compiled by tsc (strict, skipLibCheck off)
// under nodenext, node16 and bundler resolution, never run. It touches the main public types.
import { Writable } from 'node:stream'
import {
  PgkeepError, connect, createBackupManager, dump, fsStorage, isPgkeepError, memoryStorage, resolveConnection, restore, s3Storage,
  type BackupManager, type BackupManagerOptions, type BackupRecord, type DumpOptions, type DumpProgress, type DumpSummary,
  type ErrorCode, type RestoreOptions, type RestoreSummary, type StorageDriver, type VerifyReport,
} from '@pgkeep/core'

const discard = new Writable({ write: (_chunk, _encoding, done) => done() })

export async function nightly(url: string, onProgress: (p: DumpProgress) => void): Promise<DumpSummary> {
  const options: DumpOptions = { connection: url, excludeTableData: ['public.audit_log'] }
  return dump(options, discard, { onProgress })
}

export function manager(url: string, where: 'memory' | 'folder' | 's3'): BackupManager {
  const storage: StorageDriver =
    where === 'memory' ? memoryStorage()
    : where === 'folder' ? fsStorage({ dir: '/var/backups' })
    : s3Storage({ endPoint: 'minio.local', port: 9000, useSSL: false, accessKey: 'a', secretKey: 's', bucket: 'b' })
  const options: BackupManagerOptions = { connection: url, storage, namePrefix: 'app', retention: { keepLast: 7 } }
  return createBackupManager(options)
}

export async function backupAndVerify(backups: BackupManager): Promise<[BackupRecord, VerifyReport]> {
  const record = await backups.create({ type: 'manual', createdBy: 'admin', tables: [] })
  return [record, await backups.verify(record.id)]
}

export async function restoreFile(path: string, target: string): Promise<RestoreSummary> {
  const options: RestoreOptions = { target, clean: true }
  return restore(path, options)
}

export function codeOf(err: unknown): ErrorCode | undefined {
  if (err instanceof PgkeepError) return err.code
  return isPgkeepError(err) ? err.code : undefined
}

export async function serverVersion(url: string): Promise<string> {
  // connect() hands out a pg.Client: its types come from @types/pg, a dependency of @pgkeep/core
  const client = await connect(resolveConnection(url))
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version')
    return rows[0]?.server_version ?? ''
  } finally {
    await client.end()
  }
}

export const host: string = resolveConnection('postgresql://db.example/app').host
