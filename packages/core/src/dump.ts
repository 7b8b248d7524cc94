// The orchestration of one dump (pg_dump's main): options → connection → snapshot session →
// selection → catalog → order → emit → script, streaming table data into the writable as it goes.
import { createHash, randomInt } from 'node:crypto'
import { connect as netConnect } from 'node:net'
import type pg from 'pg'
import { asideSession } from './catalog/aside-session'
import { readViewDefinitions, readViewDefinitionsAside } from './catalog/view-definitions'
import { readCatalog } from './catalog/read-catalog'
import { newDumpContext } from './catalog/new-context'
import { readEmitContext } from './catalog/read-emit-context'
import { connect, resolveConnection } from './connection/index'
import { copyOut } from './data/copy-out'
import type { CompressionSlots } from './compress/block-gzip'
import { ParallelCopy, type CopyBlock } from './data/parallel-copy'
import { writeLargeObjects } from './data/large-objects'
import { emitObject, type EmitAllContext } from './emit/emit-object'
import type { TocEntry } from './emit/toc-entry'
import { PgkeepError } from './errors'
import { holdDumpHeapFlags } from './memory/dump-heap-flags'
import { gcPacer } from './memory/gc-pacer'
import type { DumpObject } from './model/objects'
import { orderObjects } from './order/order-objects'
import { resolveDumpOptions, type DumpOptions, type ResolvedDumpOptions } from './options'
import { resolveSelection } from './select/resolve-selection'
import { openDumpSession, type DumpSession } from './session/dump-session'
import { openWorkerSessions, type WorkerSessions } from './session/worker-sessions'
import { SpoolFiles } from './write/member-spool'
import { ScriptOutput, type DumpDestination } from './write/output'
import { copyBlockText, writeScript, type ScriptOptions } from './write/script'
import { PGKEEP_VERSION } from './version'

export interface DumpTableSummary {
  schema: string
  name: string
  rows: number
  /** Bytes of COPY data written for this table (uncompressed). */
  bytes: number
  /** sha256 (hex) of the table's COPY data, with `tableChecksums`. */
  sha256?: string
}

/** One entry of the script, as the onEntry hook sees it. */
export interface DumpEntry {
  section: 'PRE_DATA' | 'DATA' | 'POST_DATA' | 'NONE'
  /** `Type:` of the entry's header (TABLE, TABLE DATA, INDEX, …). */
  desc: string
  /** `Name:` of the entry's header. */
  tag: string
  namespace: string | null
  /** For TABLE DATA entries: the table whose rows follow. */
  table?: { schema: string; name: string; estimatedBytes: number }
}

export interface DumpSummary {
  serverVersion: string
  /** pg_dump major version whose output style was written. */
  style: number
  database: string
  /** Bytes written to the destination (uncompressed script). */
  bytes: number
  tables: DumpTableSummary[]
  /** Sequence values the dump sets (SEQUENCE SET entries). */
  sequences: { schema: string; name: string; value: string; isCalled: boolean }[]
  largeObjects: number
  durationMs: number
  warnings: string[]
}

export type DumpProgress =
  | { phase: 'catalog' }
  | { phase: 'schema'; entries: number; tables: number; estimatedBytes: number }
  /**
   * `bytes` / `estimatedBytes`: this table's; `totalBytes` / `totalEstimatedBytes`: every table's so far / in all.
   * With `jobs` above 1 the events of the tables being copied at once interleave; `totalBytes` still only grows.
   */
  | { phase: 'data'; table: string; schema: string; tableIndex: number; tableCount: number; bytes: number; estimatedBytes: number; totalBytes: number; totalEstimatedBytes: number }
  | { phase: 'done'; bytes: number }

