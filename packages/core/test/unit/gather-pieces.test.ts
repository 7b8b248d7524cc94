// gatherPieces: chunks come out as pieces of exactly `size` bytes (the last one shorter), in order, and a
// chunk of `size` or more that starts a piece goes through as it is, without a copy.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { gatherPieces } from '../../src/write/gather-pieces'

async function* from(chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks
}

async function pieces(chunks: Buffer[], size: number): Promise<Buffer[]> {
  const out: Buffer[] = []
  for await (const piece of gatherPieces(from(chunks), size)) out.push(piece)
  return out
}

describe('gatherPieces', () => {
  it('gathers small chunks into full pieces and keeps every byte in order', async () => {
    const chunks = [7, 100, 3, 60, 250, 1, 90].map((n) => randomBytes(n))
    const out = await pieces(chunks, 128)
    expect(out.map((p) => p.length)).toEqual([128, 128, 128, 127])
    expect(Buffer.concat(out).equals(Buffer.concat(chunks))).toBe(true)
  })

  it('passes a large chunk through when no piece is open, and splits it across pieces when one is', async () => {
    const big = randomBytes(300)
    const [passed] = await pieces([big], 128)
    expect(passed).toBe(big)
    const chunks = [randomBytes(10), randomBytes(300)]
    const out = await pieces(chunks, 128)
    expect(out.map((p) => p.length)).toEqual([128, 128, 54])
    expect(Buffer.concat(out).equals(Buffer.concat(chunks))).toBe(true)
  })

  it('yields nothing for no bytes, and empty chunks change nothing', async () => {
    expect(await pieces([], 128)).toEqual([])
    expect(await pieces([Buffer.alloc(0), Buffer.alloc(0)], 128)).toEqual([])
    const one = randomBytes(5)
    expect(Buffer.concat(await pieces([Buffer.alloc(0), one, Buffer.alloc(0)], 128)).equals(one)).toBe(true)
  })
})
