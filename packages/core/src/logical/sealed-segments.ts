// The change archive's segments sealed like the manager's backups: a storage wrapper that encrypts each
// segment's data (`….changes.gz`) with the manager's `encryption` (an age file, as a backup is) as it is
// stored and decrypts it as it is read, and signs each segment manifest (`….segment.json`) with the
// manager's signing key as it is stored and checks its signature as it is read, by the rules backups
// follow (manager/trust.ts). Every other key passes through untouched. change-segment.ts writes and
// reads through it unchanged, so the manifest's `size` and `sha256` are those of the gzip data before
// encryption (checked after decryption, and covered by the signature); `encryption.size` and
// `encryption.sha256` are those of the stored age file.
//
// An encrypted segment's manifest also holds the relations (table definitions: names, columns, types;
// never rows) of its data's first line, so that an archiver resuming a chain learns them without a key
// that opens the data (encrypted to recipients, the archiver holds only their public keys).
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { constants, gunzipSync, gzipSync } from 'node:zlib'
import { encryptStream } from '../crypto/age-encrypt'
import { manifestEncryption, type DecryptionKeys, type EncryptionSettings, type ManifestEncryption } from '../crypto/encryption-options'
import { loadAge } from '../crypto/load-age'
import { ScryptIdentity } from '../crypto/scrypt-stanza'
import { fromWebStream, toWebStream } from '../crypto/web-stream'
import { isPgkeepError, PgkeepError } from '../errors'
import { checkSignature, signManifest, type ManifestSignature } from '../manifest/sign-manifest'
import type { SigningKeys } from '../manifest/signing-options'
import type { StorageDriver } from '../storage/driver'
import type { Relation, SegmentManifest } from './change-segment'

/** A segment manifest as this layer stores it. */
export type SealedSegmentManifest = SegmentManifest & {
  /** Present when the data is an age file: how it was encrypted (never with what), and the stored file's size and sha256. */
  encryption?: ManifestEncryption & { size: number; sha256: string }
  /** The relations line of encrypted data, in the clear (see above). */
  relations?: Relation[]
  signature?: ManifestSignature
}

export interface SegmentSeal {
  /** Encrypts the data of segments stored from now on. */
  encryption?: EncryptionSettings | undefined
  /** Signs manifests stored from now on with `key`; checks those read against `verifiers` (`require`: unsigned ones are refused). */
  signing?: SigningKeys | undefined
  /** What opens encrypted data when it is read. */
  decryption?: DecryptionKeys | undefined
  /**
   * For the archiver: a read of encrypted data whose manifest holds its relations yields (gzip'd) just
   * that relations line, without decrypting; only readSegmentRelations() may read through it. Manifests
   * are not checked then (the archiver reads back what it wrote, and one of a chain archived before
   * signing must not stop it).
   */
  relationsFromManifests?: boolean
  /** Called once, on the first unsigned manifest read while signing is configured and not required. */
  onUnsigned?: (manifestKey: string) => void
}

const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n', 'latin1')
/** The age header sits at the start; 64 KiB holds it for hundreds of recipients. */
const HEAD_BYTES = 64 * 1024
/** How much gzip data is looked at for the relations line (a line this long is a schema of thousands of tables). */
const MAX_HEAD_GZIP = 16 * 1024 * 1024
const DATA = /\.changes\.gz$/
const MANIFEST = /\.segment\.json$/

export function isSegmentData(key: string): boolean {
  return DATA.test(key)
}

