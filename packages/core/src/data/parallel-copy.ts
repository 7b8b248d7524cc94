// Table data copied by several worker sessions at once, largest table first. Each table's whole block
// (its `-- Data for Name:` header, the COPY statement, the rows and the closing `\.`) goes into its own
// spool, gzip-compressed when the destination takes members: in blocks compressed several at once on
// the libuv thread pool (compress/block-gzip.ts), so one large table keeps every core compressing and
// compressing one table overlaps copying another; as text, in pieces of 256 KiB (write/gather-pieces.ts),
// not in the socket's chunks. The leader reads the blocks back in script order. The first failure
// anywhere stops every worker and is what the dump rejects with.
import { createHash } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { CompressionSlots, gzipBlocks } from '../compress/block-gzip'
import { idleErrorOf } from '../connection/index'
import { quoteQualified } from '../emit/quote'
import type { DataSource, TocEntry } from '../emit/toc-entry'
import { PgkeepError } from '../errors'
import type { DumpSession } from '../session/dump-session'
import { gatherPieces } from '../write/gather-pieces'
import { MemberSpool, type SpoolFiles } from '../write/member-spool'
import { DATA_PIECE_BYTES } from '../write/output'
import { copyFailure, copyQuery } from './copy-out'
import { copyToStream } from './copy-to-stream'

type CopySource = Extract<DataSource, { kind: 'copy' }>

export interface CopyBlock {
  entry: TocEntry
  source: CopySource
  /** Index of the table among the dump's tables, in script order. */
  index: number
  /** Text before the rows (entry header and COPY … FROM stdin;) and after them (`\.`). */
  head: string
  tail: string
}

export interface BlockResult {
  rows: number
  /** Bytes of COPY data (the rows alone). */
  bytes: number
  /** Bytes of the whole block's text, uncompressed. */
  textBytes: number
  sha256?: string
}

export interface ParallelCopyOptions {
  sessions: DumpSession[]
  blocks: CopyBlock[]
  files: SpoolFiles
  /** gzip level of each block's member, or null to spool the text as it is. */
  compressionLevel: number | null
  /** The compressions at once allowed (the destination's, so that its own blocks and the tables' share them). */
  slots?: CompressionSlots
  checksums: boolean
  onChunk?: (block: CopyBlock, chunk: Buffer) => void
  /** Called once, on the first failure: the place to end the worker connections. */
  onFail: (error: Error) => void
}

interface Job {
  block: CopyBlock
  spool: MemberSpool
  result: BlockResult | null
}

export class ParallelCopy {
  private readonly jobs = new Map<TocEntry, Job>()
  private readonly queue: Job[]
  private failure: Error | null = null
  private readonly running: Promise<void>
  private readonly slots: CompressionSlots

  constructor(private readonly options: ParallelCopyOptions) {
    this.slots = options.slots ?? new CompressionSlots()
    const ownSlots = options.slots === undefined
    for (const block of options.blocks) this.jobs.set(block.entry, { block, spool: new MemberSpool(options.files), result: null })
    // Largest first, so that the longest copy starts at once and the small ones fill the gaps.
    this.queue = [...this.jobs.values()].sort((a, b) => b.block.source.estimatedBytes - a.block.source.estimatedBytes || a.block.index - b.block.index)
    this.running = Promise.all(options.sessions.map((session) => this.work(session))).then(() => {
      if (ownSlots) this.slots.close()
    })
  }

  /** The block's bytes in order (gzip member or text), as they come; throws the dump's first failure. */
  read(entry: TocEntry): AsyncGenerator<Buffer> {
    return this.job(entry).spool.read()
  }

  /** What copying the block found; available once read() has ended. */
  result(entry: TocEntry): BlockResult {
    const result = this.job(entry).result
    if (!result) throw new PgkeepError('INTERNAL', `the data of ${quoteQualified(entry.namespace, entry.tag)} was read before it was complete`)
    return result
  }

