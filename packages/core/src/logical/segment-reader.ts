// Reads a stored change segment without holding it in memory. downloadSegment() streams it into a file
// while hashing it and refuses it (BACKUP_CORRUPT) unless its sha256 matches the manifest, so nothing of
// a corrupt segment is ever applied; segmentEvents() then streams that file back through gunzip and a
// line splitter as events (segment-lines.ts), the same for both format versions.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { Transform, pipeline as pipelineCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { StringDecoder } from 'node:string_decoder'
import { createGunzip } from 'node:zlib'
import { PgkeepError, isPgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import type { Lsn } from './lsn'
import { decodeLine, type Relation, type RowChange, type SegmentEvent } from './segment-lines'
import type { SegmentManifest } from './segment-manifest'

/** A version 1 transaction line. */
interface TransactionLine {
  xid: number
  commitLsn: Lsn
  endLsn: Lsn
  commitTime: bigint
  changes: RowChange[]
}

const CHANGE_TAGS = new Set(['insert', 'update', 'delete', 'truncate'])

/** Stores the segment under `key` in the file `path`, checked against the manifest's sha256. */
export async function downloadSegment(storage: StorageDriver, key: string, manifest: SegmentManifest, path: string): Promise<void> {
  const hash = createHash('sha256')
  const source = await storage.get(key)
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      callback(null, chunk)
    },
  })
  await pipeline(source, hashing, createWriteStream(path, { mode: 0o600 }))
  if (hash.digest('hex') !== manifest.sha256) throw new PgkeepError('BACKUP_CORRUPT', `change segment ${key} does not match its manifest's sha256`)
}

/** The events of a segment file that downloadSegment() checked; `key` names it in errors. */
export async function* segmentEvents(path: string, key: string, manifest: SegmentManifest): AsyncGenerator<SegmentEvent, void, undefined> {
  if (manifest.formatVersion !== 1 && manifest.formatVersion !== 2) {
    throw new PgkeepError('BACKUP_CORRUPT', `change segment ${key} has format version ${String(manifest.formatVersion)}, which this pgkeep cannot read (1 or 2)`)
  }
  const gunzip = createGunzip()
  // an error of either stream destroys both and ends the reading below with it
  pipelineCallback(createReadStream(path), gunzip, () => {})
  const corrupt = (what: string) => new PgkeepError('BACKUP_CORRUPT', `change segment ${key} ${what}`)
  let first = true
  let open = false
  try {
    for await (const line of linesOf(gunzip)) {
      if (line === '') continue
      let value: Record<string, unknown>
      try {
        value = decodeLine<Record<string, unknown>>(line)
      } catch (error) {
        throw new PgkeepError('BACKUP_CORRUPT', `change segment ${key} holds a line that is not JSON`, { cause: error })
      }
      if (first) {
        if (!Array.isArray(value.relations)) throw corrupt('does not begin with its relations line')
        first = false
        yield { kind: 'relations', relations: value.relations as Relation[] }
        continue
      }
      if (manifest.formatVersion === 1) {
        const t = value as unknown as TransactionLine
        if (!Array.isArray(t.changes)) throw corrupt('holds a transaction line without changes')
        yield { kind: 'begin', xid: t.xid, commitLsn: t.commitLsn, commitTime: t.commitTime }
        for (const change of t.changes) yield { kind: 'change', change }
        yield { kind: 'commit', endLsn: t.endLsn }
        continue
      }
      const tag = value.tag
      if (tag === 'begin') {
        if (open) throw corrupt('begins a transaction inside another')
        open = true
        yield { kind: 'begin', xid: value.xid as number, commitLsn: value.commitLsn as Lsn, commitTime: value.commitTime as bigint }
      } else if (tag === 'commit') {
        if (!open) throw corrupt('commits a transaction it did not begin')
        open = false
        yield { kind: 'commit', endLsn: value.endLsn as Lsn }
      } else if (typeof tag === 'string' && CHANGE_TAGS.has(tag)) {
        if (!open) throw corrupt('holds a change outside a transaction')
        yield { kind: 'change', change: value as unknown as RowChange }
      } else {
        throw corrupt(`holds a line of an unknown kind (${JSON.stringify(tag)})`)
      }
    }
    if (first) throw corrupt('has no relations line')
    if (open) throw corrupt('ends inside a transaction')
  } catch (error) {
    if (isPgkeepError(error)) throw error
    throw new PgkeepError('BACKUP_CORRUPT', `change segment ${key} cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  } finally {
    gunzip.destroy()
  }
}

// --- internal ---

/** The lines of a byte stream (without their newline), decoded as UTF-8 across chunk boundaries. */
async function* linesOf(source: AsyncIterable<Buffer>): AsyncGenerator<string, void, undefined> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  for await (const chunk of source) {
    rest += decoder.write(chunk)
    let start = 0
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
      yield rest.slice(start, end)
      start = end + 1
    }
    rest = rest.slice(start)
  }
  rest += decoder.end()
  if (rest !== '') yield rest
}
