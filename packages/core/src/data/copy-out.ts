// Streams one table's rows with COPY … TO STDOUT on the dump session (inside its snapshot) into the
// script. The server's chunks are gathered into pieces of up to 256 KiB (ScriptOutput.write), and
// reading waits while the destination is full, so memory stays flat whatever the table size.
import { PgkeepError } from '../errors'
import { quoteQualified } from '../emit/quote'
import type { DataSource } from '../emit/toc-entry'
import type { DumpSession } from '../session/dump-session'
import type { ScriptOutput } from '../write/output'
import { copyToStream } from './copy-to-stream'

export interface CopyResult {
  rows: number
  bytes: number
}

type CopySource = Extract<DataSource, { kind: 'copy' }>

export function copyQuery(source: CopySource): string {
  const qual = quoteQualified(source.schema, source.table)
  if (source.filter || source.foreign) {
    const cols = source.columns.length > 2 ? `${source.columns.slice(1, -1)} ` : '* '
    return `COPY (SELECT ${cols}FROM ${qual} ${source.filter ?? ''}) TO stdout;`
  }
  return `COPY ${qual} ${source.columns} TO stdout;`
}

export async function copyOut(
  session: DumpSession,
  source: CopySource,
  output: ScriptOutput,
  onChunk?: (chunk: Buffer) => void,
  signal?: AbortSignal,
): Promise<CopyResult> {
  const stream = copyToStream(session.client, copyQuery(source))
  let bytes = 0
  const abort = () => stream.destroy(new PgkeepError('ABORTED', 'the dump was cancelled'))
  signal?.addEventListener('abort', abort, { once: true })
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length
      onChunk?.(chunk)
      await output.write(chunk)
    }
  } catch (error) {
    throw copyFailure(error, quoteQualified(source.schema, source.table))
  } finally {
    signal?.removeEventListener('abort', abort)
  }
  return { rows: stream.rowCount ?? 0, bytes }
}

/**
 * A failed COPY as a coded error: PERMISSION_DENIED when the server refused the rows (no privilege, or
 * a row-level security policy that row_security = off would bypass), COPY_FAILED otherwise.
 */
export function copyFailure(error: unknown, qual: string): PgkeepError {
  if (error instanceof PgkeepError) return error
  const message = error instanceof Error ? error.message : String(error)
  if ((error as { code?: string }).code === '42501') {
    return new PgkeepError('PERMISSION_DENIED', `unable to copy the data of table ${qual}: ${message}`, {
      cause: error,
      hint: 'dump as the owner of the table or a role with the needed privileges (for example pg_read_all_data, or BYPASSRLS for tables with row-level security)',
    })
  }
  return new PgkeepError('COPY_FAILED', `unable to copy the data of table ${qual}: ${message}`, { cause: error })
}
