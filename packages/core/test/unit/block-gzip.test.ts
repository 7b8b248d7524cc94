// gzipBlocks: a stream compressed as gzip members of a block each, several blocks at once. The output
// must be one valid gzip stream holding exactly the input (for node and for gunzip), in order, with no
// more compressions at once than the shared slots allow, and a source failure must end it with that
// failure and give every slot back.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { gzipMemberCount } from '@pgkeep/testkit/gzip-members'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { CompressionSlots, gzipBlocks } from '../../src/compress/block-gzip'
import { CountingSlots } from './counting-slots'

const BLOCK = 64 * 1024

/** Text that compresses like a dump's rows: numbers, words, and some noise. */
function sampleText(bytes: number): Buffer {
  const lines: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const line = `${i}\troom ${i % 317}\t${(i * 7919) % 100000}.00\t${randomBytes(6).toString('hex')}\t2026-12-0${i % 9 + 1}\n`
    lines.push(line)
    size += line.length
  }
  return Buffer.from(lines.join(''), 'utf8')
}

/** The source in chunks of varying size (1 byte to 40 kB), as a COPY stream delivers them. */
async function* chunked(data: Buffer, counter?: { read: number }): AsyncGenerator<Buffer> {
  let at = 0
  for (let i = 0; at < data.length; i++) {
    const size = [1, 4096, 40_000, 17, 65_536 - 3][i % 5]!
    const chunk = data.subarray(at, at + size)
    at += chunk.length
    if (counter) counter.read = at
    yield chunk
  }
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const chunk of chunks) out.push(chunk)
  return Buffer.concat(out)
}

describe('gzipBlocks', () => {
  it('writes one gzip member per block that gunzip (node and the gzip command) reads back to the input', async () => {
    const text = sampleText(1_000_000)
    const out = await collect(gzipBlocks(chunked(text), 6, new CompressionSlots(2, BLOCK)))
    expect(gunzipSync(out).equals(text)).toBe(true)
    const members = gzipMemberCount(out)
    expect(members).toBeGreaterThanOrEqual(Math.floor(text.length / (BLOCK + 65_536)))
    expect(members).toBeLessThanOrEqual(Math.ceil(text.length / BLOCK))
    const gunzip = spawnSync('gzip', ['-dc'], { input: out, maxBuffer: 16 * 1024 * 1024 })
    expect(gunzip.status, gunzip.stderr?.toString()).toBe(0)
    expect(gunzip.stdout.equals(text)).toBe(true)
  })

  it('an empty source is one valid empty member; a source smaller than a block is one member', async () => {
    const empty = await collect(gzipBlocks(chunked(Buffer.alloc(0)), 6, new CompressionSlots(2, BLOCK)))
    expect(gzipMemberCount(empty)).toBe(1)
    expect(gunzipSync(empty).length).toBe(0)
    const small = sampleText(5_000)
    const one = await collect(gzipBlocks(chunked(small), 1, new CompressionSlots(2, BLOCK)))
    expect(gzipMemberCount(one)).toBe(1)
    expect(gunzipSync(one).equals(small)).toBe(true)
  })

  it('compresses blocks of several streams at once, never more than the shared slots', async () => {
    const slots = new CountingSlots(3, BLOCK)
    const texts = [sampleText(900_000), sampleText(700_000), sampleText(300_000)]
    const outs = await Promise.all(texts.map((t) => collect(gzipBlocks(chunked(t), 6, slots))))
    outs.forEach((out, i) => expect(gunzipSync(out).equals(texts[i]!)).toBe(true))
    expect(slots.most).toBe(3)
    expect(slots.active).toBe(0)
  })

  it('reads ahead of a reader that stopped by a bounded number of blocks only', async () => {
    const text = sampleText(3_000_000)
    const counter = { read: 0 }
    const slots = new CompressionSlots(2, BLOCK)
    const blocks = gzipBlocks(chunked(text, counter), 6, slots)
    const first = await blocks.next()
    expect(first.done).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 200))
    // The generator pauses at its yield: at most slots.size + 2 blocks (plus a chunk) were read.
    expect(counter.read).toBeLessThanOrEqual((slots.size + 2) * (BLOCK + 65_536))
    expect(counter.read).toBeLessThan(text.length)
    await blocks.return(undefined)
  })

  it('ends with the source failure and gives every slot back', async () => {
    const slots = new CountingSlots(2, BLOCK)
    const text = sampleText(600_000)
    async function* failing(): AsyncGenerator<Buffer> {
      yield* chunked(text)
      throw new Error('the COPY stream broke')
    }
    await expect(collect(gzipBlocks(failing(), 6, slots))).rejects.toThrow('the COPY stream broke')
    for (let waited = 0; slots.active > 0 && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(slots.active).toBe(0)
    // Every slot is free again: size acquisitions resolve at once.
    await Promise.all([slots.acquire(), slots.acquire()])
  })

  it('fails with zlib\'s error for a level zlib refuses', async () => {
    await expect(collect(gzipBlocks(chunked(sampleText(1000)), 42, new CompressionSlots(1, BLOCK)))).rejects.toThrow(/level/)
  })
})
