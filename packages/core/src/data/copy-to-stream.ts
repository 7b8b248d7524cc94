// COPY query streams that always report their failure to whoever reads them.
//
// A COPY stream learns of a connection that ends under it from node-postgres (handleError) and reports
// it as an 'error' event: pg-copy-streams' CopyBothStream (the change stream) emits it, CopyOutQuery is
// destroyed with it. Emitted while nobody listens (the stream was made but not read yet, as when a
// parallel dump fails while a worker is still writing its table's header), that 'error' is an uncaught
// exception that takes the whole process down; and CopyBothStream, which is not destroyed, would leave
// its reader waiting for rows that never come. Here the stream always has a listener, and the error
// destroys it, so a later read fails at once with that error.
import type { Duplex, Readable } from 'node:stream'
import type pg from 'pg'
import { CopyOutQuery } from './copy-out-query'

export type CopyToStream = CopyOutQuery

/** `stream`, made to keep an 'error' emitted on it for its reader (see above). */
export function keepQueryStreamError<T extends Readable | Duplex>(stream: T): T {
  stream.on('error', (error) => stream.destroy(error))
  return stream
}

/** `COPY … TO STDOUT` on `client` as a readable stream of the rows' text. */
export function copyToStream(client: pg.Client, sql: string): CopyToStream {
  const query = keepQueryStreamError(new CopyOutQuery(sql))
  client.query(query)
  return query
}