  /** Stops every worker and every reader with `error` (the first one wins). */
  fail(error: unknown): void {
    if (this.failure) return
    this.failure = error instanceof Error ? error : new Error(String(error))
    for (const job of this.jobs.values()) job.spool.destroy(this.failure)
    this.options.onFail(this.failure)
  }

  /** Resolves once every worker loop has returned (after success or fail()). */
  settled(): Promise<void> {
    return this.running
  }

  private job(entry: TocEntry): Job {
    const job = this.jobs.get(entry)
    if (!job) throw new PgkeepError('INTERNAL', `no parallel copy for ${quoteQualified(entry.namespace, entry.tag)}`)
    return job
  }

  private async work(session: DumpSession): Promise<void> {
    for (;;) {
      const job = this.failure ? undefined : this.queue.shift()
      if (!job) return
      try {
        await this.copy(session, job)
      } catch (error) {
        this.fail(error)
        return
      }
    }
  }

  private async copy(session: DumpSession, job: Job): Promise<void> {
    try {
      await this.copyBlock(session, job)
    } catch (error) {
      // A session the server ended between two statements fails the next one with a generic message
      // ("not queryable"); the server's own reason, kept by connect(), says what happened.
      const ended = idleErrorOf(session.client)
      if (ended && !(error instanceof PgkeepError && error.code === 'ABORTED')) throw copyFailure(ended, quoteQualified(job.block.source.schema, job.block.source.table))
      throw error
    }
  }

  private async copyBlock(session: DumpSession, job: Job): Promise<void> {
    const { block, spool } = job
    const { source } = block
    const qual = quoteQualified(source.schema, source.table)
    if (!source.foreign) await lockNoWait(session, qual)
    const stream = copyToStream(session.client, copyQuery(source))
    const hash = this.options.checksums ? createHash('sha256') : null
    const onChunk = this.options.onChunk
    let bytes = 0
    let textBytes = 0
    async function* text(): AsyncGenerator<Buffer> {
      const head = Buffer.from(block.head, 'utf8')
      textBytes += head.length
      yield head
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          bytes += chunk.length
          textBytes += chunk.length
          hash?.update(chunk)
          onChunk?.(block, chunk)
          yield chunk
        }
      } catch (error) {
        throw copyFailure(error, qual)
      }
      const tail = Buffer.from(block.tail, 'utf8')
      textBytes += tail.length
      yield tail
    }
    const into = async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) await spool.write(chunk)
    }
    if (this.options.compressionLevel === null) await pipeline(text, (chunks: AsyncIterable<Buffer>) => gatherPieces(chunks, DATA_PIECE_BYTES), into)
    else {
      const level = this.options.compressionLevel
      await pipeline(text, (chunks: AsyncIterable<Buffer>) => gzipBlocks(chunks, level, this.slots), into)
    }
    job.result = { rows: stream.rowCount ?? 0, bytes, textBytes, ...(hash ? { sha256: hash.digest('hex') } : {}) }
    spool.end()
  }
}

/**
 * ACCESS SHARE on the table in the worker too, without waiting (as pg_dump's workers do): the leader
 * holds it already, so this only fails when another session queued a conflicting lock (ALTER, DROP,
 * TRUNCATE, VACUUM FULL) after the leader's. Waiting for it would deadlock: it waits for the leader,
 * which waits for this worker.
 */
async function lockNoWait(session: DumpSession, qual: string): Promise<void> {
  try {
    await session.client.query(`LOCK TABLE ONLY ${qual} IN ACCESS SHARE MODE NOWAIT`)
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === '55P03') {
      throw new PgkeepError('LOCK_TIMEOUT', `unable to lock table ${qual} in a worker session: ${(error as Error).message}`, {
        cause: error,
        hint: 'another session asked for a conflicting lock (ALTER/DROP/TRUNCATE/VACUUM FULL) while the dump ran; retry later, or dump with jobs: 1',
      })
    }
    throw copyFailure(error, qual)
  }
}
