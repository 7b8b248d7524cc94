// The idle timeout of a download whose answer has begun. requestTimeoutMs bounds the wait for an answer
// to start (s3-client.ts); this bounds the silence between its chunks, so that a server or proxy that
// stops sending mid-body fails the read instead of holding a restore or a download from cron forever.
// Only silence while the stream flows counts: while it is paused (its reader is slow, a pipe waits for a
// drain) no bytes are expected, so a slow reader of a large download never trips it.
import type { Readable } from 'node:stream'

/**
 * Destroys `source` with `stalled()` (which destroys its socket) when it flows but yields no byte for
 * `timeoutMs`. Call it once the stream is piped: its 'data' listener would otherwise start the flow.
 */
export function failWhenStalled(source: Readable, timeoutMs: number, stalled: () => Error): void {
  if (source.destroyed || source.readableEnded) return
  const timer = setTimeout(function check() {
    if (source.readableFlowing === true) source.destroy(stalled())
    else timer.refresh() // paused: the reader is not asking for bytes; look again later
  }, timeoutMs)
  const heard = () => timer.refresh()
  const stop = () => {
    clearTimeout(timer)
    source.off('data', heard)
    source.off('resume', heard)
  }
  source.on('data', heard)
  source.on('resume', heard)
  source.once('end', stop)
  source.once('error', stop)
  source.once('close', stop)
}
