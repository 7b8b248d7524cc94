// A plain (unencrypted) pgkeep backup read by members, for a parallel restore: the leader scans a
// script made of the members that are not a table's data (definitions, sequence values, large objects,
// post-data), read by ranged reads and inflated, with a marker line where each table's member lies;
// each table's member is read, by a ranged read of its own, by the worker session that loads it
// (restore/member-copy.ts). With a signed manifest every range is checked against the members' signed
// sha256 as it is read. Byte counts go to `counter`, as for the other sources.
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { createScriptGunzip } from '../restore/script-gunzip'
import { PgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'
import { memberMarker, type RangedMembers } from '../restore/member-item'
import type { StorageDriver } from '../storage/driver'
import { chosenMembers, type ByteCounter } from './backup-source'
import { checkedMembers } from './checked-source'
import { TABLE_LABEL } from './create-backup'

type Member = BackupManifest['members'][number]
type Opener = () => Promise<NodeJS.ReadableStream>

export interface MemberScript {
  /** The leader's script (inflated text with the marker lines). */
  leader: Opener
  members: RangedMembers
}

/** Whether the backup can be read by members: not encrypted (its offsets are in the decrypted stream), and with table members. */
export function readableByMembers(manifest: BackupManifest): boolean {
  return !manifest.encryption && manifest.tables.some((t) => t.member.length > 0)
}

/**
 * The backup by members. With `tables` (a selective restore), only the members chosenMembers() picks
 * are read: the definitions and those tables' data.
 */
export function memberScript(storage: StorageDriver, manifest: BackupManifest, counter: ByteCounter, options: { checked: boolean; tables?: readonly string[] }): MemberScript {
  const nonce = randomBytes(12).toString('hex')
  const open = (members: readonly Member[]): Opener => {
    const read: Opener = async () => {
      const range = { start: members[0]!.offset, end: members.at(-1)!.offset + members.at(-1)!.length - 1 }
      return counted(await storage.get(manifest.storagePath, range), counter)
    }
    return options.checked ? checkedMembers(read, manifest, members) : read
  }
  const ranged: RangedMembers['members'][number][] = []
  // the leader's script, in member order: runs of adjacent non-table members, and a marker per table member
  const parts: (Member[] | number)[] = []
  const tables = options.tables ?? []
  const wanted = new Set(tables.length > 0 ? chosenMembers(manifest, tables) : manifest.members)
  for (const member of manifest.members) {
    if (member.length === 0 || !wanted.has(member)) continue
    const table = tableOf(manifest, member)
    if (table) {
      parts.push(ranged.length)
      ranged.push({
        entry: { name: table.name, type: 'TABLE DATA', schema: table.schema, owner: null, isData: true, isStatistics: false, line: 0 },
        where: `${member.label} (bytes ${member.offset}-${member.offset + member.length - 1})`,
        uncompressed: member.uncompressed,
        open: open([member]),
      })
      continue
    }
    const last = parts.at(-1)
    if (Array.isArray(last) && last.at(-1)!.offset + last.at(-1)!.length === member.offset) last.push(member)
    else parts.push([member])
  }
  const leader: Opener = async () => Readable.from((async function* () {
    for (const part of parts) {
      if (typeof part === 'number') yield Buffer.from(memberMarker(nonce, part))
      else yield* inflate(await open(part)(), part)
    }
  })())
  return { leader, members: { nonce, members: ranged } }
}

// --- internal ---

/** The table whose data `member` holds (matched by the manifest's offsets, not by parsing the label). */
function tableOf(manifest: BackupManifest, member: Member): BackupManifest['tables'][number] | undefined {
  if (!member.label?.startsWith(TABLE_LABEL)) return undefined
  return manifest.tables.find((t) => t.member.offset === member.offset && t.member.length === member.length)
}

/** The members' text; bytes that do not inflate, or to another size than the manifest's, are BACKUP_CORRUPT. */
async function* inflate(raw: NodeJS.ReadableStream, members: readonly Member[]): AsyncGenerator<Buffer> {
  const where = `${members.length === 1 ? 'member' : 'members'} at bytes ${members[0]!.offset}-${members.at(-1)!.offset + members.at(-1)!.length - 1}`
  const expected = members.reduce((n, m) => n + m.uncompressed, 0)
  let inflated = 0
  const gunzip = createScriptGunzip()
  raw.on('error', (error: Error) => gunzip.destroy(error))
  raw.pipe(gunzip)
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      inflated += chunk.length
      yield chunk
    }
  } catch (error) {
    // storage errors and a signed range that does not match are what they are
    if (error instanceof PgkeepError) throw error
    throw new PgkeepError('BACKUP_CORRUPT', `the backup's ${where} is damaged: it does not inflate: ${(error as Error).message}`, { cause: error })
  } finally {
    gunzip.destroy()
    ;(raw as Readable).destroy?.()
  }
  if (inflated !== expected) throw new PgkeepError('BACKUP_CORRUPT', `the backup's ${where} is damaged: it inflates to ${inflated} bytes, the manifest says ${expected}`)
}

function counted(stream: NodeJS.ReadableStream, counter: ByteCounter): NodeJS.ReadableStream {
  return Readable.from((async function* () {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      counter.bytes += chunk.length
      yield chunk
    }
  })())
}
