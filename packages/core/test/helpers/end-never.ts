// A storage whose reads of backup files never end by themselves: the file's bytes pass, its end-of-file
// is held back. For tests of what a download does (and audits) when the storage's end does not come.
import { PassThrough, type Readable } from 'node:stream'
import type { StorageDriver } from '../../src/index'

export function endNever(driver: StorageDriver): StorageDriver {
  return {
    ...driver,
    async get(key, range) {
      const source = (await driver.get(key, range)) as Readable
      if (!key.endsWith('.sql.gz')) return source
      const out = new PassThrough()
      source.on('data', (chunk: Buffer) => out.write(chunk) || (source.pause(), out.once('drain', () => source.resume())))
      source.on('error', (error) => out.destroy(error))
      out.on('close', () => source.destroy())
      return out
    },
  }
}
