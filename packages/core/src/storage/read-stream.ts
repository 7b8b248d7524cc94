// The stream get() returns: the backend's stream behind a PassThrough, so that a failure while reading
// (a dropped connection, a disk error) reaches the consumer as a PgkeepError, and a consumer that stops
// early releases the file or connection.
import { PassThrough, type Readable } from 'node:stream'
import type { PgkeepError } from '../errors'

export function mapStreamErrors(source: Readable, map: (error: unknown) => PgkeepError): Readable {
  const out = new PassThrough()
  source.on('error', (error) => out.destroy(map(error)))
  out.on('close', () => {
    if (!source.destroyed) source.destroy()
  })
  source.pipe(out)
  return out
}