export function sealedSegments(storage: StorageDriver, seal: SegmentSeal): StorageDriver {
  // What a data put saw, for the manifest put that follows it (change-segment.ts stores the data first).
  const stored = new Map<string, { relations: Relation[] | null; encryption: SealedSegmentManifest['encryption'] }>()
  // File keys unwrapped (a passphrase's scrypt costs a second): a restore reads each segment twice.
  const fileKeys = new Map<string, Promise<Uint8Array>>()
  let unsignedSeen = false

  // every other method is the storage's own, called on it
  const wrapper: StorageDriver = {
    kind: storage.kind,
    put: (key, body, options) => storage.put(key, body, options),
    get: (key, range) => storage.get(key, range),
    stat: (key) => storage.stat(key),
    list: (prefix) => storage.list(prefix),
    remove: (key) => storage.remove(key),
    ...(storage.listIncomplete ? { listIncomplete: storage.listIncomplete.bind(storage) } : {}),
    ...(storage.removeIncomplete ? { removeIncomplete: storage.removeIncomplete.bind(storage) } : {}),
    ...(storage.presign ? { presign: storage.presign.bind(storage) } : {}),
    ...(storage.setLifecycleRule ? { setLifecycleRule: storage.setLifecycleRule.bind(storage) } : {}),
  }

  wrapper.put = async (key, body, options) => {
    if (DATA.test(key) && seal.encryption) {
      const settings = seal.encryption
      const head = firstLine()
      const hash = createHash('sha256')
      let size = 0
      const plain = (async function* () {
        for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
          const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk)
          head.push(buffer)
          yield buffer
        }
      })()
      const sealed = (async function* () {
        for await (const chunk of encryptStream(plain, settings) as AsyncIterable<Buffer>) {
          hash.update(chunk)
          size += chunk.length
          yield chunk
        }
      })()
      const result = await storage.put(key, sealed, { ...options, contentType: 'application/octet-stream' })
      stored.set(key.replace(DATA, '.segment.json'), {
        relations: head.relations(),
        encryption: { ...manifestEncryption(settings), size, sha256: hash.digest('hex') },
      })
      return result
    }
    if (MANIFEST.test(key) && (seal.encryption || seal.signing)) {
      const text = await readAll(body as AsyncIterable<Uint8Array>)
      let manifest = JSON.parse(text.toString('utf8')) as SealedSegmentManifest
      const data = stored.get(key)
      stored.delete(key)
      if (data?.encryption) {
        manifest = { ...manifest, encryption: data.encryption, ...(data.relations ? { relations: data.relations } : {}) }
      }
      if (seal.signing) manifest = signManifest(manifest, seal.signing)
      return storage.put(key, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]), options)
    }
    return storage.put(key, body, options)
  }

  wrapper.get = async (key, range) => {
    if (MANIFEST.test(key) && seal.signing && !seal.relationsFromManifests) {
      const text = await readAll((await storage.get(key)) as AsyncIterable<Uint8Array>)
      checkTrust(key, parseManifest(key, text))
      return sliced(Readable.from([text]), range)
    }
    if (!DATA.test(key)) return storage.get(key, range)
    const manifestKey = key.replace(DATA, '.segment.json')
    if (seal.relationsFromManifests) {
      const manifest = parseManifest(manifestKey, await readAll((await wrapper.get(manifestKey)) as AsyncIterable<Uint8Array>))
      if (manifest.encryption && manifest.relations) {
        return sliced(Readable.from([gzipSync(Buffer.from(`${JSON.stringify({ relations: manifest.relations })}\n`))]), range)
      }
    }
    const head = await readAll((await storage.get(key, { start: 0, end: HEAD_BYTES - 1 })) as AsyncIterable<Uint8Array>)
    if (!head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC)) return storage.get(key, range)
    let fileKey = fileKeys.get(key)
    if (!fileKey) {
      fileKey = unwrap(key, head)
      fileKeys.set(key, fileKey)
      fileKey.catch(() => fileKeys.delete(key))
    }
    const opened = await fileKey
    return sliced(Readable.from(decrypted(key, opened), { objectMode: false }), range)
  }

  function checkTrust(key: string, manifest: SealedSegmentManifest): void {
    const signing = seal.signing!
    const name = `change segment manifest ${key}`
    const check = checkSignature(manifest, signing.verifiers)
    switch (check.status) {
      case 'valid':
        return
      case 'unsigned':
        if (signing.require) {
          throw new PgkeepError('BACKUP_UNTRUSTED', `${name} is unsigned, and signing is required: refusing to replay it`, {
            hint: 'only segments signed with the signing key (or one of previousKeys) are replayed; turn signing.require off (PGKEEP_REQUIRE_SIGNATURE=0) to replay segments archived before signing, if you trust where they came from',
          })
        }
        if (!unsignedSeen) {
          unsignedSeen = true
          seal.onUnsigned?.(key)
        }
        return
      case 'unknown-key':
        throw new PgkeepError('BACKUP_UNTRUSTED', `${name} is signed with key id ${check.keyId}, which is not among the configured keys (${[...signing.verifiers.keys()].join(', ')}): refusing to replay it`, {
          hint: 'if that key is yours (a key from before a rotation), add it to signing.previousKeys (PGKEEP_SIGNING_KEYS_OLD)',
        })
      case 'tampered':
        throw new PgkeepError('BACKUP_UNTRUSTED', `${name} was tampered with: it does not match its signature (key id ${check.keyId}): refusing to replay it`, {
          hint: 'someone who can write the storage changed the manifest, or it was damaged; restore to a point before this segment, or do not restore this chain',
        })
    }
  }

  async function unwrap(key: string, head: Buffer): Promise<Uint8Array> {
    const keys = seal.decryption ?? { passphrase: null, identities: [] }
    const scrypt = head.includes('\n-> scrypt ')
    if (scrypt ? keys.passphrase === null : keys.identities.length === 0) {
      throw new PgkeepError('DECRYPTION_FAILED', `change segment ${key} is encrypted with age (${scrypt ? 'a passphrase' : 'X25519 recipients'}) and no ${scrypt ? 'passphrase' : 'identity'} was given to open it`, {
        hint: hint(scrypt),
      })
    }
    const { Decrypter } = await loadAge()
    const decrypter = new Decrypter()
    if (keys.passphrase !== null) decrypter.addIdentity(new ScryptIdentity(keys.passphrase))
    for (const identity of keys.identities) decrypter.addIdentity(identity)
    try {
      return await decrypter.decryptHeader(head)
    } catch (error) {
      throw failure(key, error, null, scrypt)
    }
  }

  async function* decrypted(key: string, fileKey: Uint8Array): AsyncGenerator<Buffer> {
    const { Decrypter } = await loadAge()
    const decrypter = new Decrypter()
    decrypter.addIdentity({ unwrapFileKey: () => fileKey })
    const raw = (await storage.get(key)) as AsyncIterable<Buffer>
    let position = 0
    try {
      for await (const chunk of fromWebStream(await decrypter.decrypt(toWebStream(raw)))) {
        position += chunk.length
        yield chunk
      }
    } catch (error) {
      throw failure(key, error, position, false)
    }
  }

  return wrapper
}