export interface DumpRunOptions {
  /** Called as the dump advances; data progress at most once per COPY chunk. */
  onProgress?: (progress: DumpProgress) => void
  /** Cancels the dump; it rejects with code ABORTED. */
  signal?: AbortSignal
  /** Environment for PG* variables (default process.env). */
  env?: NodeJS.ProcessEnv
  /** An already connected client to dump through (it is not closed). */
  client?: pg.Client
  /**
   * Called, and awaited, before an entry's text is written ('start') and after its last byte
   * ('end'), in script order: the place to cut a compressed stream into per-table members.
   */
  onEntry?: (entry: DumpEntry, phase: 'start' | 'end') => void | Promise<void>
  /** Compute a sha256 of each table's COPY data for the summary. @default false */
  tableChecksums?: boolean
  /**
   * A minor garbage collection after every MiB of table data, so that the buffers the rows passed
   * through are freed at once: flat memory in a process with node's default heap settings (see
   * memory/gc-pacer.ts; it sets `--expose-gc` at run time where the process lacks it); and while the
   * dump runs, V8's young generation kept at its size and the old one let grow 20 % between full
   * collections (memory/dump-heap-flags.ts: process-wide V8 flags, the host's put back when the last
   * dump ends). `false` leaves the collections to V8 and sets no flag. @default true
   */
  gcPacing?: boolean
  /**
   * Table and schema patterns match the database's own objects only, never a system schema's
   * (`pg_catalog`, `information_schema`, `pg_toast`, …), where pg_dump's `-t pg_authid` or `-t '*'` match
   * system catalogs too. A pattern left matching nothing is PATTERN_NO_MATCH, with a hint that says why.
   * Backups set it: a system catalog's copy could never be restored, and over HTTP the caller is an app's
   * admin, not the server's (pg_authid holds every role's password hash). @default false
   */
  ownObjectsOnly?: boolean
}

/**
 * Writes a plain-SQL dump of one database to `destination`, in pg_dump's format, and resolves with a
 * summary once the last byte was accepted. The destination is not ended; the caller owns it.
 */
export async function dump(options: DumpOptions, destination: DumpDestination | NodeJS.WritableStream, run: DumpRunOptions = {}): Promise<DumpSummary> {
  const started = Date.now()
  const resolved = resolveDumpOptions(options)
  checkDestination(destination)
  run ??= {}
  checkRun(run)
  if (run.signal?.aborted) throw new PgkeepError('ABORTED', 'the dump was cancelled', { cause: run.signal.reason })
  const ownClient = !run.client
  // Workers connect the way the leader did; a caller's client alone does not say how, so it dumps serially.
  const canConnect = ownClient || resolved.connectionString !== undefined || resolved.connection !== undefined
  const target = canConnect ? resolveConnection(resolved.connectionString ?? resolved.connection, run.env ?? process.env) : null
  const connectOne = target ? () => connect(target, { applicationName: resolved.applicationName, signal: run.signal }) : null
  const client = run.client ?? (await connectOne!())
  const members = memberDestination(destination)
  // gzip members copy every write into blocks of their own: the rows go to them as they came
  const output = new ScriptOutput(destination as DumpDestination, members === null)
  // The caller's client is not ended on abort (it stays theirs): its running query is cancelled on the
  // server instead, again until the dump has stopped (a cancel between two queries is not seen).
  let cancelling: ReturnType<typeof setInterval> | null = null
  const cancels: Promise<void>[] = []
  const abort = () => {
    // Cancelling the running query is the fastest way out of a long COPY or lock wait.
    if (ownClient) {
      client.end().catch(() => {})
      return
    }
    const cancel = () => { cancels.push(cancelBackend(client)) }
    cancel()
    cancelling = setInterval(cancel, 100)
  }
  // The caller's client gets its session back as it was: the dump's settings (search_path '', …) undone
  // and, after a failure, its snapshot transaction rolled back (it holds the tables' locks).
  const saved = ownClient ? null : await saveSessionSettings(client)
  run.signal?.addEventListener('abort', abort, { once: true })
  if (run.signal?.aborted) abort()
  let committed = false
  // the young generation held at its size and the old one growing 20 % while the catalog lives (memory/dump-heap-flags.ts)
  const releaseHeapFlags = holdDumpHeapFlags(run.gcPacing ?? true)
  try {
    const session = await openDumpSession(client, {
      ...(resolved.lockWaitTimeout !== undefined ? { lockWaitTimeout: resolved.lockWaitTimeout } : {}),
      ...(resolved.snapshot !== undefined ? { snapshot: resolved.snapshot } : {}),
    })
    const jobs = connectOne ? resolved.jobs : 1
    const summary = await dumpInSession(session, resolved, output, run, {
      jobs,
      // Tables copied at once pay where their compression runs at once (gzip members). Into plain text
      // the workers only add work: one output stream, and the blocks that wait go through the spool
      // (measured: 3.6 s and 135 MB where serially 3.1 s and 87 MB); so an unset jobs copies serially
      // there, and only the catalog's second session is used.
      dataJobs: options.jobs === undefined && !members ? 1 : jobs,
      connectOne,
      members,
    })
    await session.exec('COMMIT', 'end the snapshot transaction')
    committed = true
    summary.durationMs = Date.now() - started
    return summary
  } catch (error) {
    if (run.signal?.aborted) throw new PgkeepError('ABORTED', 'the dump was cancelled', { cause: error })
    throw error
  } finally {
    releaseHeapFlags()
    run.signal?.removeEventListener('abort', abort)
    if (cancelling) clearInterval(cancelling)
    output.detach()
    // a cancel still on its way must not reach the queries that give the client back
    await Promise.all(cancels)
    if (ownClient) await client.end().catch(() => {})
    else if (saved) await restoreSession(client, saved, !committed)
  }
}

