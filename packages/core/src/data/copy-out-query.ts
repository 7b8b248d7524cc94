// `COPY … TO STDOUT` as a query for node-postgres' `client.query()` and a readable stream of the rows'
// text. While the COPY runs it reads the session's socket itself, as pg-copy-streams' `to()` does: pg's
// own 'data' listener is set aside, the socket is read in paused mode, and the rows go out as chunks
// (CopyOutScanner moves them to the front of the socket's chunks). At CopyDone, or at a message that is
// not part of the COPY (an ErrorResponse), the listener is put back and given the bytes from there on,
// so that pg reads CommandComplete (the row count) or the error and calls this query's handlers.
import { Readable } from 'node:stream'
import { CopyOutScanner } from './copy-out-scanner'

/** The part of node-postgres' Connection a query that reads the socket itself uses. */
interface Connection {
  stream: Readable
  query(text: string): void
}

type DataListener = (chunk: Buffer) => void

export class CopyOutQuery extends Readable {
  /** Rows the server reported in CommandComplete, once the COPY is over. */
  rowCount: number | null = null
  private connection: Connection | null = null
  private pgDataListener: DataListener | null = null
  private readonly scanner = new CopyOutScanner()
  /** The reader asked for more (the last push was under the high-water mark). */
  private wanted = false
  private forwarding = false
  /** Destroyed while the COPY still ran: its rows are read and dropped until the socket can go back to pg. */
  private draining = false
  private readonly onReadable = () => this.forward()

  constructor(readonly text: string) {
    super()
  }

  /** Called by node-postgres to send the query; an error returned is reported to handleError. */
  submit(connection: Connection): Error | undefined {
    this.connection = connection
    const stream = connection.stream
    const listeners = stream.listeners('data') as DataListener[]
    if (listeners.length !== 1) return new Error(`unable to read COPY data: expected node-postgres' one 'data' listener on the socket, found ${listeners.length}`)
    this.pgDataListener = listeners[0]!
    stream.removeListener('data', this.pgDataListener)
    stream.pause()
    stream.on('readable', this.onReadable)
    connection.query(this.text)
    this.forward()
    return undefined
  }

  override _read(): void {
    this.wanted = true
    this.forward()
  }

  /** Reads the socket's chunks while the reader wants more and the COPY goes on. */
  private forward(): void {
    if (this.forwarding || !this.wanted || !this.pgDataListener) return
    this.forwarding = true
    try {
      const stream = this.connection!.stream
      let chunk: Buffer | null
      while (this.wanted && this.pgDataListener !== null && (chunk = stream.read() as Buffer | null) !== null) this.scanChunk(chunk)
    } catch (error) {
      this.destroy(error as Error)
    } finally {
      this.forwarding = false
    }
  }

  /**
   * Destroyed by its reader (the destination failed, the dump was given up) before the COPY ended: the
   * socket would stay paused without pg's listener, and every later query of the session would wait
   * forever, which a caller's own client (dump()'s `run.client`) would not recover from. The rest of the
   * COPY is read and dropped, then the socket is handed back as at its end.
   */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.pgDataListener !== null && this.connection !== null) {
      this.draining = true
      this.wanted = true
      this.forward()
    }
    callback(error)
  }

  private scanChunk(chunk: Buffer): void {
    const { rows, end } = this.scanner.scan(chunk)
    if (rows > 0 && !this.draining) this.wanted = this.push(chunk.subarray(0, rows))
    // at CopyDone the stream ends once pg has read CommandComplete (handleCommandComplete); at an
    // ErrorResponse, pg reports the error (handleError)
    if (end !== -1) this.handBack(chunk.subarray(end))
  }

  /** Gives the socket back to node-postgres, with the bytes after the COPY's messages. */
  private handBack(rest: Buffer): void {
    const stream = this.connection!.stream
    const listener = this.pgDataListener!
    this.pgDataListener = null
    stream.removeListener('readable', this.onReadable)
    stream.on('data', listener)
    if (rest.length > 0) listener(rest)
    // resumed on the next tick, after the read loop that called this has returned (as pg-copy-streams does)
    process.nextTick(() => stream.resume())
  }

  /** node-postgres: the server's error for this query. */
  handleError(error: Error): void {
    this.destroy(error)
  }

  /** node-postgres: CommandComplete, "COPY <rows>". */
  handleCommandComplete(message: { text?: string } | undefined): void {
    const match = /^COPY (\d+)/.exec(message?.text ?? '')
    if (match) this.rowCount = Number(match[1])
    this.push(null)
  }

  handleReadyForQuery(): void {}
}
