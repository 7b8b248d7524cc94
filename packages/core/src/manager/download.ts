// openDownload(): a stored backup as a stream, with what an HTTP response needs beside it (filename,
// size, content type, the byte range served). It is audited when the stream ends (success) or fails or
// is closed before its end (failure, with the bytes that went out), not when it opens: a download cut
// off half way is not a download. A download whose every byte (of its range) was taken by the consumer is
// a success even when the consumer closes the stream before the storage's read reports its end: curl,
// wget or a proxy close their connection right after the last byte, often before the file's next read
// sees end-of-file. Closing the stream early closes the storage's file or connection.
// A signed backup read whole (also as a range that covers every byte) is checked against its signed size
// and sha256, which can only happen at the storage's end: its last chunk is held back until that check
// passed, so a download of it whose every byte was handed over is one whose check passed, and one closed
// before (or failing the check) is not a success: ABORTED (or BACKUP_UNTRUSTED).
// A plain (not encrypted) one is also checked member by member before anything of a member goes out
// (member-gate.ts): `download | gunzip | psql` never runs a statement of a changed member. An encrypted
// one is an age file whose members are inside the plaintext: its ciphertext can only be checked whole, at
// its end, so everything but its last chunk goes out before the check (decrypt only once it finished).
// A range of part of a signed backup is not checked (the signature covers the whole object); its audit
// event says `unchecked: true` beside the range.
import { pipeline, Transform, type Readable } from 'node:stream'
import { recordOf, type BackupRecord } from '../backup/backup-record'
import { isPgkeepError, PgkeepError } from '../errors'
import { gcPacer } from '../memory/gc-pacer'
import { checkedStored } from '../backup/checked-source'
import { actorOf, type Actor } from './audit-log'
import type { ManagerContext } from './context'
import { memberGate } from './member-gate'
import { locateBackup } from './replica-fallback'
import { trustBackup } from './trust'

export interface DownloadOptions extends Actor {
  /** Only bytes start..end (inclusive, from 0, as HTTP Range counts them); end past the last byte means the last byte. */
  range?: { start: number; end?: number }
}

export interface BackupDownload {
  record: BackupRecord
  /** The record's file name, for Content-Disposition. */
  filename: string
  /** Bytes of the whole stored object (also with a range). */
  size: number
  /** `application/gzip` for `.sql.gz`, `application/octet-stream` for an encrypted `.sql.gz.age`. */
  contentType: string
  /** The bytes the stream holds, inclusive, when a range was asked for. */
  range?: { start: number; end: number }
  /** The copy read: 'primary', or the replica whose copy is served because the primary's is unreachable or missing. */
  copy: string
  stream: Readable
}

