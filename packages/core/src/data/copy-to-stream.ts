// COPY query streams that always report their failure to whoever reads them.
//
// pg-copy-streams (whose CopyBothStream the logical replication reads) reports a connection that ends under a running COPY by emitting 'error' on the
// stream itself (handleError in its CopyToStream and CopyBothStream) instead of destroying it. Emitted
// while nobody listens (the stream was made but not read yet, as when a parallel dump fails while a
// worker is still writing its table's header), that 'error' is an uncaught exception that takes the
// whole process down; emitted before the first read, it leaves the reader waiting for rows that never
// come. Here the stream always has a listener, and the error destroys it, so a later read fails at
// once with that error.
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
