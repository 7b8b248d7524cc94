// s3Storage(): objects in an S3 bucket through the minio client, so MinIO, AWS S3, Cloudflare R2 and other
// S3-compatible stores work. The bucket is created (private: no policy is ever set) on the first put when
// missing; reads never make it (assertExists() tells a missing bucket from an empty one). Puts are
// multipart uploads of bounded memory (s3-upload.ts); lists page with start-after.
import type { Readable } from 'node:stream'
import { PgkeepError } from '../errors'
import { abortable, throwIfAborted } from './abort'
import { releasingBody, type PutBody } from './body'
import type { ByteRange, LifecycleRule, LifecycleRuleResult, PutOptions, StorageDriver, StoredObject } from './driver'
import { isValidKey, MAX_KEY_BYTES, validateKey, validatePrefix } from './key'
import { mapStreamErrors } from './read-stream'
import { rangeNotSatisfiable, validateRange } from './range'
import { createS3Client } from './s3-client'
import { s3Code, s3Error } from './s3-errors'
import { mergeLifecycle, ruleId } from './s3-lifecycle'
import { exactRange } from './s3-range'
import { resolveS3Options, type S3StorageOptions } from './s3-options'
import { planParts } from './s3-part-size'
import { uploadBody } from './s3-upload'

export type { S3StorageOptions } from './s3-options'

/** S3's longest presigned URL lifetime: 7 days. */
export const MAX_PRESIGN_SECONDS = 604_800

/**
 * @example
 * const storage = s3Storage({ endPoint: 'minio.internal', port: 9000, useSSL: false, accessKey, secretKey, bucket: 'kostman-backups' })
 * await storage.put('2026/kostman-backup.sql.gz', dumpStream, { contentType: 'application/gzip' })
 */
