// The backup manager the adapters and most applications use: create, list, get, download, presign and
// remove backups of one database in one storage, with the history kept as manifests in that storage
// (and, optionally, mirrored into a table of the database).
import { Readable } from 'node:stream'
import { manifestKeyOf, verifyKeyOf } from './backup/backup-name'
import { tableMembers, wholeBackup } from './backup/backup-source'
import { verifyBackup, type VerifyReport } from './backup/verify-backup'
import { restore, type RestoreSummary } from './restore/restore'
import type { RestoreOptions } from './restore/restore-options'
import { recordOf, type BackupRecord } from './backup/backup-record'
import { createBackup, type BackupProgress } from './backup/create-backup'
import { connect, resolveConnection } from './connection/index'
import { PgkeepError } from './errors'
import { BackupIndex } from './history/backup-index'
import { deleteRecord, historyTableSql, markVerified, parseTableName, replaceRecords, upsertRecord, type HistoryTableName } from './history/history-table'
import type { BackupManifest } from './manifest/manifest'
import { resolveCreateOptions, resolveManagerOptions, type BackupManagerOptions, type CreateBackupOptions } from './manager-options'
import type { DumpOptions } from './options'
import { resolveDumpOptions } from './options'
import { fsStorage } from './storage/fs-storage'
import type { StorageDriver } from './storage/driver'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

export interface BackupManager {
  readonly storage: StorageDriver
  /** Whether downloadUrl() can hand out presigned URLs (the storage supports it). */
  readonly canPresign: boolean
  create(options?: CreateBackupOptions): Promise<BackupRecord>
  /** Completed backups, newest first. */
  list(options?: { limit?: number; before?: Date }): Promise<BackupRecord[]>
  get(id: string): Promise<BackupRecord>
  /** The manifest: tables with rows, checksums and member offsets, options, totals. */
  manifest(id: string): Promise<BackupManifest>
  /** The stored `.sql.gz`, as a stream. */
  download(id: string): Promise<Readable>
  /** A presigned URL (default one hour). STORAGE_INVALID when the storage cannot presign. */
  downloadUrl(id: string, options?: { expiresIn?: number }): Promise<{ url: string; expiresAt: Date }>
  /** Removes the backup: manifest first (so it stops being listed), then the dump. */
  remove(id: string): Promise<void>
  /** The SQL that creates the history table (for the app's own migrations). */
  historyTableSql(): string | null
  /** Rewrites the history table from the manifests in storage. */
  rebuildHistory(): Promise<number>
  /**
   * Restores a backup into `target` (default: the manager's database; it refuses a non-empty one
   * unless `clean` or `allowNonEmpty`). With `tables`, only the definitions and those tables' members
   * are read from storage (ranged reads); `bytesRead` says how much.
   */
  restore(id: string, options?: Omit<RestoreOptions, 'env'>): Promise<RestoreSummary>
  /**
   * Restores the backup into a scratch database on the manager's server (created, then dropped) and
   * compares each table's rows and content hash, and each sequence, with the manifest. The result is
   * kept beside the backup and in the history table, and shows as `verified` in records.
   */
  verify(id: string): Promise<VerifyReport>
}

