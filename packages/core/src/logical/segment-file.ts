// The segment the archiver is filling: committed transactions as version 2 lines (segment-lines.ts),
// gzip'd into a file of the archive's temporary folder as they commit, so a segment never sits in memory.
// store() puts it to storage as one gzip stream of two members (RFC 1952 allows several; gunzip reads
// them as one): the relations line, known only once the segment is closed, then the file; the sha256
// and size are those of the bytes streamed. discard() removes the file.
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { createGzip, gzipSync, type Gzip } from 'node:zlib'
import { PgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import { formatLsn, pgTimeToDate, type Lsn } from './lsn'
import { encodeLine, type Relation } from './segment-lines'
import { segmentKeys, type SegmentExtras, type SegmentManifest } from './segment-manifest'
import type { TransactionSpill } from './transaction-spill'

export class SegmentFile {
  transactions = 0
  /** Bytes of its lines before compression (what the archiver's segmentBytes counts). */
  rawBytes = 0
  /** Changes per table oid. */
  readonly rows = new Map<number, number>()
  private first: { commitLsn: Lsn; commitTime: bigint } | null = null
  private last: { endLsn: Lsn; commitTime: bigint } | null = null
  private readonly gzip: Gzip
  private readonly out: WriteStream
  private failure: Error | null = null

  constructor(private readonly path: string) {
    this.gzip = createGzip()
    this.out = createWriteStream(path, { mode: 0o600 })
    this.gzip.pipe(this.out)
    const fail = (error: Error) => { this.failure ??= error }
    this.gzip.on('error', fail)
    this.out.on('error', fail)
  }

  /** A segment file in `folder` (the archive's temporary folder), named after its first transaction. */
  static in(folder: string, first: Lsn): SegmentFile {
    return new SegmentFile(join(folder, `segment-${first.toString(16)}.gz`))
  }

  /** Appends a committed transaction: its begin line, its change lines, its commit line. */
  async add(tx: TransactionSpill, commit: { commitLsn: Lsn; endLsn: Lsn; commitTime: bigint }): Promise<void> {
    await this.write(`${encodeLine({ tag: 'begin', xid: tx.begin.xid, commitLsn: commit.commitLsn, commitTime: commit.commitTime })}\n`)
    for await (const chunk of tx.chunks()) await this.write(chunk)
    await this.write(`${encodeLine({ tag: 'commit', endLsn: commit.endLsn })}\n`)
    for (const [oid, n] of tx.rows) this.rows.set(oid, (this.rows.get(oid) ?? 0) + n)
    this.rawBytes += tx.bytes
    this.transactions++
    this.first ??= { commitLsn: commit.commitLsn, commitTime: commit.commitTime }
    this.last = { endLsn: commit.endLsn, commitTime: commit.commitTime }
  }

  /**
   * Stores the segment (data first, manifest last) and returns its manifest. `relations`: every table
   * definition the chain holds; the segment lists those its changes refer to.
   */
  async store(storage: StorageDriver, prefix: string, slot: string, relations: Iterable<Relation>, extras: SegmentExtras = {}): Promise<SegmentManifest> {
    const first = this.first
    const last = this.last
    if (!first || !last) throw new PgkeepError('INTERNAL', 'a change segment needs at least one transaction')
    this.gzip.end()
    await finished(this.out)
    if (this.failure) throw this.failure
    const byOid = new Map([...relations].map((r) => [r.oid, r]))
    const rows: Record<string, number> = {}
    for (const [oid, n] of this.rows) {
      const rel = byOid.get(oid)
      const name = rel ? `${rel.schema}.${rel.name}` : String(oid)
      rows[name] = (rows[name] ?? 0) + n
    }
    const head = gzipSync(Buffer.from(`${encodeLine({ relations: [...this.rows.keys()].map((oid) => byOid.get(oid)).filter(Boolean) })}\n`))
    const hash = createHash('sha256')
    let size = 0
    const path = this.path
    async function* body(): AsyncGenerator<Buffer> {
      hash.update(head)
      size += head.length
      yield head
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) { hash.update(chunk); size += chunk.length; yield chunk }
    }
    const { key, manifestKey } = segmentKeys(prefix, first.commitLsn, last.endLsn)
    await storage.put(key, Readable.from(body()), { contentType: 'application/gzip' })
    const manifest: SegmentManifest = {
      format: 'pgkeep-changes', formatVersion: 2, slot,
      firstCommitLsn: formatLsn(first.commitLsn), endLsn: formatLsn(last.endLsn),
      firstCommitAt: pgTimeToDate(first.commitTime).toISOString(), lastCommitAt: pgTimeToDate(last.commitTime).toISOString(),
      transactions: this.transactions, rows, size, sha256: hash.digest('hex'),
      ...(extras.previousEndLsn ? { previousEndLsn: extras.previousEndLsn } : {}),
      ...(extras.sequences ? { sequences: extras.sequences } : {}),
      ...(extras.enums ? { enums: extras.enums } : {}),
      ...(extras.warnings && extras.warnings.length > 0 ? { warnings: extras.warnings } : {}),
    }
    await storage.put(manifestKey, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]), { contentType: 'application/json' })
    await this.discard()
    return manifest
  }

  /** Closes and removes its file; safe to call more than once. */
  async discard(): Promise<void> {
    if (!this.out.closed) {
      this.gzip.unpipe(this.out)
      this.gzip.destroy()
      this.out.destroy()
      await once(this.out, 'close').catch(() => {})
    }
    await unlink(this.path).catch(() => {})
  }

  private async write(chunk: string | Buffer): Promise<void> {
    if (this.failure) throw this.failure
    if (!this.gzip.write(chunk)) {
      // a file that failed closes instead of draining; the listener that did not fire is removed
      const settled = new AbortController()
      try {
        await Promise.race([once(this.gzip, 'drain', { signal: settled.signal }), once(this.out, 'close', { signal: settled.signal })])
      } finally {
        settled.abort()
      }
    }
    if (this.failure) throw this.failure
  }
}
