// A stored backup as a restore source: the whole object, or, for a selective restore, only the gzip
// members it needs (the unlabelled ones with the definitions, sequence values and post-data, plus the
// chosen tables' rows), fetched by ranged reads. Counts every byte read from storage.
import { Readable } from 'node:stream'
import type { BackupManifest } from '../manifest/manifest'
import type { StorageDriver } from '../storage/driver'
import { TABLE_LABEL } from './create-backup'

export interface ByteCounter {
  bytes: number
}

type Member = BackupManifest['members'][number]

/** Opens the whole backup object. */
export function wholeBackup(storage: StorageDriver, manifest: BackupManifest, counter: ByteCounter): () => Promise<NodeJS.ReadableStream> {
  return async () => counted(await storage.get(manifest.storagePath), counter)
}

/** Opens the members for a restore of `tables` (names as `schema.table` or `table`); data members of other tables and large objects are skipped. */
export function tableMembers(storage: StorageDriver, manifest: BackupManifest, tables: readonly string[], counter: ByteCounter, withData = true): () => Promise<NodeJS.ReadableStream> {
  const chosen = chosenMembers(manifest, tables, withData)
  return async () => Readable.from(readMembers(storage, manifest.storagePath, chosen, counter))
}

/** The members a restore of `tables` needs: the unlabelled ones, and (withData) those tables' rows. */
export function chosenMembers(manifest: BackupManifest, tables: readonly string[], withData = true): Member[] {
  const wanted = (label: string) => {
    const qualified = label.slice(TABLE_LABEL.length)
    return tables.some((t) => (t.includes('.') ? qualified === t : qualified.slice(qualified.indexOf('.') + 1) === t))
  }
  return manifest.members.filter((m) => m.label === null || (withData && m.label.startsWith(TABLE_LABEL) && wanted(m.label)))
}

async function* readMembers(storage: StorageDriver, key: string, members: Member[], counter: ByteCounter): AsyncGenerator<Buffer> {
  // Adjacent members are read in one request.
  const ranges: { start: number; end: number }[] = []
  for (const m of members) {
    if (m.length === 0) continue
    const last = ranges.at(-1)
    if (last && last.end + 1 === m.offset) last.end = m.offset + m.length - 1
    else ranges.push({ start: m.offset, end: m.offset + m.length - 1 })
  }
  for (const range of ranges) {
    for await (const chunk of (await storage.get(key, range)) as AsyncIterable<Buffer>) {
      counter.bytes += chunk.length
      yield chunk
    }
  }
}

function counted(stream: NodeJS.ReadableStream, counter: ByteCounter): NodeJS.ReadableStream {
  return Readable.from((async function* () {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      counter.bytes += chunk.length
      yield chunk
    }
  })())
}
