// Streaming: a slow destination slows the dump down instead of piling the table up in memory. The
// destination's buffer never holds more than its high-water mark plus one chunk.
import { Writable } from 'node:stream'
import { createDatabase, runSql } from '@pgkeep/testkit'
import { expect, inject, it } from 'vitest'
import { dump } from '../src/index'

const server = inject('pgDefault')

it('never buffers more than one chunk beyond the destination high-water mark', async () => {
  const db = await createDatabase(server.url, { prefix: 'backpressure' })
  try {
    // About 12 MB of COPY text, far more than any buffer below.
    await runSql(db.url, `CREATE TABLE bills (id integer, memo text);
      INSERT INTO bills SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 120000) g;`)
    const highWaterMark = 16 * 1024
    let maxBuffered = 0
    let maxChunk = 0
    let received = 0
    const slow = new Writable({
      highWaterMark,
      write(chunk: Buffer, _enc, done) {
        received += chunk.length
        maxChunk = Math.max(maxChunk, chunk.length)
        // Slower than the server: every write waits for the next turn of the event loop.
        setImmediate(done)
      },
    })
    const watch = setInterval(() => (maxBuffered = Math.max(maxBuffered, slow.writableLength)), 1)
    const origWrite = slow.write.bind(slow)
    slow.write = ((chunk: Buffer, ...rest: never[]) => {
      const ok = origWrite(chunk, ...rest)
      maxBuffered = Math.max(maxBuffered, slow.writableLength)
      return ok
    }) as typeof slow.write
    const summary = await dump({ connection: db.url }, slow)
    clearInterval(watch)
    expect(summary.tables).toEqual([{ schema: 'public', name: 'bills', rows: 120000, bytes: expect.any(Number) }])
    expect(received).toBe(summary.bytes)
    expect(received).toBeGreaterThan(10_000_000)
    expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + maxChunk)
    expect(maxChunk).toBeLessThanOrEqual(256 * 1024)
  } finally {
    await db.drop()
  }
})
