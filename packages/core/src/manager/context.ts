// What every operation of a backup manager shares: the resolved options, the storage and its history
// index, the database connection, the clock, the events and the audit trail.
import type pg from 'pg'
import { recordOf, type BackupRecord } from '../backup/backup-record'
import { connect, resolveConnection } from '../connection/index'
import type { DumpOptions } from '../options'
import { PgkeepError, isPgkeepError, isRefusal } from '../errors'
import { BackupIndex } from '../history/backup-index'
import { historyTableSql, parseTableName, type HistoryTableName } from '../history/history-table'
import type { BackupManifest } from '../manifest/manifest'
import type { ResolvedManagerOptions } from '../manager-options'
import type { StorageDriver } from '../storage/driver'
import { fsStorage } from '../storage/fs-storage'
import { auditTableName, storageAuditLog, tableAuditLog, type AuditAction, type AuditLog, type AuditOutcome } from './audit-log'
import { AUDIT_TARGET_MAX, bounded } from './audit-bounds'
import { ManagerEventEmitter } from './events'
import { replicasOf, type Replica } from './replicas-options'
import { copiesOf } from './copies-status'
import { recoverableWindow } from '../restore/recoverable-window'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

export interface ManagerContext {
  options: ResolvedManagerOptions
  storage: StorageDriver
  /** The storages that receive copies of every backup (option `replicas`), in order. */
  replicas: Replica[]
  index: BackupIndex
  connection: DumpOptions['connection']
  env: NodeJS.ProcessEnv
  historyTable: HistoryTableName | null
  events: ManagerEventEmitter
  audit: AuditLog
  now(): Date
  /** Runs `fn` with a client on the manager's database. */
  /** Runs `fn` on a connection of its own; `signal` gives up the connection attempt (ABORTED). */
  withDatabase<T>(fn: (client: pg.Client) => Promise<T>, signal?: AbortSignal): Promise<T>
  /** Runs `fn` on the history table when one is configured (creating it first when migrate is on). */
  withHistory<T>(fn: (client: pg.Client, table: HistoryTableName) => Promise<T>): Promise<T | undefined>
  /** The manifest of a backup id (OPTIONS_INVALID for a non-uuid, BACKUP_NOT_FOUND). */
  find(id: string): Promise<BackupManifest>
  /** The record of a manifest, with its verification. */
  record(manifest: BackupManifest): Promise<BackupRecord>
  /** Runs an operation and records it in the audit trail: success, failure or refusal (with the code). */
  audited<T>(action: AuditAction, actor: string | null, target: string | null | ((result: T) => string | null), fn: () => Promise<T>, detail?: (result: T) => Record<string, unknown> | null): Promise<T>
  /**
   * Records an outcome that audited() cannot see, such as a download's end: success with its detail, or
   * the error (a refusal or a failure by its code). Never throws: a trail that cannot be written raises an alert.
   */
  auditOutcome(action: AuditAction, actor: string | null, target: string | null, outcome: { detail: Record<string, unknown> | null } | { error: unknown; detail?: Record<string, unknown> }): Promise<void>
}

export function createManagerContext(o: ResolvedManagerOptions): ManagerContext {
  const storage = o.storage ?? fsStorage({ dir: process.cwd() })
  const now = o.now ?? (() => new Date())
  const events = new ManagerEventEmitter()
  // A manifest the listings skip is reported once per key by this manager, as an alert.
  const reportedInvalid = new Set<string>()
  const index = new BackupIndex(storage, o.keyPrefix, (key, reason) => {
    if (reportedInvalid.has(key)) return
    reportedInvalid.add(key)
    events.emit('alert', { kind: 'manifest-invalid', message: `skipped ${key}: ${reason}`, at: now(), detail: { key, reason } })
  })
  const historyTable = o.history ? parseTableName(o.history.table) : null
  const connection: DumpOptions['connection'] = o.connectionString ?? o.connection
  const env = o.env ?? process.env

  const withDatabase = async <T>(fn: (client: pg.Client) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const client = await connect(resolveConnection(connection, env), { applicationName: 'pgkeep', signal })
    try {
      return await fn(client)
    } finally {
      await client.end().catch(() => {})
    }
  }
  const withHistory = async <T>(fn: (client: pg.Client, table: HistoryTableName) => Promise<T>): Promise<T | undefined> => {
    if (!historyTable) return undefined
    return withDatabase(async (client) => {
      if (o.history!.migrate) await client.query(historyTableSql(historyTable))
      return fn(client, historyTable)
    })
  }
  const audit = historyTable ? tableAuditLog(withDatabase, auditTableName(historyTable)) : storageAuditLog(storage, o.keyPrefix)

  const ctx: ManagerContext = {
    options: o,
    storage,
    replicas: replicasOf(o.replicas),
    index,
    connection,
    env,
    historyTable,
    events,
    audit,
    now,
    withDatabase,
    withHistory,
    async find(id) {
      if (typeof id !== 'string' || !UUID.test(id)) {
        throw new PgkeepError('OPTIONS_INVALID', `backup id ${typeof id === 'string' ? JSON.stringify(bounded(id, AUDIT_TARGET_MAX)) : describe(id)} is not a uuid`)
      }
      return index.find(id.toLowerCase())
    },
    async record(manifest) {
      const record = recordOf(manifest, await index.verification(manifest), await index.pinned(manifest), await copiesOf(ctx, manifest), o.signing?.verifiers)
      return manifest.changes ? { ...record, recoverable: await recoverableWindow(storage, manifest) } : record
    },
    async audited(action, actor, target, fn, detail) {
      let result: Awaited<ReturnType<typeof fn>>
      try {
        result = await fn()
      } catch (error) {
        await ctx.auditOutcome(action, actor, typeof target === 'function' ? null : target, { error })
        throw error
      }
      await ctx.auditOutcome(action, actor, typeof target === 'function' ? target(result) : target, { detail: detail ? detail(result) : null })
      return result
    },
    async auditOutcome(action, actor, target, outcome) {
      const event = 'error' in outcome ? failureEvent(outcome.error, outcome.detail) : { outcome: 'success' as const, detail: outcome.detail }
      await audit.append({ actor, action, target, ...event })
        .catch((auditError: unknown) => ctx.events.emit('alert', { kind: 'audit-failed', message: `the audit trail could not be written: ${String(auditError)}`, at: now() }))
    },
  }
  return ctx
}

// --- internal ---

function failureEvent(error: unknown, extra: Record<string, unknown> = {}): { outcome: AuditOutcome; detail: Record<string, unknown> } {
  const code = isPgkeepError(error) ? error.code : 'INTERNAL'
  return {
    outcome: isRefusal(code) ? 'refused' : 'failure',
    detail: { code, message: error instanceof Error ? error.message : String(error), ...(isPgkeepError(error) && error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}), ...extra },
  }
}

/** A non-string id as a message shows it: short values as they are, anything else by its type. */
function describe(value: unknown): string {
  return value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean' ? String(value) : `of type ${typeof value}`
}
