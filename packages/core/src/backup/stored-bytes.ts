// The bytes on their way to storage: counted, hashed (sha256), and stopped with SIZE_LIMIT_EXCEEDED as
// soon as they pass the limit, so an oversized backup never completes in storage.
import { createHash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { PgkeepError } from '../errors'

export class StoredBytes extends Transform {
  bytes = 0
  private readonly hash = createHash('sha256')

  constructor(private readonly limit: number | null) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    if (this.limit !== null && this.bytes > this.limit) {
      done(new PgkeepError('SIZE_LIMIT_EXCEEDED', `the backup is larger than the limit of ${this.limit} bytes (maxSizeBytes); nothing was stored`, {
        hint: 'raise maxSizeBytes (pgkeep backup --max-size), or back up fewer tables (tables / excludeTableData; -t / --exclude-table-data)',
      }))
      return
    }
    this.hash.update(chunk)
    done(null, chunk)
  }

  /** Hex sha256 of every byte that went through; call once, after the end. */
  digest(): string {
    return this.hash.digest('hex')
  }
}