export function createBackupManager(options: BackupManagerOptions): BackupManager {
  const o = resolveManagerOptions(options)
  const storage = o.storage ?? fsStorage({ dir: process.cwd() })
  const index = new BackupIndex(storage, o.keyPrefix)
  const historyTable: HistoryTableName | null = o.history ? parseTableName(o.history.table) : null
  const connection = o.connectionString ?? (o.connection as DumpOptions['connection'])
  const env = o.env ?? process.env
  // Validate the manager-wide dump options now, not at the first backup.
  resolveDumpOptions({ ...o.dump, ...(connection !== undefined ? { connection } : {}) })

  async function withHistory<T>(fn: (client: import('pg').Client, table: HistoryTableName) => Promise<T>): Promise<T | undefined> {
    if (!historyTable) return undefined
    const client = await connect(resolveConnection(connection as string | undefined, env), { applicationName: 'pgkeep' })
    try {
      if (o.history!.migrate) await client.query(historyTableSql(historyTable))
      return await fn(client, historyTable)
    } finally {
      await client.end().catch(() => {})
    }
  }

  const checkId = (id: string) => {
    if (typeof id !== 'string' || !UUID.test(id)) throw new PgkeepError('OPTIONS_INVALID', `backup id ${JSON.stringify(id)} is not a uuid`)
  }
  const find = async (id: string) => {
    checkId(id)
    return index.find(id.toLowerCase())
  }
  const record = async (manifest: BackupManifest) => recordOf(manifest, await index.verification(manifest))

  return {
    storage,
    canPresign: typeof storage.presign === 'function',

    async create(input = {}) {
      const c = resolveCreateOptions(input)
      const dumpOptions: DumpOptions = {
        ...(o.dump as DumpOptions),
        ...(connection !== undefined ? { connection } : {}),
        ...(c.tables ? { tables: c.tables } : {}),
        ...(c.excludeTables ? { excludeTables: [...((o.dump as DumpOptions).excludeTables ?? []), ...c.excludeTables] } : {}),
        ...(c.schemas ? { schemas: c.schemas } : {}),
        ...(c.excludeSchemas ? { excludeSchemas: [...((o.dump as DumpOptions).excludeSchemas ?? []), ...c.excludeSchemas] } : {}),
        ...(c.excludeTableData ? { excludeTableData: [...((o.dump as DumpOptions).excludeTableData ?? []), ...c.excludeTableData] } : {}),
      }
      resolveDumpOptions(dumpOptions)
      const manifest = await createBackup({
        storage,
        keyPrefix: o.keyPrefix,
        namePrefix: o.namePrefix,
        compressionLevel: o.compressionLevel,
        maxSizeBytes: o.maxSizeBytes ?? null,
        dumpOptions,
        type: c.type,
        createdBy: c.createdBy,
        env,
        ...(c.onProgress ? { onProgress: c.onProgress as (p: BackupProgress) => void } : {}),
        ...(c.signal ? { signal: c.signal } : {}),
      })
      index.remember(manifest)
      const record = recordOf(manifest)
      await withHistory((client, table) => upsertRecord(client, table, record))
      return record
    },

    async list(listOptions = {}) {
      if (listOptions.limit !== undefined && !(Number.isInteger(listOptions.limit) && listOptions.limit > 0)) {
        throw new PgkeepError('OPTIONS_INVALID', `list limit must be a positive whole number, not ${listOptions.limit}`)
      }
      if (listOptions.before !== undefined && !(listOptions.before instanceof Date && !Number.isNaN(listOptions.before.getTime()))) {
        throw new PgkeepError('OPTIONS_INVALID', 'list before must be a valid Date')
      }
      return Promise.all((await index.list(listOptions)).map(record))
    },

    async get(id) {
      return record(await find(id))
    },

    manifest: find,

    async download(id) {
      const manifest = await find(id)
      return (await storage.get(manifest.storagePath)) as Readable
    },

    async downloadUrl(id, urlOptions = {}) {
      const expiresIn = urlOptions.expiresIn ?? 3600
      if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604800) {
        throw new PgkeepError('OPTIONS_INVALID', `expiresIn must be whole seconds from 1 to 604800 (7 days), not ${expiresIn}`)
      }
      const manifest = await find(id)
      if (!storage.presign) {
        throw new PgkeepError('STORAGE_INVALID', `${storage.kind} storage cannot hand out presigned URLs; stream the backup with download(id) instead`)
      }
      const url = await storage.presign(manifest.storagePath, expiresIn)
      return { url, expiresAt: new Date(Date.now() + expiresIn * 1000) }
    },

    async remove(id) {
      const manifest = await find(id)
      await storage.remove(manifestKeyOf(manifest.storagePath))
      await storage.remove(verifyKeyOf(manifest.storagePath))
      index.forget(manifest)
      await storage.remove(manifest.storagePath)
      await withHistory((client, table) => deleteRecord(client, table, manifest.id))
    },

    historyTableSql: () => (historyTable ? historyTableSql(historyTable) : null),

    async rebuildHistory() {
      const records = await Promise.all((await index.list()).map(record))
      await withHistory((client, table) => replaceRecords(client, table, records))
      return records.length
    },

    async restore(id, restoreOptions = {}) {
      const manifest = await find(id)
      const counter = { bytes: 0 }
      const tables = restoreOptions.tables ?? []
      const source = tables.length > 0 ? tableMembers(storage, manifest, tables, counter) : wholeBackup(storage, manifest, counter)
      const plan = tables.length > 0 ? tableMembers(storage, manifest, tables, counter, false) : source
      const summary = await restore(source, { target: connection as string | Record<string, unknown> | undefined, ...restoreOptions, env }, plan)
      return { ...summary, bytesRead: counter.bytes }
    },

    async verify(id) {
      const manifest = await find(id)
      const report = await verifyBackup(manifest, storage, wholeBackup(storage, manifest, { bytes: 0 }), connection, env)
      await storage.put(verifyKeyOf(manifest.storagePath), Readable.from([Buffer.from(`${JSON.stringify(report, null, 2)}\n`)]), { contentType: 'application/json' })
      index.rememberVerification(manifest, report)
      await withHistory((client, table) => markVerified(client, table, manifest.id, report.ok ? new Date(report.verifiedAt) : null))
      return report
    },
  }
}
