// The events route's body: the manager's backup events as server-sent events (start, progress with
// percent, bytes and table, success, failure), starting with the backups running now, plus a comment
// line every 15 s so proxies keep the connection. It ends, and unsubscribes, when `signal` aborts.
import { Readable } from 'node:stream'
import type { BackupManager } from '../manager'

const HEARTBEAT_MS = 15_000

export function progressEvents(manager: BackupManager, signal: AbortSignal, scrub: (text: string) => string): Readable {
  const queue: string[] = []
  let wake: (() => void) | undefined
  const push = (event: string, data: unknown) => {
    queue.push(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    wake?.()
  }
  const unsubscribe = [
    manager.on('backup:start', (e) => push('start', e)),
    manager.on('backup:progress', (e) => push('progress', e)),
    manager.on('backup:success', ({ record }) => push('success', { id: record.id, filename: record.filename, size: record.size, type: record.type, createdAt: record.createdAt })),
    manager.on('backup:failure', (e) => push('failure', { ...e, message: scrub(e.message) })),
  ]
  push('running', { backups: manager.running() })
  const heartbeat = setInterval(() => {
    queue.push(': keep-alive\n\n')
    wake?.()
  }, HEARTBEAT_MS)
  heartbeat.unref()
  const stop = () => wake?.()
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
      for (const off of unsubscribe) off()
    }
  }
  return Readable.from(frames(), { objectMode: false })
}