/** Sends a CancelRequest for `client`'s backend over a connection of its own (as libpq's PQcancel does); never throws. */
function cancelBackend(client: pg.Client): Promise<void> {
  const c = client as unknown as { host?: string; port?: number; processID?: number | null; secretKey?: number | null }
  if (typeof c.processID !== 'number' || typeof c.secretKey !== 'number') return Promise.resolve()
  const packet = Buffer.alloc(16)
  packet.writeInt32BE(16, 0)
  packet.writeInt32BE(80877102, 4)
  packet.writeInt32BE(c.processID, 8)
  packet.writeInt32BE(c.secretKey | 0, 12)
  const port = c.port ?? 5432
  const host = c.host || 'localhost'
  return new Promise((resolve) => {
    const socket = host.startsWith('/') ? netConnect(`${host}/.s.PGSQL.${port}`) : netConnect(port, host)
    socket.setTimeout(5000, () => socket.destroy())
    socket.on('connect', () => socket.end(packet))
    socket.on('error', () => {})
    socket.on('close', () => resolve())
  })
}

/** What openDumpSession() sets for the session (session/dump-session.ts), by pg_settings name. */
const SESSION_SETTINGS = ['search_path', 'client_encoding', 'datestyle', 'intervalstyle', 'extra_float_digits', 'synchronize_seqscans',
  'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'transaction_timeout', 'row_security', 'restrict_nonsystem_relation_kind']

/** The caller's values of the settings the dump changes, those the server has. */
async function saveSessionSettings(client: pg.Client): Promise<{ names: string[]; values: string[] }> {
  try {
    const { rows } = await client.query<{ name: string; value: string }>('SELECT name, current_setting(name) AS value FROM pg_catalog.pg_settings WHERE name = ANY($1::text[])', [SESSION_SETTINGS])
    return { names: rows.map((r) => r.name), values: rows.map((r) => r.value) }
  } catch (error) {
    throw new PgkeepError('CATALOG_QUERY_FAILED', `unable to read the session settings of the client to dump through: ${(error as Error).message}`, { cause: error })
  }
}

/** Rolls back what a failed dump left open on the caller's client and puts its settings back; never throws. */
async function restoreSession(client: pg.Client, saved: { names: string[]; values: string[] }, rollBack: boolean): Promise<void> {
  try {
    if (rollBack) await client.query('ROLLBACK')
    await client.query('SELECT pg_catalog.set_config(name, value, false) FROM unnest($1::text[], $2::text[]) AS s(name, value)', [saved.names, saved.values])
  } catch {
    // a client that broke during the dump stays broken; the dump's own error is the one to report
  }
}

/**
 * Refuses run options of the wrong kind before connecting: a signal that is not an AbortSignal failed as
 * CONNECT_FAILED, an onProgress that is not a function as a TypeError after connecting, and a client
 * never connected (or ended) made the dump wait forever for its first query.
 */
function checkRun(run: DumpRunOptions): void {
  const invalid = (message: string) => new PgkeepError('OPTIONS_INVALID', `invalid dump run options: ${message}`)
  if (typeof run !== 'object') throw invalid(`must be an object; got a ${typeof run}`)
  for (const key of ['onProgress', 'onEntry'] as const) {
    if (run[key] !== undefined && typeof run[key] !== 'function') throw invalid(`${key} must be a function`)
  }
  const signal = run.signal as { aborted?: unknown; addEventListener?: unknown } | undefined
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
    throw invalid('signal must be an AbortSignal')
  }
  if (run.env !== undefined && run.env !== null && typeof run.env !== 'object') throw invalid('env must be an object of variables')
  if (run.gcPacing !== undefined && typeof run.gcPacing !== 'boolean') throw invalid('gcPacing must be true or false')
  if (run.client !== undefined) {
    const client = run.client as unknown as { query?: unknown; _connecting?: boolean; _connected?: boolean; _ending?: boolean; _queryable?: boolean } | null
    if (typeof client !== 'object' || client === null || typeof client.query !== 'function') throw invalid('client must be a pg.Client')
    if (client._ending === true || client._queryable === false) throw invalid('client has been ended or has failed; pass a connected client')
    if (client._connected === false && client._connecting !== true) throw invalid('client is not connected: await client.connect() before the dump')
  }
}

