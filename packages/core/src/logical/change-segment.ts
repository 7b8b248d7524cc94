// A segment of the change archive: whole transactions, in commit order, as gzip'd JSON lines, with a small
// manifest beside it written last. The first line lists the relations its changes refer to, so that each
// segment replays on its own; every later line is one transaction. Keys sort by WAL position.
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib'
import { PgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import { formatLsn, pgTimeToDate, type Lsn } from './lsn'
import type { PgoutputMessage } from './pgoutput'

export type Relation = Extract<PgoutputMessage, { tag: 'relation' }>
export type RowChange = Extract<PgoutputMessage, { tag: 'insert' | 'update' | 'delete' | 'truncate' }>

export interface ArchivedTransaction {
  xid: number
  commitLsn: Lsn
  /** End of the commit record: the position to confirm once this transaction is stored. */
  endLsn: Lsn
  /** Microseconds since 2000-01-01, as the server sent it. */
  commitTime: bigint
  changes: RowChange[]
}

export interface SegmentManifest {
  format: 'pgkeep-changes'
  formatVersion: 1
  slot: string
  /** Commit LSN of the first transaction and end LSN of the last, as PostgreSQL prints them. */
  firstCommitLsn: string
  endLsn: string
  firstCommitAt: string
  lastCommitAt: string
  transactions: number
  /** Rows changed per table (`schema.name`). */
  rows: Record<string, number>
  size: number
  sha256: string
  /**
   * End LSN of the segment stored before this one in the chain (absent on a chain's first segment, and in
   * segments of older versions): a restore that finds another end before it knows a segment is missing.
   */
  previousEndLsn?: string
  /**
   * Every sequence's value, sampled after the segment's last commit (sample-sequences.ts): at least its
   * value at any commit in the segment. The backup manifest's shape. Absent when the archiver had no SQL
   * connection.
   */
  sequences?: { schema: string; name: string; value: string; isCalled: boolean }[]
  /** What the change log does not hold, seen when the segment was closed: unreadable sequences, unlogged tables, large objects. */
  warnings?: string[]
}

/** What a segment's manifest carries besides its transactions (the archiver's SQL connection reads it). */
export interface SegmentExtras {
  previousEndLsn?: string
  sequences?: SegmentManifest['sequences']
  warnings?: string[]
}

const hex16 = (lsn: Lsn) => lsn.toString(16).toUpperCase().padStart(16, '0')

export function segmentKeys(prefix: string, first: Lsn, end: Lsn): { key: string; manifestKey: string } {
  const base = `${prefix}${hex16(first)}-${hex16(end)}`
  return { key: `${base}.changes.gz`, manifestKey: `${base}.segment.json` }
}

const BIGINT_FIELDS = new Set(['commitLsn', 'endLsn', 'commitTime', 'lsn', 'finalLsn'])

function encode(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

function decode<T>(line: string): T {
  return JSON.parse(line, (k, v: unknown) => (BIGINT_FIELDS.has(k) && typeof v === 'string' ? BigInt(v) : v)) as T
}

/** Stores one segment (data first, manifest last) and returns its manifest. */
export async function writeSegment(storage: StorageDriver, prefix: string, slot: string, relations: Relation[], transactions: ArchivedTransaction[], extras: SegmentExtras = {}): Promise<SegmentManifest> {
  if (transactions.length === 0) throw new PgkeepError('INTERNAL', 'a change segment needs at least one transaction')
  const used = new Set<number>()
  const rows: Record<string, number> = {}
  const byOid = new Map(relations.map((r) => [r.oid, r]))
  for (const t of transactions) {
    for (const c of t.changes) {
      for (const oid of c.tag === 'truncate' ? c.relations : [c.relation]) {
        used.add(oid)
        const rel = byOid.get(oid)
        const name = rel ? `${rel.schema}.${rel.name}` : String(oid)
        rows[name] = (rows[name] ?? 0) + 1
      }
    }
  }
  const lines = [encode({ relations: [...used].map((oid) => byOid.get(oid)).filter(Boolean) }), ...transactions.map((t) => encode(t))]
  const body = gzipSync(Buffer.from(`${lines.join('\n')}\n`))
  const first = transactions[0]!
  const last = transactions.at(-1)!
  const { key, manifestKey } = segmentKeys(prefix, first.commitLsn, last.endLsn)
  await storage.put(key, Readable.from([body]), { contentType: 'application/gzip' })
  const manifest: SegmentManifest = {
    format: 'pgkeep-changes', formatVersion: 1, slot,
    firstCommitLsn: formatLsn(first.commitLsn), endLsn: formatLsn(last.endLsn),
    firstCommitAt: pgTimeIso(first.commitTime), lastCommitAt: pgTimeIso(last.commitTime),
    transactions: transactions.length, rows, size: body.length, sha256: createHash('sha256').update(body).digest('hex'),
    ...(extras.previousEndLsn ? { previousEndLsn: extras.previousEndLsn } : {}),
    ...(extras.sequences ? { sequences: extras.sequences } : {}),
    ...(extras.warnings && extras.warnings.length > 0 ? { warnings: extras.warnings } : {}),
  }
  await storage.put(manifestKey, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]), { contentType: 'application/json' })
  return manifest
}

/** Reads a segment back, checking it against its manifest. */
export async function readSegment(storage: StorageDriver, key: string, manifest: SegmentManifest): Promise<{ relations: Relation[]; transactions: ArchivedTransaction[] }> {
  const chunks: Buffer[] = []
  for await (const chunk of await storage.get(key)) chunks.push(Buffer.from(chunk as Uint8Array))
  const body = Buffer.concat(chunks)
  if (createHash('sha256').update(body).digest('hex') !== manifest.sha256) throw new PgkeepError('BACKUP_CORRUPT', `change segment ${key} does not match its manifest's sha256`)
  const [head, ...rest] = gunzipSync(body).toString('utf8').split('\n').filter((l) => l !== '')
  const { relations } = decode<{ relations: Relation[] }>(head!)
  return { relations, transactions: rest.map((l) => decode<ArchivedTransaction>(l)) }
}

/**
 * The relations a stored segment refers to (its first line), without reading the rest: the archiver
 * learns from them what the chain already holds when it resumes.
 */
export async function readSegmentRelations(storage: StorageDriver, key: string): Promise<Relation[]> {
  const gunzip = createGunzip()
  const source = (await storage.get(key)) as Readable
  source.on('error', (error) => gunzip.destroy(error))
  source.pipe(gunzip)
  let head = Buffer.alloc(0)
  try {
    for await (const chunk of gunzip) {
      head = Buffer.concat([head, chunk as Buffer])
      const end = head.indexOf(10)
      if (end >= 0) return decode<{ relations: Relation[] }>(head.subarray(0, end).toString('utf8')).relations
    }
  } catch (error) {
    throw new PgkeepError('BACKUP_CORRUPT', `change segment ${key} cannot be read`, { cause: error })
  } finally {
    source.unpipe(gunzip)
    source.destroy()
    gunzip.destroy()
  }
  throw new PgkeepError('BACKUP_CORRUPT', `change segment ${key} has no relations line`)
}

function pgTimeIso(micros: bigint): string {
  return pgTimeToDate(micros).toISOString()
}
