// One backup: dump → gzip (a member per table) → sha256 + size limit → storage, concurrently, then the
// manifest, written last. Any failure on either side stops the other; the storage driver leaves
// nothing under the key, and no manifest is written, so nothing failed ever looks like a backup.
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { GzipMembers } from '../compress/gzip-members'
import { dump, type DumpProgress, type DumpSummary } from '../dump'
import { isPgkeepError, PgkeepError } from '../errors'
import { MANIFEST_FORMAT, MANIFEST_VERSION, serializeManifest, type BackupManifest } from '../manifest/manifest'
import { signManifest } from '../manifest/sign-manifest'
import type { SigningKeys } from '../manifest/signing-options'
import type { DumpOptions } from '../options'
import type { StorageDriver } from '../storage/driver'
import { PGKEEP_VERSION } from '../version'
import { encryptStream } from '../crypto/age-encrypt'
import { manifestEncryption, type EncryptionSettings } from '../crypto/encryption-options'
import { backupKeys } from './backup-name'
import { StoredBytes } from './stored-bytes'

/** Labels of the gzip members in the manifest: `table:<schema>.<name>`, `large objects`, or null. */
export const TABLE_LABEL = 'table:'
export const LARGE_OBJECTS_LABEL = 'large objects'

export interface BackupProgress {
  /** The backup's id (the id of its record once stored). */
  id: string
  phase: 'catalog' | 'data' | 'finishing' | 'done'
  /** The table being copied (phase data). */
  table?: string
  tablesDone: number
  tablesTotal: number
  /** Uncompressed table data copied so far, and the catalog's estimate of the total. */
  bytesDone: number
  bytesTotal: number
  /** Compressed bytes handed to storage so far. */
  storedBytes: number
}

export interface BackupJob {
  /** The backup's id, minted by the caller before any work (default: a fresh uuid). */
  id?: string
  storage: StorageDriver
  keyPrefix: string
  namePrefix: string
  compressionLevel: number
  maxSizeBytes: number | null
  dumpOptions: DumpOptions
  type: 'manual' | 'scheduled'
  createdBy: string | null
  /** Scheduled backups: the occurrence the backup is for. */
  scheduledFor?: Date
  onProgress?: (progress: BackupProgress) => void
  signal?: AbortSignal
  env?: NodeJS.ProcessEnv
  /** dump()'s run option: a minor collection every MiB of table data. @default true */
  gcPacing?: boolean
  now?: () => Date
  /** Encrypt the gzip stream into an age file (`….sql.gz.age`). */
  encryption?: EncryptionSettings
  /** Sign the manifest (HMAC-SHA256) with this key. */
  signing?: Pick<SigningKeys, 'key' | 'keyId'>
  /** The base backup of a change archive: its slot, publication and consistent point, kept in the manifest. */
  changes?: BackupManifest['changes']
}

