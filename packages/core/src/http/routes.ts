// The backup routes, free of any web framework: per route the method, the path below the prefix, the
// action the host's authorizer is asked about, the zod schemas of params, query and body, and the
// handler that calls the manager. Adapters bind this one table (see dispatch.ts); they hold no copy.
import { BackupBody, BackupQuery, CleanupBody, CompareQuery, FileQuery, HistoryQuery, IdParams, NoBody, optionalBody, RestoreBody } from './bodies'
import { parseRangeHeader } from './byte-range'
import { signDownloadToken } from './download-token'
import { errorJson } from './http-error'
import { progressEvents } from './progress-events'
import type { RouteDefinition, RouteInput, RouteResult } from './route-types'
import type { BackupRecord } from '../backup/backup-record'
import { PgkeepError } from '../errors'
import type { BackupManager } from '../manager'
import { storageMustExist } from './storage-exists'
import { distrustOf } from '../manager/trust'

type Id = { id: string }

const json = (json: unknown, status = 200): RouteResult => ({ kind: 'json', status, headers: {}, json })

/** `attachment; filename="…"` with an RFC 5987 fallback for names outside ASCII. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

/**
 * Streams a stored backup with its filename, size and type: whole, or with `ranges` (the GET download of
 * a stored backup) the Range asked for. The backup route's POST answers the new backup whole, whatever
 * Range says (RFC 9110 defines Range for GET only).
 */
