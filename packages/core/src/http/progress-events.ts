// The events route's body: the manager's backup events as server-sent events (start, progress with
// percent, bytes and table, success, failure), starting with the backups running now, plus a comment
// line every 15 s so proxies keep the connection. It ends, and unsubscribes, when `signal` aborts.
// However many streams are open, the manager has one listener per event: it fans each event out to the
// open streams (one listener per stream would pass Node's 10-listener warning at the eleventh viewer).
//
// Each stream holds what its viewer has not taken yet, bounded: a viewer that stops reading (or reads
// slower than backups report) does not make the server's memory grow. While events wait, a newer
// progress event of a backup replaces its waiting one (only the latest progress matters), and no second
// keep-alive comment is queued behind anything. Every other event (running, start, success, failure)
// waits in order; past `maxQueuedEvents` or `maxQueuedBytes` of them the stream is ended for that viewer
// instead of growing or dropping one (an EventSource reconnects and starts again from `running`).
import { Readable } from 'node:stream'
import { PgkeepError } from '../errors'
import type { BackupManager } from '../manager'

const HEARTBEAT_MS = 15_000

/** Events waiting for one viewer past which its stream is ended. */
export const MAX_QUEUED_EVENTS = 500
/** Bytes of events waiting for one viewer past which its stream is ended. */
export const MAX_QUEUED_BYTES = 256 * 1024

export interface ProgressEventsOptions {
  /** How often a keep-alive comment is sent (default 15 s). */
  heartbeatMs?: number
  /** Default MAX_QUEUED_EVENTS. */
  maxQueuedEvents?: number
  /** Default MAX_QUEUED_BYTES. */
  maxQueuedBytes?: number
}

type Push = (event: string, data: unknown) => void

/** Per manager: the open streams, and the manager's listeners while there are any. */
const fanOuts = new WeakMap<BackupManager, { streams: Set<Push>; unsubscribe: (() => void)[] }>()

/** Adds a stream to the manager's fan-out (subscribing on the first); the returned function removes it (unsubscribing after the last). */
function joinFanOut(manager: BackupManager, push: Push): () => void {
  let fanOut = fanOuts.get(manager)
  if (!fanOut) {
    const streams = new Set<Push>()
    const send: Push = (event, data) => {
      for (const stream of streams) stream(event, data)
    }
    fanOut = {
      streams,
      unsubscribe: [
        manager.on('backup:start', (e) => send('start', e)),
        manager.on('backup:progress', (e) => send('progress', e)),
        manager.on('backup:success', ({ record }) => send('success', { id: record.id, filename: record.filename, size: record.size, type: record.type, createdAt: record.createdAt })),
        manager.on('backup:failure', (e) => send('failure', e)),
      ],
    }
    fanOuts.set(manager, fanOut)
  }
  const joined = fanOut
  joined.streams.add(push)
  let left = false
  return () => {
    if (left) return
    left = true
    joined.streams.delete(push)
    if (joined.streams.size > 0 || fanOuts.get(manager) !== joined) return
    fanOuts.delete(manager)
    for (const off of joined.unsubscribe) off()
  }
}

/** A frame waiting for the viewer; `progressOf`: the backup whose progress it is (replaced by a newer one). */
interface Waiting {
  text: string
  bytes: number
  progressOf?: string
  keepAlive?: true
}

/** One viewer's stream of server-sent events, with its queue bounded as the file's comment says. */
export class ProgressEventStream extends Readable {
  private readonly waiting: Waiting[] = []
  private waitingBytes = 0
  /** The waiting progress frame of each backup. */
  private readonly progress = new Map<string, Waiting>()
  /** Whether the consumer asked for more (Readable's _read) and has not been refused since. */
  private wanted = false
  private readonly maxEvents: number
  private readonly maxBytes: number
  private readonly cleanups: (() => void)[] = []

  constructor(o: { maxQueuedEvents?: number | undefined; maxQueuedBytes?: number | undefined } = {}) {
    super()
    this.maxEvents = o.maxQueuedEvents ?? MAX_QUEUED_EVENTS
    this.maxBytes = o.maxQueuedBytes ?? MAX_QUEUED_BYTES
  }

