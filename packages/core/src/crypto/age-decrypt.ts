// Opens an encrypted backup: unwraps the file key from the age header once (the scrypt of a passphrase
// costs about a second), then decrypts the object as a stream as often as a restore reads it. Errors
// say which side is wrong: DECRYPTION_FAILED when no passphrase or identity given opens the header
// (a wrong key), BACKUP_CORRUPT when the object itself does not authenticate (modified, truncated).
import { Readable } from 'node:stream'
import { isPgkeepError, PgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'
import type { StorageDriver } from '../storage/driver'
import type { DecryptionKeys } from './encryption-options'
import { loadAge } from './load-age'
import { ScryptIdentity } from './scrypt-stanza'
import { fromWebStream, toWebStream } from './web-stream'

/** The age header sits at the start; 64 KiB holds it for hundreds of recipients. */
const HEAD_BYTES = 64 * 1024

/** Header lines typage refuses as malformed (as opposed to a key that does not fit). */
const MALFORMED = /^(invalid (version|stanza|header|non-ASCII|X25519 stanza|scrypt stanza|mlkem768x25519 stanza)|scrypt (recipient is not the only one|work factor is too high)|stream ended before)/

export class AgeDecryptor {
  private key: Promise<Uint8Array> | null = null

  constructor(
    /** Where the object is read: its storage (a file's folder, for openAgeFile; a stream, for decryptAgeStream). */
    private readonly storage: Pick<StorageDriver, 'get'>,
    private readonly manifest: BackupManifest,
    private readonly keys: DecryptionKeys,
  ) {}

  /** The file key, from the header (read once, by a ranged read of its first bytes). */
  fileKey(): Promise<Uint8Array> {
    this.key ??= this.unwrap()
    return this.key
  }

  /** Opens the decrypted object: the gzip stream as it was before encryption. Counts the stored bytes read. */
  open(counter: { bytes: number }): () => Promise<NodeJS.ReadableStream> {
    return async () => {
      await this.fileKey()
      return Readable.from(this.decrypted(counter), { objectMode: false })
    }
  }

  private async unwrap(): Promise<Uint8Array> {
    const { passphrase, identities } = this.keys
    const encryption = this.manifest.encryption!
    // Only the kind of key that can open it counts: identities never open a passphrase-encrypted backup, nor a passphrase one encrypted to recipients.
    const scrypt = encryption.method === 'scrypt'
    if (scrypt ? passphrase === null : identities.length === 0) {
      const instead = scrypt
        ? (identities.length > 0 ? ` (only ${identities.length === 1 ? 'an identity, which opens' : 'identities, which open'} backups encrypted to recipients)` : '')
        : (passphrase !== null ? ' (only a passphrase, which opens passphrase-encrypted backups)' : '')
      throw new PgkeepError('DECRYPTION_FAILED', `backup ${this.manifest.filename} is encrypted with age (${scrypt ? 'a passphrase' : 'X25519 recipients'}) and no ${scrypt ? 'passphrase' : 'identity'} was given to open it${instead}`, {
        hint: this.hint(),
      })
    }
    const { Decrypter } = await loadAge()
    const decrypter = new Decrypter()
    if (passphrase !== null) decrypter.addIdentity(new ScryptIdentity(passphrase))
    for (const identity of identities) decrypter.addIdentity(identity)
    const chunks: Buffer[] = []
    try {
      for await (const chunk of (await this.storage.get(this.manifest.storagePath, { start: 0, end: HEAD_BYTES - 1 })) as AsyncIterable<Buffer>) chunks.push(chunk)
    } catch (error) {
      // the only invalid range of a valid key: one that starts past the end, of an empty object
      if (!isPgkeepError(error, 'STORAGE_INVALID')) throw error
      throw new PgkeepError('BACKUP_CORRUPT', `backup ${this.manifest.filename} is damaged: its stored object is empty, where its manifest says ${this.manifest.size} bytes`, { cause: error })
    }
    try {
      return await decrypter.decryptHeader(Buffer.concat(chunks))
    } catch (error) {
      throw this.failure(error, null)
    }
  }

  private async *decrypted(counter: { bytes: number }): AsyncGenerator<Buffer> {
    const fileKey = await this.fileKey()
    // The key is known: an identity that hands it over. decrypt() still checks the header's MAC with
    // it, so an object swapped since the header was read fails here.
    const { Decrypter } = await loadAge()
    const decrypter = new Decrypter()
    decrypter.addIdentity({ unwrapFileKey: () => fileKey })
    const raw = (await this.storage.get(this.manifest.storagePath)) as AsyncIterable<Buffer>
    const counted = (async function* () {
      for await (const chunk of raw) {
        counter.bytes += chunk.length
        yield chunk
      }
    })()
    let position = 0
    try {
      for await (const chunk of fromWebStream(await decrypter.decrypt(toWebStream(counted)))) {
        position += chunk.length
        yield chunk
      }
    } catch (error) {
      throw this.failure(error, position)
    }
  }

  /** A PgkeepError for what typage threw; `position` is the decrypted offset reached (null: the header). */
  private failure(error: unknown, position: number | null): PgkeepError {
    if (isPgkeepError(error)) return error
    const message = error instanceof Error ? error.message : String(error)
    const name = this.manifest.filename
    if (message.startsWith('no identity matched')) {
      const what = this.manifest.encryption?.method === 'scrypt' ? 'the passphrase given does not' : 'none of the identities given'
      return new PgkeepError('DECRYPTION_FAILED', `unable to decrypt backup ${name}: ${what} open${what.startsWith('none') ? 's' : ''} it (wrong key, or its age header is damaged)`, {
        cause: error, hint: this.hint(),
      })
    }
    if (message === 'invalid header HMAC') {
      return new PgkeepError('BACKUP_CORRUPT', `backup ${name} does not authenticate: its age header was modified (invalid header HMAC)`, {
        cause: error, hint: 'the stored object is not the one that was written; restore another backup',
      })
    }
    if (position === null || MALFORMED.test(message)) {
      return new PgkeepError('BACKUP_CORRUPT', `backup ${name} is not a valid age file (${message})`, { cause: error })
    }
    return new PgkeepError('BACKUP_CORRUPT', `backup ${name} does not authenticate at decrypted byte ${position} (${message}): the stored object was modified, truncated or damaged; nothing after that point was decrypted`, {
      cause: error, hint: 'the stored object is not the one that was written; restore another backup',
    })
  }

  private hint(): string {
    const encryption = this.manifest.encryption!
    return encryption.method === 'scrypt'
      ? 'give the backup manager decryption: { passphrase } (default: encryption.passphrase; pgkeep: PGKEEP_DECRYPTION_PASSPHRASE) with the passphrase the backup was made with'
      : `give the backup manager decryption: { identities: ['AGE-SECRET-KEY-1…'] } (pgkeep: --identity <key file>) with the secret key of ${encryption.recipients.length > 0 ? `one of the recipients ${encryption.recipients.join(', ')}` : 'one of its recipients'}`
  }
}