/** Refuses a destination that is not a writable stream (or one that has ended), before connecting. */
function checkDestination(destination: unknown): void {
  const d = destination as { write?: unknown; on?: unknown; off?: unknown; writable?: unknown; writableEnded?: unknown; destroyed?: unknown } | null
  if (typeof d !== 'object' || d === null || typeof d.write !== 'function' || typeof d.on !== 'function' || typeof d.off !== 'function') {
    const got = d === null ? 'null' : typeof d === 'object' ? 'an object without write(), on() and off()' : `a ${typeof d}`
    throw new PgkeepError('OPTIONS_INVALID', `the dump destination must be a writable stream; got ${got}`)
  }
  if (d.writable === false || d.writableEnded === true || d.destroyed === true) {
    throw new PgkeepError('OPTIONS_INVALID', 'the dump destination is no longer writable (ended, destroyed or closed)')
  }
}

/** A destination that takes whole gzip members compressed elsewhere (GzipMembers, a backup's stream). */
interface MemberDestination {
  readonly level: number
  readonly slots?: CompressionSlots
  writeMember(chunks: AsyncIterable<Buffer>, uncompressed: () => number): Promise<void>
}

function memberDestination(destination: unknown): MemberDestination | null {
  const d = destination as Partial<MemberDestination>
  return typeof d.writeMember === 'function' && typeof d.level === 'number' ? (d as MemberDestination) : null
}

interface Parallelism {
  /** Sessions for the catalog's aside reads (above 1: one more session). */
  jobs: number
  /** Sessions copying table data at once. */
  dataJobs: number
  connectOne: (() => Promise<pg.Client>) | null
  members: MemberDestination | null
}