/** The PgkeepError for what typage threw; `position` is the decrypted offset reached (null: the header). */
function failure(key: string, error: unknown, position: number | null, scrypt: boolean): PgkeepError {
  if (isPgkeepError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  if (message.startsWith('no identity matched')) {
    return new PgkeepError('DECRYPTION_FAILED', `unable to decrypt change segment ${key}: ${scrypt ? 'the passphrase given does not open it' : 'none of the identities given opens it'} (wrong key, or its age header is damaged)`, {
      cause: error, hint: hint(scrypt),
    })
  }
  const where = position === null ? 'its age header' : `decrypted byte ${position}`
  return new PgkeepError('BACKUP_CORRUPT', `change segment ${key} does not decrypt at ${where} (${message}): the stored object was modified, truncated or damaged`, { cause: error })
}

function hint(scrypt: boolean): string {
  return scrypt
    ? 'give the backup manager decryption: { passphrase } (default: encryption.passphrase; pgkeep: PGKEEP_DECRYPTION_PASSPHRASE) with the passphrase the archive was written with'
    : "give the backup manager decryption: { identities: ['AGE-SECRET-KEY-1…'] } (pgkeep: --identity <key file>) with the secret key of one of the recipients the archive was encrypted to"
}

function parseManifest(key: string, text: Buffer): SealedSegmentManifest {
  try {
    return JSON.parse(text.toString('utf8')) as SealedSegmentManifest
  } catch (error) {
    throw new PgkeepError('BACKUP_CORRUPT', `change segment manifest ${key} is not valid JSON`, { cause: error })
  }
}

async function readAll(body: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  return Buffer.concat(chunks)
}

/** The first line of a gzip stream seen chunk by chunk, decoded as `{ relations }` (null when there is none). */
function firstLine(): { push(chunk: Buffer): void; relations(): Relation[] | null } {
  const chunks: Buffer[] = []
  let bytes = 0
  let line: string | null = null
  return {
    push(chunk) {
      if (line !== null || bytes > MAX_HEAD_GZIP) return
      chunks.push(chunk)
      bytes += chunk.length
      try {
        const text = gunzipSync(Buffer.concat(chunks), { finishFlush: constants.Z_SYNC_FLUSH })
        const end = text.indexOf(10)
        if (end >= 0) line = text.subarray(0, end).toString('utf8')
      } catch {
        bytes = MAX_HEAD_GZIP + 1 // not gzip: no relations to keep
      }
    },
    relations() {
      if (line === null) return null
      try {
        const parsed = JSON.parse(line) as { relations?: Relation[] }
        return Array.isArray(parsed.relations) ? parsed.relations : null
      } catch {
        return null
      }
    },
  }
}

/** Bytes [start, end] of a stream (the whole stream without a range). */
function sliced(stream: NodeJS.ReadableStream, range: { start: number; end?: number } | undefined): NodeJS.ReadableStream {
  if (!range) return stream
  const { start, end = Infinity } = range
  return Readable.from((async function* () {
    let position = 0
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const from = Math.max(start - position, 0)
      const to = Math.min(end + 1 - position, chunk.length)
      if (to > from) yield chunk.subarray(from, to)
      position += chunk.length
      if (position > end) return
    }
  })(), { objectMode: false })
}
