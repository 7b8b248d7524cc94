// The idle timeout of an answer's body once it has begun: a download's, and a list page's or an error's
// XML that the minio client reads whole. requestTimeoutMs bounds the wait for an answer to start
// (s3-client.ts); this bounds the silence between its chunks, so that a server or proxy that stops
// sending mid-body fails the read instead of holding a restore, a list or a download from cron forever.
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

/**
 * failWhenStalled() from the moment `source` starts to flow, for a stream whose reader is not attached
 * yet: watching it at once would start the flow and lose the bytes its reader has not asked for.
 */
export function failWhenStalledOnceRead(source: Readable, timeoutMs: number, stalled: () => Error): void {
  source.once('resume', () => failWhenStalled(source, timeoutMs, stalled))
}