export async function createBackup(job: BackupJob): Promise<BackupManifest> {
  const started = job.now?.() ?? new Date()
  const id = job.id ?? randomUUID()
  if (job.signal?.aborted) throw cancelled(job.signal.reason)
  const keys = backupKeys(job.keyPrefix, job.namePrefix, started, id, job.encryption !== undefined)
  const controller = new AbortController()
  const onCallerAbort = () => fail(cancelled(job.signal?.reason))
  job.signal?.addEventListener('abort', onCallerAbort, { once: true })

  const members = new GzipMembers(job.compressionLevel)
  const stored = new StoredBytes(job.maxSizeBytes)
  let firstError: unknown = null
  function fail(error: unknown): void {
    if (firstError !== null) return
    firstError = error
    controller.abort(error)
    members.destroy(error instanceof Error ? error : new Error(String(error)))
    stored.destroy(error instanceof Error ? error : new Error(String(error)))
  }
  members.on('error', fail)
  stored.on('error', fail)
  // pipe() does not pass a source's error on; fail() has already stopped both sides when it happens.
  members.output.on('error', () => {})
  // Encryption comes after compression (ciphertext does not compress); sha256 and the size limit see the stored, encrypted bytes.
  const upload = job.encryption ? encryptStream(members.output, job.encryption).on('error', fail) : members.output
  upload.pipe(stored)

  const progress: BackupProgress = { id, phase: 'catalog', tablesDone: 0, tablesTotal: 0, bytesDone: 0, bytesTotal: 0, storedBytes: 0 }
  const report = (patch: Partial<BackupProgress>) => {
    Object.assign(progress, patch, { storedBytes: stored.bytes })
    job.onProgress?.({ ...progress })
  }
  const onDumpProgress = (p: DumpProgress) => {
    if (p.phase === 'schema') report({ tablesTotal: p.tables, bytesTotal: p.estimatedBytes })
    else if (p.phase === 'data') report({ phase: 'data', table: `${p.schema}.${p.table}`, bytesDone: p.totalBytes })
  }

  const dumping = (async (): Promise<DumpSummary> => {
    const summary = await dump(job.dumpOptions, members, {
      signal: controller.signal,
      tableChecksums: true,
      // patterns select among the database's own tables, never a system catalog (see DumpRunOptions)
      ownObjectsOnly: true,
      onProgress: onDumpProgress,
      ...(job.env ? { env: job.env } : {}),
      ...(job.gcPacing !== undefined ? { gcPacing: job.gcPacing } : {}),
      // A member per table's rows and one per block of large objects, so that a selective restore can
      // read the definitions (the unlabelled members) and just the tables it wants.
      onEntry: async (entry, phase) => {
        if (entry.desc === 'BLOBS') {
          await members.cut(phase === 'start' ? LARGE_OBJECTS_LABEL : null)
          return
        }
        if (!entry.table) return
        if (phase === 'start') {
          await members.cut(`${TABLE_LABEL}${entry.table.schema}.${entry.table.name}`)
        } else {
          await members.cut(null)
          report({ tablesDone: progress.tablesDone + 1 })
        }
      },
    })
    report({ phase: 'finishing', table: undefined })
    await members.finish()
    return summary
  })()
  const uploading = job.storage.put(keys.key, stored, { contentType: job.encryption ? 'application/octet-stream' : 'application/gzip', signal: controller.signal })

  const [dumped, uploaded] = await Promise.allSettled([
    dumping.catch((error) => { fail(error); throw error }),
    uploading.catch((error) => { fail(error); throw error }),
  ])
  job.signal?.removeEventListener('abort', onCallerAbort)
  if (dumped.status === 'rejected' || uploaded.status === 'rejected') {
    // A put that failed left nothing under the key (the driver's contract): only a stored dump is ours to remove.
    if (uploaded.status === 'fulfilled') await job.storage.remove(keys.key).catch(() => {})
    throw asPgkeepError(firstError ?? (dumped.status === 'rejected' ? dumped.reason : (uploaded as PromiseRejectedResult).reason))
  }
  const summary = dumped.value
  if (uploaded.value.size !== stored.bytes) {
    await job.storage.remove(keys.key).catch(() => {})
    throw new PgkeepError('STORAGE_FAILED', `storage kept ${uploaded.value.size} bytes of ${keys.key} but ${stored.bytes} were sent`)
  }

  const tableMembers = members.members.filter((m) => m.label?.startsWith(TABLE_LABEL))
  if (tableMembers.length !== summary.tables.length) {
    await job.storage.remove(keys.key).catch(() => {})
    throw new PgkeepError('INTERNAL', `${summary.tables.length} tables were dumped but ${tableMembers.length} table members were written`)
  }
  const completed = job.now?.() ?? new Date()
  const { connection: _connection, connectionString: _connectionString, ...options } = job.dumpOptions
  const unsigned: BackupManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    id,
    type: job.type,
    status: 'completed',
    filename: keys.filename,
    storagePath: keys.key,
    createdBy: job.createdBy,
    ...(job.scheduledFor ? { scheduledFor: job.scheduledFor.toISOString() } : {}),
    createdAt: started.toISOString(),
    completedAt: completed.toISOString(),
    pgkeepVersion: PGKEEP_VERSION,
    server: { version: summary.serverVersion, database: summary.database, style: summary.style },
    options,
    compression: { codec: 'gzip', level: job.compressionLevel },
    ...(job.encryption ? { encryption: manifestEncryption(job.encryption) } : {}),
    size: stored.bytes,
    sha256: stored.digest(),
    uncompressedBytes: summary.bytes,
    durationMs: Math.max(0, completed.getTime() - started.getTime()),
    tables: summary.tables.map((t, i) => ({
      schema: t.schema, name: t.name, rows: t.rows, bytes: t.bytes, sha256: t.sha256!,
      member: { offset: tableMembers[i]!.offset, length: tableMembers[i]!.length },
    })),
    sequences: summary.sequences,
    totals: {
      tables: summary.tables.length,
      rows: summary.tables.reduce((n, t) => n + t.rows, 0),
      bytes: summary.tables.reduce((n, t) => n + t.bytes, 0),
    },
    members: members.members.map((m) => ({ label: m.label, offset: m.offset, length: m.length, uncompressed: m.uncompressed, sha256: m.sha256 })),
    largeObjects: summary.largeObjects,
    warnings: summary.warnings,
    ...(job.changes ? { changes: job.changes } : {}),
  }
  const manifest = job.signing ? signManifest(unsigned, job.signing) : unsigned
  try {
    await job.storage.put(keys.manifestKey, Readable.from([Buffer.from(serializeManifest(manifest), 'utf8')]), { contentType: 'application/json' })
  } catch (error) {
    await job.storage.remove(keys.key).catch(() => {})
    throw asPgkeepError(error)
  }
  report({ phase: 'done', table: undefined })
  return manifest
}

/** ABORTED, naming the reason when the caller gave one as text (a backup handle's cancel(reason)). */
function cancelled(reason: unknown): PgkeepError {
  return new PgkeepError('ABORTED', `the backup was cancelled${typeof reason === 'string' ? `: ${reason}` : ''}`, { cause: reason })
}

function asPgkeepError(error: unknown): PgkeepError {
  if (isPgkeepError(error)) return error
  return new PgkeepError('INTERNAL', `the backup failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
}
