// An age-encrypted script file (an encrypted backup's `.sql.gz.age`, downloaded or copied) opened with
// decryption keys, as the manager opens a stored one (age-decrypt.ts): the same errors for a missing or
// wrong key (DECRYPTION_FAILED) and for a damaged file (BACKUP_CORRUPT), checked before anything is read on.
import { open, stat } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import type { BackupManifest } from '../manifest/manifest'
import { fsStorage } from '../storage/fs-storage'
import { AgeDecryptor } from './age-decrypt'
import { DecryptionOptionsSchema, type DecryptionOptions } from './encryption-options'
import { parseOptions } from '../parse-options'

/** The first line of every age file. */
export const AGE_MAGIC = 'age-encryption.org/'

/** Whether the file at `path` is an age file (starts with age's header line). */
export async function isAgeFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(AGE_MAGIC.length)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    return head.subarray(0, bytesRead).toString('latin1') === AGE_MAGIC
  } finally {
    await handle.close()
  }
}

/**
 * Opens the age file at `path` with `decryption` (a passphrase, or identities `AGE-SECRET-KEY-1…`): unwraps
 * its file key now (DECRYPTION_FAILED when no key given opens it) and answers with an opener of the
 * decrypted bytes (the gzip script), for restore() and listScript().
 */
export async function openAgeFile(path: string, decryption: DecryptionOptions): Promise<() => Promise<NodeJS.ReadableStream>> {
  const file = resolve(path)
  const handle = await open(file, 'r')
  let header: Buffer
  try {
    const head = Buffer.alloc(4096)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    header = head.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
  const decryptor = looseAgeDecryptor(fsStorage({ dir: dirname(file) }), { name: basename(file), size: (await stat(file)).size, header }, decryption)
  await decryptor.fileKey()
  return decryptor.open({ bytes: 0 })
}

/**
 * An AgeDecryptor for an age file outside any backup (a file, stdin), read through `reader` under `name`:
 * AgeDecryptor reads an object of a storage by its manifest, so it gets what a manifest would say of the
 * file; the stanza type in its `header` says which kind of key opens it (a passphrase: scrypt, which is
 * then the only stanza).
 */
export function looseAgeDecryptor(reader: ConstructorParameters<typeof AgeDecryptor>[0], file: { name: string; size: number; header: Buffer }, decryption: DecryptionOptions): AgeDecryptor {
  const keys = parseOptions(DecryptionOptionsSchema, decryption, 'decryption')
  const method = /^-> scrypt /m.test(file.header.subarray(0, 4096).toString('latin1')) ? 'scrypt' : 'x25519'
  const described = { id: file.name, filename: file.name, storagePath: file.name, size: file.size, encryption: { format: 'age', method, recipients: [] } } as unknown as BackupManifest
  return new AgeDecryptor(reader, described, { passphrase: keys.passphrase ?? null, identities: keys.identities ?? [] })
}
