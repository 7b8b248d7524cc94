// Reads a small stored object (a manifest) as UTF-8 text, refusing to buffer more than `limit` bytes.
import { PgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'

export async function readText(storage: StorageDriver, key: string, limit: number): Promise<string> {
  const stream = await storage.get(key)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += buffer.length
    if (size > limit) {
      ;(stream as { destroy?: () => void }).destroy?.()
      throw new PgkeepError('BACKUP_CORRUPT', `${key} is larger than ${limit} bytes; it is not a manifest`)
    }
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