export async function openDownload(ctx: ManagerContext, id: string, o: DownloadOptions = {}): Promise<BackupDownload> {
  const actor = actorOf(o)
  let opened: { record: BackupRecord; range: { start: number; end: number } | undefined; source: Readable; copy: string; checked: boolean; trusted: boolean }
  try {
    const { manifest, storage, copy } = await locateBackup(ctx, id, 'download')
    const trusted = trustBackup(ctx, manifest, 'download')
    const range = o.range === undefined ? undefined : satisfiable(o.range, manifest.id, manifest.size)
    const stored = () => storage.get(manifest.storagePath, range)
    // A whole download of a signed backup fails at its end (BACKUP_UNTRUSTED) when the bytes are not the
    // signed ones; a plain one's members go out one by one, each once its signed sha256 matched.
    const checked = trusted && (!range || (range.start === 0 && range.end === manifest.size - 1))
    const read = (await (checked ? checkedStored(stored, manifest) : stored)()) as Readable
    const source = checked && !manifest.encryption ? memberGate(read, manifest) : read
    // Read from a replica, the primary may not answer for the record's verification and pin: the record is
    // then the replica's manifest alone, its signature still checked with the signing keys.
    const replicaRecord = () => recordOf(manifest, null, false, [], ctx.options.signing?.verifiers)
    opened = { record: copy === 'primary' ? await ctx.record(manifest) : await ctx.record(manifest).catch(replicaRecord), range, source, copy, checked, trusted }
  } catch (error) {
    await ctx.auditOutcome('download', actor, id, { error })
    throw error
  }
  const { record, range, source, copy, checked, trusted } = opened
  const expected = range ? range.end - range.start + 1 : record.size
  // Bytes passed on to the consumer (a held-back last chunk is not, until the check passed).
  let bytes = 0
  // Bytes the consumer took: those that went through, less those still waiting in the stream's buffer
  // when it is destroyed (a consumer that leaves with bytes unread did not get them).
  let handedOver = 0
  // A checked download's last chunk, until its source ends (the check passed).
  let held: Buffer | null = null
  // The stored file comes from the page cache in new buffers as fast as the client takes them: a minor
  // collection every MiB (gcPacing, as a dump's) frees those that went out before they pile up.
  const pacer = gcPacer(ctx.options.gcPacing)
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      pacer.passed(chunk.length)
      if (checked && (held !== null || bytes + chunk.length >= expected)) {
        held = held ? Buffer.concat([held, chunk]) : chunk
        callback()
        return
      }
      bytes += chunk.length
      callback(null, chunk)
    },
    flush(callback) {
      if (held) {
        bytes += held.length
        this.push(held)
        held = null
      }
      callback()
    },
    destroy(error, callback) {
      handedOver = bytes - this.readableLength
      callback(error)
    },
  })
  let settled = false
  let failure: unknown = null
  // a range of part of a signed backup went out unchecked: its event says so
  const detail = () => ({ bytes, ...(range ? { range } : {}), ...(trusted && !checked ? { unchecked: true } : {}) })
  stream.on('error', (error) => { failure ??= error })
  stream.on('end', () => {
    if (settled) return
    settled = true
    void ctx.auditOutcome('download', actor, record.id, { detail: detail() })
  })
  stream.on('close', () => {
    if (settled) return
    settled = true
    // Closed before its end, but after every byte was handed over: the consumer has the whole download.
    // A storage or trust failure (a PgkeepError) stays a failure.
    if (handedOver === expected && !isPgkeepError(failure)) {
      void ctx.auditOutcome('download', actor, record.id, { detail: detail() })
      return
    }
    // A storage failure arrives as a PgkeepError (the drivers map them); anything else is the consumer closing it early.
    const error = isPgkeepError(failure)
      ? failure
      : new PgkeepError('ABORTED', `the download of ${record.filename} was closed after ${bytes} of ${expected} bytes${checked ? ', before its signed sha256 was checked' : ''}`, failure === null ? {} : { cause: failure })
    void ctx.auditOutcome('download', actor, record.id, { error, detail: detail() })
  })
  // pipeline() destroys the source when the consumer destroys the stream, and the stream when the source fails.
  pipeline(source, stream, () => {})
  return {
    record,
    filename: record.filename,
    size: record.size,
    contentType: record.filename.endsWith('.age') ? 'application/octet-stream' : 'application/gzip',
    ...(range ? { range } : {}),
    copy,
    stream,
  }
}

// --- internal ---

/** The range with its end clamped to the last byte, or OPTIONS_INVALID when it is malformed or starts past the end. */
function satisfiable(range: { start: number; end?: number }, id: string, size: number): { start: number; end: number } {
  const { start, end } = range ?? {}
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new PgkeepError('OPTIONS_INVALID', `invalid byte range ${JSON.stringify({ start, end })}: expected whole numbers with 0 ≤ start ≤ end`)
  }
  if (start >= size) {
    throw new PgkeepError('OPTIONS_INVALID', `byte range starting at ${start} is not satisfiable: backup ${id} has ${size} bytes`)
  }
  return { start, end: Math.min(end ?? size - 1, size - 1) }
}
