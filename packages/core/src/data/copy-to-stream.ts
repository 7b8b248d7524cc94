// A `COPY … TO STDOUT` query as a readable stream that always reports its failure to whoever reads it.
//
// pg-copy-streams reports a connection that ends under a running COPY by emitting 'error' on the
// stream itself (CopyToStream.handleError) instead of destroying it. Emitted while nobody listens (the
// stream was made but not read yet, as when a parallel dump fails while a worker is still writing its
// table's header), that 'error' is an uncaught exception that takes the whole process down; emitted
// before the first read, it leaves the reader waiting for rows that never come. Here the stream always
// has a listener, and the error destroys it, so a later read fails at once with that error.
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'

export type CopyToStream = ReturnType<typeof copyTo>

export function copyToStream(client: pg.Client, sql: string): CopyToStream {
  const stream = client.query(copyTo(sql))
  stream.on('error', (error) => stream.destroy(error))
  return stream
}
