// Which gzip members of an encrypted backup are damaged, when its sha256 no longer matches: the
// object is decrypted as one stream and each member inflated on its own as it passes. age
// authenticates every 64 KiB chunk, so decryption stops at the first damaged one; the member it falls
// in is reported as not decrypting, and the members after it as unreadable.
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { isPgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'

type Member = BackupManifest['members'][number]

export interface MemberDamage {
  member: string
  offset: number
  length: number
  problem: string
}

export async function decryptedMemberDamage(open: () => Promise<NodeJS.ReadableStream> | NodeJS.ReadableStream, members: readonly Member[]): Promise<MemberDamage[]> {
  const damaged: MemberDamage[] = []
  let stopped: string | null = null
  let reader: ByteReader | null = null
  try {
    reader = new ByteReader((await open()) as AsyncIterable<Buffer>)
  } catch (error) {
    stopped = `not decrypted: ${(error as Error).message}`
  }
  for (const member of members) {
    const at = { member: member.label ?? 'script', offset: member.offset, length: member.length }
    if (stopped !== null || reader === null) {
      damaged.push({ ...at, problem: stopped ?? 'not decrypted' })
      continue
    }
    let inflated = 0
    try {
      await reader.skipTo(member.offset)
      const piece = reader.take(member.length)
      await pipeline(
        Readable.from(piece.chunks, { objectMode: false }),
        createGunzip(),
        new Writable({ write: (chunk: Buffer, _e, done) => { inflated += chunk.length; done() } }),
      )
      if (piece.read() < member.length) {
        stopped = 'missing: the decrypted stream ends before it'
        damaged.push({ ...at, problem: piece.read() === 0 ? stopped : `cut short: the decrypted stream ends ${piece.read()} bytes into it` })
        continue
      }
    } catch (error) {
      if (isPgkeepError(error)) {
        // The decryption failed inside this member: nothing after it can be decrypted.
        stopped = 'unreadable: it lies after a chunk that does not decrypt'
        damaged.push({ ...at, problem: `does not decrypt: ${error.message}` })
      } else {
        damaged.push({ ...at, problem: `does not inflate: ${(error as Error).message}` })
      }
      continue
    }
    if (inflated !== member.uncompressed) damaged.push({ ...at, problem: `inflates to ${inflated} bytes instead of ${member.uncompressed}` })
  }
  await reader?.close()
  return damaged
}

/** Reads consecutive byte ranges out of one stream; a range's reader stopping early does not end the stream. */
class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>
  private pending: Buffer | null = null
  private position = 0

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]()
  }

  private async next(): Promise<Buffer | null> {
    if (this.pending) {
      const chunk = this.pending
      this.pending = null
      return chunk
    }
    const next = await this.iterator.next()
    return next.done ? null : next.value
  }

  async skipTo(offset: number): Promise<void> {
    while (this.position < offset) {
      const chunk = await this.next()
      if (chunk === null) return
      const n = Math.min(chunk.length, offset - this.position)
      if (n < chunk.length) this.pending = chunk.subarray(n)
      this.position += n
    }
  }

  /** The next `length` bytes (fewer when the stream ends); `read()` tells how many were delivered. */
  take(length: number): { chunks: AsyncGenerator<Buffer>; read(): number } {
    let read = 0
    const self = this
    const chunks = (async function* () {
      while (read < length) {
        const chunk = await self.next()
        if (chunk === null) return
        const n = Math.min(chunk.length, length - read)
        if (n < chunk.length) self.pending = chunk.subarray(n)
        read += n
        self.position += n
        yield chunk.subarray(0, n)
      }
    })()
    return { chunks, read: () => read }
  }

  async close(): Promise<void> {
    await this.iterator.return?.()
  }
}
