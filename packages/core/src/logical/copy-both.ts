// pg-copy-streams' CopyBoth query (what START_REPLICATION answers with), which its type package does not declare.
import type { Duplex, DuplexOptions } from 'node:stream'
import type { Submittable } from 'pg'
import * as copyStreams from 'pg-copy-streams'

export type CopyBothStream = Duplex & Submittable

/** `alignOnCopyDataFrame`: each chunk read is one whole CopyData message. */
export const copyBoth = (copyStreams as unknown as {
  both(text: string, options?: DuplexOptions & { alignOnCopyDataFrame?: boolean }): CopyBothStream
}).both
