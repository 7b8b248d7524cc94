// The storage contract every driver implements (fs, s3, memory), and that one conformance suite checks.
// Objects are named by keys: `/`-separated relative paths, checked by validateKey() in key.ts.

export interface StoredObject {
  key: string
  /** Bytes. */
  size: number
  modifiedAt: Date
}

export interface PutOptions {
  /** MIME type stored with the object where the backend keeps one (s3). @default 'application/octet-stream' */
  contentType?: string
  /** Cancels the put: it rejects with ABORTED and leaves nothing behind. */
  signal?: AbortSignal
}

export interface ByteRange {
  /** First byte, from 0. */
  start: number
  /** Last byte, inclusive. @default the last byte of the object */
  end?: number
}

/** What a put left unfinished because its process died mid-write (SIGKILL, a crash, a power cut): fsStorage's temporary file. */
export interface IncompleteWrite {
  /** The key the put was storing. */
  key: string
  /** The leftover as the backend names it (fsStorage: the temporary file, `<key>.<16 hex digits>.partial`). */
  name: string
  /** Bytes it holds. */
  size: number
  /** When it was last written to. */
  modifiedAt: Date
}

export interface StorageDriver {
  readonly kind: string // 'fs' | 's3' | 'memory'
  /** Atomic: the object appears under `key` only when the whole stream was stored; on any failure (stream error, signal, storage error) nothing stays under `key` and no temp file/upload is left. Length unknown in advance. Resolves with the stored size. */
  put(key: string, body: NodeJS.ReadableStream | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<StoredObject>
  /** A stream of the object, or of bytes [start, end] inclusive. STORAGE_NOT_FOUND when absent. */
  get(key: string, range?: { start: number; end?: number }): Promise<NodeJS.ReadableStream>
  stat(key: string): Promise<StoredObject | null>
  /** Every object whose key starts with prefix, in key order; streams pages, never loads all keys at once. */
  list(prefix: string): AsyncIterable<StoredObject>
  /** Idempotent: removing a missing key is fine. */
  remove(key: string): Promise<void>
  /**
   * What puts left unfinished under `prefix` (their key starts with it), except this driver's puts still
   * running. Only drivers whose leftovers can be listed (fs; an S3 multipart upload is left to a
   * lifecycle rule, see setLifecycleRule).
   */
  listIncomplete?(prefix: string): AsyncIterable<IncompleteWrite>
  /** Removes one leftover that listIncomplete() gave; idempotent. */
  removeIncomplete?(write: IncompleteWrite): Promise<void>
  /**
   * Rejects with STORAGE_NOT_FOUND, naming it, when the place the objects live does not exist (an S3
   * bucket, fsStorage's folder; a put makes it). For a caller that only reads, where a misspelt name is
   * not "no objects": list() answers a missing bucket or folder as an empty one, since a store nothing
   * was written to yet (a new replica, a first backup to come) holds none. Only drivers that can tell
   * (s3, fs).
   */
  assertExists?(): Promise<void>
  /** A URL that downloads the object without credentials for `expiresInSeconds`; only drivers that can. */
  presign?(key: string, expiresInSeconds: number): Promise<string>
  /**
   * Writes (or with `null` removes) the bucket lifecycle rule pgkeep keeps for the keys under `keyPrefix`;
   * the bucket's other pgkeep rules stay, and a bucket with rules pgkeep did not write is left alone
   * (STORAGE_UNSUPPORTED). Only drivers whose backend has lifecycle rules (s3).
   */
  setLifecycleRule?(keyPrefix: string, rule: LifecycleRule | null): Promise<LifecycleRuleResult>
}

/** What pgkeep's lifecycle rule does to the objects under its prefix. */
export interface LifecycleRule {
  /** Abort multipart uploads left unfinished (a process killed mid-upload) this many days after they began. */
  abortIncompleteUploadsAfterDays: number
  /** Expire (delete) objects this many days after they were written; null: never. */
  expireAfterDays: number | null
}

export interface LifecycleRuleResult {
  /** The rule's id in the bucket configuration (`pgkeep:` and the prefix). */
  id: string
  /** The object-name prefix it applies to (the storage prefix and keyPrefix). */
  prefix: string
  rule: LifecycleRule | null
  /** How many pgkeep rules the bucket has now (one per keyPrefix). */
  bucketRules: number
}