async function dumpInSession(session: DumpSession, options: ResolvedDumpOptions, output: ScriptOutput, run: DumpRunOptions, parallelism: Parallelism): Promise<DumpSummary> {
  const flavour = options.styleVersion ?? session.version.major
  run.onProgress?.({ phase: 'catalog' })
  const { entries, warnings } = await planScript(session, options, flavour, parallelism, run.ownObjectsOnly ?? false)
  const tables: DumpTableSummary[] = []
  const dataEntries = entries.filter((e) => e.data?.kind === 'copy')
  const totalEstimatedBytes = dataEntries.reduce((sum, e) => sum + (e.data?.kind === 'copy' ? e.data.estimatedBytes : 0), 0)
  run.onProgress?.({ phase: 'schema', entries: entries.length, tables: dataEntries.length, estimatedBytes: totalEstimatedBytes })
  let largeObjectCount = 0
  let totalBytes = 0
  const scriptOptions: ScriptOptions = {
    flavour,
    serverVersion: session.version.text,
    producer: `pgkeep ${PGKEEP_VERSION} (pg_dump ${flavour} compatible)`,
    standardConformingStrings: session.standardConformingStrings,
    transactionTimeout: flavour >= 17 && (options.targetVersion ?? 17) >= 17,
    restrictKey: options.restrictKey === false ? null : options.restrictKey ?? randomRestrictKey(),
    clean: options.clean,
    ifExists: options.ifExists,
    noOwner: options.noOwner,
    noTablespaces: options.noTablespaces,
  }
  const pacer = gcPacer(run.gcPacing ?? true)
  const reportData = (source: { schema: string; table: string; estimatedBytes: number }, tableIndex: number, bytes: number, chunk: number) => {
    totalBytes += chunk
    run.onProgress!({ phase: 'data', schema: source.schema, table: source.table, tableIndex, tableCount: dataEntries.length, bytes, estimatedBytes: source.estimatedBytes, totalBytes, totalEstimatedBytes })
  }

  // Blocks read back from the spools' files are new buffers too: tens of megabytes of them in a tenth of
  // a second once the leader reaches a table a worker spilled, so the pacer counts them as it counts rows.
  const files = new SpoolFiles({ onFileRead: (bytes) => pacer.passed(bytes) })
  let workers: WorkerSessions | null = null
  let parallel: ParallelCopy | null = null
  const stop = () => parallel?.fail(new PgkeepError('ABORTED', 'the dump was cancelled', { cause: run.signal?.reason }))
  run.signal?.addEventListener('abort', stop, { once: true })
  try {
    if (parallelism.dataJobs > 1 && parallelism.connectOne && dataEntries.length > 0) {
      // The workers see the leader's snapshot: the one it was given, or the one it exports now.
      const snapshot = options.snapshot ?? (await session.query('SELECT pg_catalog.pg_export_snapshot() AS id', [], 'export the snapshot'))[0]!.id!
      const opened = await openWorkerSessions(Math.min(parallelism.dataJobs, dataEntries.length), snapshot, parallelism.connectOne)
      workers = opened
      if (run.signal?.aborted) throw new PgkeepError('ABORTED', 'the dump was cancelled', { cause: run.signal.reason })
      const perTable = new Array<number>(dataEntries.length).fill(0)
      const blocks: CopyBlock[] = dataEntries.map((entry, index) => ({ entry, source: entry.data as CopyBlock['source'], index, ...copyBlockText(entry, scriptOptions) }))
      parallel = new ParallelCopy({
        sessions: opened.sessions,
        blocks,
        files,
        compressionLevel: parallelism.members?.level ?? null,
        ...(parallelism.members?.slots ? { slots: parallelism.members.slots } : {}),
        checksums: run.tableChecksums ?? false,
        onChunk: (block: CopyBlock, chunk: Buffer) => {
          pacer.passed(chunk.length)
          if (run.onProgress) reportData(block.source, block.index, (perTable[block.index]! += chunk.length), chunk.length)
        },
        onFail: () => void opened.close(),
      })
    }
    const copier = parallel
    await writeScript(entries, output, scriptOptions, {
      async writeData(entry, out) {
        if (run.signal?.aborted) throw new PgkeepError('ABORTED', 'the dump was cancelled', { cause: run.signal.reason })
        const source = entry.data!
        if (source.kind === 'large-objects') {
          await writeLargeObjects(session, source.oids, out, session.standardConformingStrings)
          largeObjectCount += source.oids.length
          return
        }
        const tableIndex = tables.length
        let bytes = 0
        const report = run.onProgress ? (chunk: Buffer) => reportData(source, tableIndex, (bytes += chunk.length), chunk.length) : undefined
        const hash = run.tableChecksums ? createHash('sha256') : null
        const onChunk = (chunk: Buffer) => {
          hash?.update(chunk)
          report?.(chunk)
          pacer.passed(chunk.length)
        }
        const result = await copyOut(session, source, out, onChunk, run.signal)
        tables.push({ schema: source.schema, name: source.table, rows: result.rows, bytes: result.bytes, ...(hash ? { sha256: hash.digest('hex') } : {}) })
      },
      ...(run.onEntry ? { onEntry: (entry: TocEntry, phase: 'start' | 'end') => run.onEntry!(publicEntry(entry), phase) } : {}),
      ...(copier
        ? {
            async writeCopyBlock(entry: TocEntry) {
              const members = parallelism.members
              if (members) {
                await members.writeMember(copier.read(entry), () => copier.result(entry).textBytes)
                output.bytes += copier.result(entry).textBytes
              } else {
                for await (const chunk of copier.read(entry)) await output.write(chunk)
              }
              const result = copier.result(entry)
              const source = entry.data as CopyBlock['source']
              tables.push({ schema: source.schema, name: source.table, rows: result.rows, bytes: result.bytes, ...(result.sha256 ? { sha256: result.sha256 } : {}) })
            },
          }
        : {}),
    })
  } catch (error) {
    parallel?.fail(error)
    throw error
  } finally {
    run.signal?.removeEventListener('abort', stop)
    await workers?.close()
    await parallel?.settled()
    await files.dispose()
  }
  run.onProgress?.({ phase: 'done', bytes: output.bytes })
  return {
    serverVersion: session.version.text,
    style: flavour,
    database: session.databaseName,
    bytes: output.bytes,
    tables,
    sequences: entries.filter((e) => e.sequenceValue).map((e) => ({ schema: e.namespace ?? '', name: e.tag, ...e.sequenceValue! })),
    largeObjects: largeObjectCount,
    durationMs: 0,
    warnings,
  }
}