async function streamBackup(input: Pick<RouteInput<unknown, unknown, unknown>, 'request' | 'manager'>, id: string, actor: string | number | null, ranges: boolean): Promise<RouteResult> {
  const rangeHeader = ranges ? input.request.headers.range : undefined
  let range: { start: number; end: number } | undefined
  if (rangeHeader) {
    const { size } = await input.manager.get(id)
    const parsed = parseRangeHeader(rangeHeader, size)
    if (parsed === 'unsatisfiable') {
      return { ...errorJson(416, `the backup has ${size} bytes; the range asked for is outside them`, 'RANGE_NOT_SATISFIABLE'), headers: { 'content-range': `bytes */${size}` } }
    }
    if (parsed) range = parsed
  }
  const download = await input.manager.openDownload(id, { ...(range ? { range } : {}), actor })
  const headers: Record<string, string> = {
    'content-type': download.contentType,
    'content-disposition': contentDisposition(download.filename),
    'x-backup-id': download.record.id,
    ...(ranges ? { 'accept-ranges': 'bytes' } : {}),
    'cache-control': 'no-store',
  }
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${download.size}`
    headers['content-length'] = String(range.end - range.start + 1)
    return { kind: 'stream', status: 206, headers, stream: download.stream }
  }
  headers['content-length'] = String(download.size)
  return { kind: 'stream', status: 200, headers, stream: download.stream }
}

/**
 * A record as the routes answer it: the seed's fields plus verified, pinned, signed, signature and
 * trusted, dates as ISO strings. `trusted` is false for a backup the manager would refuse to use
 * (manager.distrust()); without the manager, for one tampered with, signed with a key not configured, or
 * without member checksums.
 */
export function recordJson(record: BackupRecord, manager?: Pick<BackupManager, 'distrust'>): Record<string, unknown> {
  const signature = record.signature ?? (record.signed ? 'unchecked' : 'unsigned')
  return {
    id: record.id,
    filename: record.filename,
    size: record.size,
    type: record.type,
    storagePath: record.storagePath,
    metadata: record.metadata,
    createdBy: record.createdBy,
    createdAt: record.createdAt.toISOString(),
    verified: record.verified ? { at: record.verified.at.toISOString(), ok: record.verified.ok } : null,
    pinned: record.pinned,
    partial: record.partial ?? false,
    ...(record.copies.length > 0 ? { copies: record.copies.map((c) => ({ storage: c.storage, status: c.status, at: c.at?.toISOString() ?? null, ...(c.error ? { error: c.error } : {}) })) } : {}),
    signed: record.signed,
    signature,
    // without the manager, by the same rule (a checked state means a key was configured; whether it requires signatures is unknown)
    trusted: (manager ? manager.distrust({ signature }) : distrustOf({ require: false }, signature)) === null,
    ...(record.recoverable ? { recoverable: { ...record.recoverable, from: record.recoverable.from.toISOString(), until: record.recoverable.until?.toISOString() ?? null } } : {}),
  }
}

export const backupRoutes: readonly RouteDefinition[] = [
  {
    name: 'backup.create',
    method: 'POST',
    path: '/database',
    action: 'backup',
    auth: 'authorizer',
    query: BackupQuery,
    body: optionalBody(BackupBody),
    async handle(input) {
      const body = (input.body ?? {}) as { tables?: string[]; excludeTables?: string[]; excludeTableData?: string[] }
      const handle = input.manager.start({
        type: 'manual',
        actor: input.actor,
        ...(body.tables ? { tables: body.tables } : {}),
        ...(body.excludeTables ? { excludeTables: body.excludeTables } : {}),
        ...(body.excludeTableData ? { excludeTableData: body.excludeTableData } : {}),
      })
      const record = await handle.done
      const q = input.query as { download?: string }
      if (q.download === '0' || q.download === 'false') return json(recordJson(record, input.manager), 201)
      const result = await streamBackup(input, record.id, input.actor, false)
      return { ...result, headers: { ...result.headers, 'x-backup-id': record.id } }
    },
  } satisfies RouteDefinition<unknown, { download?: string }, unknown>,
  {
    name: 'backup.history',
    method: 'GET',
    path: '/history',
    action: 'history',
    auth: 'authorizer',
    query: HistoryQuery,
    async handle(input) {
      const limit = (input.query as { limit?: number }).limit ?? input.config.historyLimit
      const all = await input.manager.list()
      // a bucket or folder that is not there lists as empty: only then is it asked whether it exists
      if (all.length === 0) await storageMustExist(input.manager)
      return json({ backups: all.slice(0, limit).map((record) => recordJson(record, input.manager)), total: all.length })
    },
  },
  {
    name: 'backup.downloadUrl',
    method: 'GET',
    path: '/download/:id',
    action: 'download',
    auth: 'authorizer',
    readsBackups: true,
    params: IdParams,
    async handle(input) {
      const { id } = input.params as Id
      const ttl = input.config.downloadTtlSeconds
      // a signed backup's bytes are checked only when they pass through download(): no presigned URL then
      if (input.manager.canPresign && !input.manager.checksDownloads) {
        const { url, expiresAt } = await input.manager.downloadUrl(id, { expiresIn: ttl, actor: input.actor })
        return json({ url, expiresAt: expiresAt.toISOString() })
      }
      const record = await input.manager.get(id)
      const exp = Math.floor(Date.now() / 1000) + ttl
      const token = signDownloadToken({ id: record.id, exp, actor: input.actor === null ? null : String(input.actor) }, input.config.tokenSecret)
      const url = `${input.config.prefix}/file/${record.id}?token=${encodeURIComponent(token)}`
      return json({ url, expiresAt: new Date(exp * 1000).toISOString() })
    },
  },
  {
    name: 'backup.file',
    method: 'GET',
    path: '/file/:id',
    action: 'download',
    auth: 'token',
    readsBackups: true,
    params: IdParams,
    query: FileQuery,
    handle: (input) => streamBackup(input, (input.params as Id).id, input.actor, true),
  },
  {
    name: 'backup.cleanup',
    method: 'POST',
    path: '/cleanup',
    action: 'cleanup',
    auth: 'authorizer',
    readsBackups: true,
    body: optionalBody(CleanupBody),
    async handle(input) {
      const daysToKeep = (input.body as { daysToKeep?: number } | undefined)?.daysToKeep ?? input.config.cleanupDaysToKeep
      const result = await input.manager.cleanup({ daysToKeep, actor: input.actor })
      if (result.busy) throw new PgkeepError('CONFLICT', 'a backup is being written; cleanup deleted nothing, try again when it is done')
      const n = result.deleted.length
      return json({
        success: result.failed.length === 0,
        deletedCount: n,
        message: n === 0
          ? `No backups older than ${daysToKeep} days to delete`
          : `Deleted ${n} backup${n === 1 ? '' : 's'} older than ${daysToKeep} days`,
        deleted: result.deleted.map((r) => ({ id: r.id, filename: r.filename })),
        kept: result.kept,
        failed: result.failed,
      })
    },
  },
  {
    name: 'backup.verify',
    method: 'POST',
    path: '/:id/verify',
    action: 'verify',
    auth: 'authorizer',
    readsBackups: true,
    params: IdParams,
    body: NoBody,
    handle: async (input) => json(await input.manager.verify((input.params as Id).id, { actor: input.actor })),
  },
  {
    name: 'backup.remove',
    method: 'DELETE',
    path: '/:id',
    action: 'remove',
    auth: 'authorizer',
    readsBackups: true,
    params: IdParams,
    async handle(input) {
      const { id } = input.params as Id
      await input.manager.remove(id, { actor: input.actor })
      return json({ success: true, id })
    },
  },
  {
    name: 'backup.pin',
    method: 'POST',
    path: '/:id/pin',
    action: 'pin',
    auth: 'authorizer',
    readsBackups: true,
    params: IdParams,
    body: NoBody,
    handle: async (input) => json(recordJson(await input.manager.pin((input.params as Id).id, { actor: input.actor }), input.manager)),
  },
  {
    name: 'backup.unpin',
    method: 'POST',
    path: '/:id/unpin',
    action: 'pin',
    auth: 'authorizer',
    readsBackups: true,
    params: IdParams,
    body: NoBody,
    handle: async (input) => json(recordJson(await input.manager.unpin((input.params as Id).id, { actor: input.actor }), input.manager)),
  },
  {
    name: 'backup.restore',
    method: 'POST',
    path: '/:id/restore',
    action: 'restore',
    auth: 'authorizer',
    readsBackups: true,
    params: IdParams,
    body: RestoreBody,
    enabled: (config) => config.allowRestore,
    async handle(input) {
      const { id } = input.params as Id
      const body = input.body as { confirm: string; clean?: boolean; createDatabase?: string; until?: string | { lsn: string } | { xid: number }; replay?: boolean }
      // Never a connection from the request: the app's database, or a new database on its server. The
      // manager checks confirm against the backup's filename, so a mismatch is audited as refused.
      const summary = await input.manager.restore(id, {
        confirm: body.confirm,
        ...(body.clean ? { clean: true } : {}),
        ...(body.createDatabase ? { createDatabase: body.createDatabase } : {}),
        ...(body.until !== undefined ? { until: typeof body.until === 'string' ? new Date(body.until) : body.until } : {}),
        ...(body.replay !== undefined ? { replay: body.replay } : {}),
        actor: input.actor,
      })
      return json({
        success: true, id, database: summary.database, tables: summary.tables.length, bytesRead: summary.bytesRead,
        ...(summary.replay !== undefined ? { replay: summary.replay } : {}),
      })
    },
  },
  {
    name: 'backup.metrics',
    method: 'GET',
    path: '/metrics',
    action: 'metrics',
    auth: 'metrics',
    handle: async (input) => ({ kind: 'text', status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, text: await input.manager.metricsText() }),
  },
  {
    name: 'backup.compare',
    method: 'GET',
    path: '/compare',
    action: 'compare',
    auth: 'authorizer',
    readsBackups: true,
    query: CompareQuery,
    async handle(input) {
      const { a, b } = input.query as { a: string; b: string }
      return json(await input.manager.compare(a, b))
    },
  },
  {
    name: 'backup.events',
    method: 'GET',
    path: '/events',
    action: 'events',
    auth: 'authorizer',
    async handle(input) {
      return {
        kind: 'sse',
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
        stream: progressEvents(input.manager, input.request.signal, input.scrub),
      }
    },
  },
]
