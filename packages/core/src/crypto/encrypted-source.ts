// A stored backup as a restore source, encrypted or not. A plain backup is read as before: the whole
// object, or for a selective restore only the members it needs, by ranged reads. An encrypted one is
// an age file whose member offsets are positions in the decrypted stream, so it is always read whole
// and decrypted; a selective restore then keeps just the bytes of the members it needs.
import { Readable } from 'node:stream'
import { chosenMembers, tableMembers, wholeBackup, type ByteCounter } from '../backup/backup-source'
import type { BackupManifest } from '../manifest/manifest'
import type { StorageDriver } from '../storage/driver'
import { AgeDecryptor } from './age-decrypt'
import type { DecryptionKeys } from './encryption-options'

type Opener = () => Promise<NodeJS.ReadableStream>
type Member = BackupManifest['members'][number]

/**
 * What backups.restore() reads: `source` to apply, `plan` to plan from (the definitions only, for a
 * selective restore). For an encrypted backup the key is unwrapped first, so a wrong key fails with
 * DECRYPTION_FAILED before the target is touched.
 */
export async function restoreSources(storage: StorageDriver, manifest: BackupManifest, tables: readonly string[], counter: ByteCounter, keys: DecryptionKeys): Promise<{ source: Opener; plan: Opener }> {
  if (!manifest.encryption) {
    const source = tables.length > 0 ? tableMembers(storage, manifest, tables, counter) : wholeBackup(storage, manifest, counter)
    return { source, plan: tables.length > 0 ? tableMembers(storage, manifest, tables, counter, false) : source }
  }
  const decryptor = new AgeDecryptor(storage, manifest, keys)
  await decryptor.fileKey()
  const whole = decryptor.open(counter)
  if (tables.length === 0) return { source: whole, plan: whole }
  return { source: onlyMembers(whole, chosenMembers(manifest, tables)), plan: onlyMembers(whole, chosenMembers(manifest, tables, false)) }
}

/**
 * What backups.verify() restores from: the object, decrypted when it is encrypted. The key is not
 * unwrapped here (only its absence fails now): verify checks the object's sha256 first, so that a
 * damaged header is reported as damage, and only an intact object that does not open is a key problem.
 */
export async function verifySource(storage: StorageDriver, manifest: BackupManifest, keys: DecryptionKeys): Promise<Opener> {
  if (!manifest.encryption) return wholeBackup(storage, manifest, { bytes: 0 })
  const decryptor = new AgeDecryptor(storage, manifest, keys)
  if (keys.passphrase === null && keys.identities.length === 0) await decryptor.fileKey()
  return decryptor.open({ bytes: 0 })
}

/** The bytes of `members` (in order) out of the stream `open` yields, skipping the rest. */
function onlyMembers(open: Opener, members: Member[]): Opener {
  const ranges = members.filter((m) => m.length > 0).map((m) => ({ start: m.offset, end: m.offset + m.length }))
  return async () => Readable.from(slice((await open()) as AsyncIterable<Buffer>, ranges), { objectMode: false })
}

async function* slice(stream: AsyncIterable<Buffer>, ranges: { start: number; end: number }[]): AsyncGenerator<Buffer> {
  let position = 0
  let i = 0
  for await (const chunk of stream) {
    const chunkEnd = position + chunk.length
    while (i < ranges.length && ranges[i]!.start < chunkEnd) {
      const { start, end } = ranges[i]!
      const from = Math.max(start, position) - position
      const to = Math.min(end, chunkEnd) - position
      if (to > from) yield chunk.subarray(from, to)
      if (end > chunkEnd) break
      i++
    }
    position = chunkEnd
    if (i >= ranges.length) return
  }
}

/**
 * The definitions of a backup (its unlabelled members: pre-data, sequence values, post-data) without
 * any table's rows: by ranged reads, or for an encrypted backup by decrypting the whole object.
 */
export async function definitionsSource(storage: StorageDriver, manifest: BackupManifest, counter: ByteCounter, keys: DecryptionKeys): Promise<Opener> {
  if (!manifest.encryption) return tableMembers(storage, manifest, [], counter, false)
  const decryptor = new AgeDecryptor(storage, manifest, keys)
  await decryptor.fileKey()
  return onlyMembers(decryptor.open(counter), chosenMembers(manifest, [], false))
}