/**
 * Reads the catalog and turns it into the script's entries. The object graph lives only in here: once
 * the entries are made (plain text and numbers) it is garbage, so writing a schema of tens of thousands
 * of objects does not hold the graph and its text at once.
 */
async function planScript(session: DumpSession, options: ResolvedDumpOptions, flavour: number, parallelism: Parallelism, ownObjectsOnly: boolean): Promise<{ entries: TocEntry[]; warnings: string[] }> {
  const selection = await resolveSelection(session, options, ownObjectsOnly)
  const ctx = newDumpContext(session, options, selection)
  // Large objects are data: a schema-only dump has none, even when asked for them.
  const largeObjects = (options.largeObjects ?? selection.includeEverything) && ctx.dumpData
  const aside = parallelism.jobs > 1 && parallelism.connectOne ? asideSession(session, options.snapshot, parallelism.connectOne) : null
  const unsupported = new Set<string>()
  let emit: EmitAllContext
  let ordered: DumpObject[]
  try {
    await readCatalog(ctx, { largeObjects, groupLargeObjects: flavour >= 17, aside })
    // the aside session deparses the views while the leader reads the rest and the graph is sorted
    const viewsAside = readViewDefinitionsAside(ctx, aside)
    emit = await readEmitContext(ctx, flavour, (kind, name) => {
      const key = `${kind} ${name}`
      if (unsupported.has(key)) return
      unsupported.add(key)
      ctx.warnings.push(`${kind} ${name} is not written to the dump: pgkeep cannot dump ${kind}s yet`)
    }, viewsAside !== null)
    ordered = orderObjects(ctx, flavour >= 17)
    // not read there after all (the aside session could not be opened): on the leader, now it is free
    if (viewsAside !== null && !(await viewsAside)) await readViewDefinitions(ctx)
  } finally {
    await aside?.close()
  }
  const entries: TocEntry[] = []
  for (const object of ordered) entries.push(...emitObject(emit, object))
  return { entries, warnings: ctx.warnings }
}

function publicEntry(entry: TocEntry): DumpEntry {
  const data = entry.data?.kind === 'copy' ? entry.data : null
  return {
    section: entry.section,
    desc: entry.desc,
    tag: entry.tag,
    namespace: entry.namespace,
    ...(data ? { table: { schema: data.schema, name: data.table, estimatedBytes: data.estimatedBytes } } : {}),
  }
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A fresh `\restrict` key: 63 random letters and digits, as pg_dump generates. */
export function randomRestrictKey(): string {
  let key = ''
  for (let i = 0; i < 63; i++) key += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)]
  return key
}
