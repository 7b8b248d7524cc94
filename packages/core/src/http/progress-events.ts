// The events route's body: the manager's backup events as server-sent events (start, progress with
// percent, bytes and table, success, failure), starting with the backups running now, plus a comment
// line every 15 s so proxies keep the connection. It ends, and unsubscribes, when `signal` aborts.
// However many streams are open, the manager has one listener per event: it fans each event out to the
// open streams (one listener per stream would pass Node's 10-listener warning at the eleventh viewer).
import { Readable } from 'node:stream'
import type { BackupManager } from '../manager'

const HEARTBEAT_MS = 15_000

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
  return () => {
    joined.streams.delete(push)
    if (joined.streams.size > 0 || fanOuts.get(manager) !== joined) return
    fanOuts.delete(manager)
    for (const off of joined.unsubscribe) off()
  }
}

export function progressEvents(manager: BackupManager, signal: AbortSignal, scrub: (text: string) => string): Readable {
  const queue: string[] = []
  let wake: (() => void) | undefined
  const push: Push = (event, data) => {
    // each stream scrubs with its own request's secrets
    const payload = event === 'failure' ? { ...(data as { message: string }), message: scrub((data as { message: string }).message) } : data
    queue.push(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
    wake?.()
  }
  const leave = joinFanOut(manager, push)
  push('running', { backups: manager.running() })
  const heartbeat = setInterval(() => {
    queue.push(': keep-alive\n\n')
    wake?.()
  }, HEARTBEAT_MS)
  heartbeat.unref()
  // leaving on abort too: a stream destroyed before it was first read never runs the generator's finally
  const stop = () => {
    leave()
    wake?.()
  }
  signal.addEventListener('abort', stop, { once: true })

  async function* frames(): AsyncGenerator<Buffer> {
    try {
      while (!signal.aborted) {
        const next = queue.shift()
        if (next !== undefined) {
          yield Buffer.from(next, 'utf8')
          continue
        }
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        wake = undefined
      }
    } finally {
      clearInterval(heartbeat)
      signal.removeEventListener('abort', stop)
      leave()
    }
  }
  return Readable.from(frames(), { objectMode: false })
}