export function s3Storage(input: S3StorageOptions): StorageDriver {
  const options = resolveS3Options(input)
  const s3 = createS3Client(options)
  const { bucket, prefix } = options
  const plan = planParts(options.partSizeBytes)
  // `[::1]:9000` for an IPv6 address, so that its port stands apart
  const host = options.endPoint.includes(':') ? `[${options.endPoint}]` : options.endPoint
  const endpoint = `${host}${options.port === undefined ? '' : `:${options.port}`}`
  const fail = (action: string) => (error: unknown) => s3Error(error, { action, endpoint, secretKey: options.secretKey })
  const at = (key: string) => `${JSON.stringify(key)} in bucket ${JSON.stringify(bucket)}`

  const objectName = (key: string): string => {
    validateKey(key)
    const name = prefix + key
    if (Buffer.byteLength(name, 'utf8') > MAX_KEY_BYTES) {
      throw new PgkeepError('STORAGE_INVALID', `invalid storage key ${JSON.stringify(key)}: with the prefix ${JSON.stringify(prefix)} it is longer than ${MAX_KEY_BYTES} bytes`)
    }
    return name
  }

  let bucketReady: Promise<void> | undefined
  const ensureBucket = (): Promise<void> =>
    (bucketReady ??= createBucketIfMissing().catch((error: unknown) => {
      bucketReady = undefined // try again on the next put
      throw fail(`unable to use bucket ${JSON.stringify(bucket)}`)(error)
    }))
  const createBucketIfMissing = async (): Promise<void> => {
    const client = await s3.ready()
    if (await client.bucketExists(bucket)) return
    try {
      await client.makeBucket(bucket, options.region ?? '')
    } catch (error) {
      // created meanwhile by another process
      if (s3Code(error) !== 'BucketAlreadyOwnedByYou') throw error
    }
  }

  return {
    kind: 's3',

    put: (key: string, body: PutBody, putOptions: PutOptions = {}): Promise<StoredObject> => releasingBody(body, async () => {
      const { signal, contentType = 'application/octet-stream' } = putOptions
      const name = objectName(key)
      const client = await s3.ready()
      throwIfAborted(key, signal)
      // the signal stops the wait, not the bucket's creation, which other puts may share
      await abortable(key, ensureBucket(), signal)
      const action = `unable to upload ${at(key)} at ${endpoint}`
      const size = await uploadBody({ s3, bucket, name, key, contentType, plan, signal, fail: fail(action) }, body)
      let stored
      try {
        stored = await client.statObject(bucket, name)
      } catch (error) {
        throw fail(`${action}: the upload finished but the object cannot be read back`)(error)
      }
      if (stored.size !== size) {
        await client.removeObject(bucket, name).catch(() => {})
        throw new PgkeepError('STORAGE_FAILED', `${action}: ${size} bytes were sent but ${stored.size} are stored; the object was removed`)
      }
      return { key, size, modifiedAt: stored.lastModified }
    }),

    async get(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
      const name = objectName(key)
      const client = await s3.ready()
      validateRange(key, range)
      const action = `unable to read ${at(key)} at ${endpoint}`
      let stream: Readable
      try {
        // a Range header on every ranged read, also from byte 0, so that S3 checks it against the size
        stream = await s3.naming('the download', async () => range
          ? exactRange(await client.getPartialObject(bucket, name, range.start, (range.end ?? Number.MAX_SAFE_INTEGER - 1) - range.start + 1), key, range)
          : client.getObject(bucket, name))
      } catch (error) {
        const code = s3Code(error)
        if (code === 'InvalidRange' && range) throw rangeNotSatisfiable(key, range.start)
        if (code === 'NoSuchBucket') throw noBucket(bucket, endpoint, error)
        if (NOT_FOUND.has(code)) throw notFound(key, bucket)
        throw fail(action)(error)
      }
      // silence while the reader wants bytes fails it as 'the download stalled' (s3-client.ts)
      return mapStreamErrors(stream, fail(action))
    },

    async stat(key: string): Promise<StoredObject | null> {
      const name = objectName(key)
      const client = await s3.ready()
      try {
        const info = await client.statObject(bucket, name)
        return { key, size: info.size, modifiedAt: info.lastModified }
      } catch (error) {
        if (NOT_FOUND.has(s3Code(error))) return null
        throw fail(`unable to stat ${at(key)} at ${endpoint}`)(error)
      }
    },

    async *list(listPrefix: string): AsyncIterable<StoredObject> {
      validatePrefix(listPrefix)
      const client = await s3.ready()
      const action = `unable to list ${JSON.stringify(listPrefix)} in bucket ${JSON.stringify(bucket)} at ${endpoint}`
      // pages follow the last name with start-after, which every S3 store supports
      for (let startAfter = ''; ; ) {
        let page
        try {
          page = await s3.naming(`the listing of bucket ${JSON.stringify(bucket)}`, () =>
            client.listObjectsV2Query(bucket, prefix + listPrefix, '', '', options.listPageSize, startAfter))
        } catch (error) {
          // nothing stored yet (a put makes the bucket); a reader that must not take a typo for that asks assertExists()
          if (s3Code(error) === 'NoSuchBucket') return
          throw fail(action)(error)
        }
        let last = ''
        for (const object of page.objects) {
          if (!object.name) continue
          last = object.name
          const key = object.name.slice(prefix.length)
          // folder markers (`a/`) and names no key can have are not objects of this driver
          if (!object.name.startsWith(prefix) || !isValidKey(key)) continue
          yield { key, size: Number(object.size), modifiedAt: object.lastModified }
        }
        if (!page.isTruncated || last === '') return
        startAfter = last
      }
    },

    async remove(key: string): Promise<void> {
      const name = objectName(key)
      const client = await s3.ready()
      try {
        await client.removeObject(bucket, name)
      } catch (error) {
        if (NOT_FOUND.has(s3Code(error))) return
        throw fail(`unable to remove ${at(key)} at ${endpoint}`)(error)
      }
    },

    async assertExists(): Promise<void> {
      const client = await s3.ready()
      let exists: boolean
      try {
        exists = await client.bucketExists(bucket)
      } catch (error) {
        throw fail(`unable to look for bucket ${JSON.stringify(bucket)} at ${endpoint}`)(error)
      }
      if (!exists) throw noBucket(bucket, endpoint)
    },

    async presign(key: string, expiresInSeconds: number): Promise<string> {
      const name = objectName(key)
      const client = await s3.ready()
      if (!(Number.isInteger(expiresInSeconds) && expiresInSeconds >= 1 && expiresInSeconds <= MAX_PRESIGN_SECONDS)) {
        throw new PgkeepError('STORAGE_INVALID', `unable to presign ${at(key)}: expiresInSeconds must be a whole number from 1 to ${MAX_PRESIGN_SECONDS} (7 days)`)
      }
      try {
        return await client.presignedGetObject(bucket, name, expiresInSeconds)
      } catch (error) {
        throw fail(`unable to presign ${at(key)} at ${endpoint}`)(error)
      }
    },

    async setLifecycleRule(keyPrefix: string, rule: LifecycleRule | null): Promise<LifecycleRuleResult> {
      validatePrefix(keyPrefix)
      const name = prefix + keyPrefix
      const client = await s3.ready()
      const action = `unable to set the lifecycle rule of ${JSON.stringify(name)} in bucket ${JSON.stringify(bucket)}`
      let existing: unknown
      try {
        await ensureBucket()
        existing = await client.getBucketLifecycle(bucket)
      } catch (error) {
        if (s3Code(error) !== 'NoSuchLifecycleConfiguration') throw fail(action)(error)
        existing = null
      }
      const rules = mergeLifecycle(existing, name, rule, bucket)
      try {
        await client.setBucketLifecycle(bucket, rules.length > 0 ? { Rule: rules } : null)
      } catch (error) {
        throw fail(action)(error)
      }
      return { id: ruleId(name), prefix: name, rule, bucketRules: rules.length }
    },
  }
}

// --- internal ---

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket'])

function notFound(key: string, bucket: string): PgkeepError {
  return new PgkeepError('STORAGE_NOT_FOUND', `no object ${JSON.stringify(key)} in bucket ${JSON.stringify(bucket)}`)
}

function noBucket(bucket: string, endpoint: string, cause?: unknown): PgkeepError {
  return new PgkeepError('STORAGE_NOT_FOUND', `the bucket ${JSON.stringify(bucket)} does not exist at ${endpoint}`, {
    hint: 'check the bucket name and the endpoint; the bucket is created by the first backup, never by listing, downloading or restoring',
    ...(cause === undefined ? {} : { cause }),
  })
}
