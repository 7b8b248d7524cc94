// A stored object's bytes, whole: for tests that look at (or tamper with) what a storage holds.
import type { StorageDriver } from '../../src/storage/driver'

export async function readObject(storage: StorageDriver, key: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of (await storage.get(key)) as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}