  /** What waits for the viewer now (what the stream's own buffer and the socket hold is bounded by their high-water marks). */
  get queued(): { events: number; bytes: number } {
    return { events: this.waiting.length, bytes: this.waitingBytes }
  }

  /** Queues an event; a progress event replaces the same backup's waiting one. */
  send(event: string, data: unknown): void {
    if (this.destroyed) return
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    const progressOf = event === 'progress' ? (data as { id?: unknown }).id : undefined
    const replaced = typeof progressOf === 'string' ? this.progress.get(progressOf) : undefined
    if (replaced) {
      const bytes = Buffer.byteLength(text)
      this.waitingBytes += bytes - replaced.bytes
      replaced.text = text
      replaced.bytes = bytes
    } else {
      this.enqueue({ text, bytes: Buffer.byteLength(text), ...(typeof progressOf === 'string' ? { progressOf } : {}) })
    }
    this.drain()
    this.checkBounds()
  }

  /** A keep-alive comment, unless something is already waiting (the viewer is behind; one more line tells it nothing). */
  keepAlive(): void {
    if (this.destroyed || this.waiting.length > 0) return
    this.enqueue({ text: ': keep-alive\n\n', bytes: 14, keepAlive: true })
    this.drain()
  }

  /** Runs `cleanup` when the stream is destroyed (the viewer left, the route's signal aborted, or it fell too far behind). */
  onDestroy(cleanup: () => void): void {
    this.cleanups.push(cleanup)
  }

  override _read(): void {
    this.wanted = true
    this.drain()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.waiting.length = 0
    this.waitingBytes = 0
    this.progress.clear()
    for (const cleanup of this.cleanups.splice(0)) cleanup()
    callback(error)
  }

  private enqueue(frame: Waiting): void {
    this.waiting.push(frame)
    this.waitingBytes += frame.bytes
    if (frame.progressOf !== undefined) this.progress.set(frame.progressOf, frame)
  }

  private drain(): void {
    while (this.wanted && !this.destroyed) {
      const next = this.waiting.shift()
      if (!next) return
      this.waitingBytes -= next.bytes
      if (next.progressOf !== undefined && this.progress.get(next.progressOf) === next) this.progress.delete(next.progressOf)
      this.wanted = this.push(Buffer.from(next.text, 'utf8'))
    }
  }

  private checkBounds(): void {
    if (this.waiting.length <= this.maxEvents && this.waitingBytes <= this.maxBytes) return
    const error = new PgkeepError('SIZE_LIMIT_EXCEEDED', `this viewer of the backup events fell behind by more than ${this.maxEvents} events or ${this.maxBytes} bytes; its stream is ended (an EventSource reconnects)`)
    // Not yet piped anywhere, an 'error' nobody listens to would be thrown: then it just ends.
    this.destroy(this.listenerCount('error') > 0 ? error : undefined)
  }
}

export function progressEvents(manager: BackupManager, signal: AbortSignal, scrub: (text: string) => string, o: ProgressEventsOptions = {}): ProgressEventStream {
  const stream = new ProgressEventStream(o)
  if (signal.aborted) {
    stream.destroy()
    return stream
  }
  const push: Push = (event, data) => {
    // each stream scrubs with its own request's secrets
    const payload = event === 'failure' ? { ...(data as { message: string }), message: scrub((data as { message: string }).message) } : data
    stream.send(event, payload)
  }
  const leave = joinFanOut(manager, push)
  stream.onDestroy(leave)
  stream.send('running', { backups: manager.running() })
  const heartbeat = setInterval(() => stream.keepAlive(), o.heartbeatMs ?? HEARTBEAT_MS)
  heartbeat.unref()
  stream.onDestroy(() => clearInterval(heartbeat))
  // A stream destroyed before it was first read still leaves the fan-out (its _destroy runs the cleanups).
  const stop = () => stream.destroy()
  signal.addEventListener('abort', stop, { once: true })
  stream.onDestroy(() => signal.removeEventListener('abort', stop))
  return stream
}
