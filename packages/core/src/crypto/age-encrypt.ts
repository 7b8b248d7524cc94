// Encrypts a backup's gzip stream into a standard age file (https://age-encryption.org/v1) with
// age-encryption (typage): a passphrase (scrypt) or X25519 recipients. Streaming: age seals 64 KiB
// chunks one after the other (ChaCha20-Poly1305, the last one flagged), so memory holds a chunk or
// two, never the backup. `age -d` decrypts the result without pgkeep. The passphrase's scrypt runs on
// node:crypto (scrypt-stanza.ts).
import { Readable } from 'node:stream'
import { PgkeepError } from '../errors'
import type { EncryptionSettings } from './encryption-options'
import { loadAge } from './load-age'
import { ScryptRecipient } from './scrypt-stanza'
import { fromWebStream, toWebStream } from './web-stream'

/** The age file of `plain`, as a readable with backpressure; errors of `plain` come out of it. */
export function encryptStream(plain: AsyncIterable<Buffer>, settings: EncryptionSettings): Readable {
  return Readable.from(sealed(plain, settings), { objectMode: false })
}

async function* sealed(plain: AsyncIterable<Buffer>, settings: EncryptionSettings): AsyncGenerator<Buffer> {
  const { Encrypter } = await loadAge()
  const encrypter = new Encrypter()
  try {
    if (settings.recipients) for (const recipient of settings.recipients) encrypter.addRecipient(recipient)
    else encrypter.addRecipient(new ScryptRecipient(settings.passphrase))
  } catch (error) {
    // typage's messages name no key ("invalid recipient"); the options were validated before.
    throw new PgkeepError('OPTIONS_INVALID', `unable to encrypt the backup: ${(error as Error).message}`, { cause: error })
  }
  yield* fromWebStream(await encrypter.encrypt(toWebStream(plain)))
}
