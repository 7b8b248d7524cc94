// Streams a logical slot's changes (START_REPLICATION … LOGICAL with pgoutput) over a replication
// connection and decodes them. The server resends everything after the last position confirmed with
// confirm(), so a reader confirms a position only once what precedes it is safely stored: a crash then
// means a resend, never a loss.
import type pg from 'pg'
import { copyBoth } from './copy-both'
import { keepQueryStreamError } from '../data/copy-to-stream'
import { quoteIdent } from '../emit/quote'
import { dateToPgTime, formatLsn, type Lsn } from './lsn'
import { decodePgoutput, type PgoutputMessage } from './pgoutput'
import { replicationError } from './replication-slot'

export interface ChangeStreamOptions {
  slot: string
  publications: string[]
  /** Where to start; 0 (the default) means where the slot was last confirmed. */
  startLsn?: Lsn
  /** pgoutput protocol version. @default 1 */
  protocolVersion?: 1 | 2 | 3 | 4
  /** Ask for logical decoding messages (pg_logical_emit_message) too. @default false */
  messages?: boolean
}

export interface Change {
  /** The WAL position of the XLogData this message came in (of the server's WAL end, for a keepalive). */
  lsn: Lsn
  /** A decoded message, or `keepalive` when the server only says it is there (every few seconds when idle). */
  message: PgoutputMessage | { tag: 'keepalive' }
}

export interface ChangeStream extends AsyncIterable<Change> {
  /** Tells the server every change up to `lsn` is stored: the slot may let its WAL go. */
  confirm(lsn: Lsn): void
  /** Ends the stream (CopyDone); the iteration then ends. */
  end(): Promise<void>
  /** Asks the server for a keepalive now (a status update with a reply requested): a reader waiting on an idle server gets a message to act on. */
  requestKeepalive(): void
}

export function streamChanges(client: pg.Client, options: ChangeStreamOptions): ChangeStream {
  const version = options.protocolVersion ?? 1
  const pubs = options.publications.map((p) => quoteIdent(p)).join(',')
  const args = [`proto_version '${version}'`, `publication_names '${pubs.replaceAll("'", "''")}'`]
  if (options.messages) args.push(`messages 'true'`)
  const sql = `START_REPLICATION SLOT ${quoteIdent(options.slot)} LOGICAL ${formatLsn(options.startLsn ?? 0n)} (${args.join(', ')})`
  // one chunk per CopyData message: aligned, and in object mode so that reads never join two
  // read only when the caller iterates: a connection that ends before must not be an uncaught 'error'
  const duplex = keepQueryStreamError(client.query(copyBoth(sql, { alignOnCopyDataFrame: true, readableObjectMode: true })))
  let received = 0n
  let flushed = options.startLsn ?? 0n
  let ended: Promise<void> | null = null

  const sendStatus = (replyRequested = false) => {
    if (ended) return
    const buf = Buffer.alloc(34)
    buf.write('r', 0)
    buf.writeBigUInt64BE(received > flushed ? received : flushed, 1) // written
    buf.writeBigUInt64BE(flushed, 9) // flushed: the slot's confirmed position
    buf.writeBigUInt64BE(flushed, 17) // applied
    buf.writeBigInt64BE(dateToPgTime(new Date()), 25)
    buf.writeUInt8(replyRequested ? 1 : 0, 33)
    duplex.write(buf)
  }

  async function* iterate(): AsyncGenerator<Change> {
    let inStream = false
    try {
      for await (const chunk of duplex as AsyncIterable<Buffer>) {
        const kind = chunk[0]
        if (kind === 0x6b /* k: keepalive */) {
          if (chunk.readUInt8(17) === 1) sendStatus()
          yield { lsn: chunk.readBigUInt64BE(1), message: { tag: 'keepalive' } }
          continue
        }
        if (kind !== 0x77 /* w: XLogData */) continue
        const lsn = chunk.readBigUInt64BE(1)
        if (lsn > received) received = lsn
        const message = decodePgoutput(chunk.subarray(25), inStream)
        if (message.tag === 'stream-start') inStream = true
        else if (message.tag === 'stream-stop') inStream = false
        yield { lsn, message }
      }
    } catch (error) {
      throw replicationError(error, `stream the replication slot ${options.slot}`)
    }
  }

  // One reading of the connection for the stream's whole life: a reader that stops iterating (break) leaves
  // the stream open, to confirm and to go on reading; only end() closes it.
  const source = iterate()
  const reader: AsyncIterator<Change> = {
    next: () => source.next(),
    return: async () => ({ done: true, value: undefined }),
  }

  return {
    [Symbol.asyncIterator]: () => reader,
    requestKeepalive() {
      sendStatus(true)
    },
    confirm(lsn: Lsn) {
      if (lsn > flushed) flushed = lsn
      sendStatus()
    },
    end() {
      if (!ended) {
        sendStatus()
        const closed = new Promise<void>((resolve) => duplex.end(resolve))
        ended = (async () => {
          // the server answers CopyDone after what it had sent: read (and drop) it so the connection is free again
          while (!(await source.next()).done) { /* after end() nothing more is wanted */ }
          await closed
        })()
      }
      return ended
    },
  }
}
