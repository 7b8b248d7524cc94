// A COPY stream whose connection ends before anyone reads it: pg-copy-streams emits 'error' on it with
// nobody listening, which was an uncaught exception (a parallel dump failing while a worker was still
// writing its table's header took the process down). copyToStream() keeps the error for the reader.
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest'
import { copyToStream } from '../src/data/copy-to-stream'

const server = inject('pgDefault')
const uncaught: unknown[] = []
const collect = (error: unknown) => uncaught.push(error)

beforeEach(() => {
  uncaught.length = 0
  process.on('uncaughtException', collect)
})
afterEach(() => {
  process.off('uncaughtException', collect)
})

/** Settles after `ms`, to let the connection's end and the stream's error run their course. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('copyToStream()', () => {
  it('a stream not read yet when its connection ends: no uncaught error, and the first read fails with the reason', async () => {
    const client = new pg.Client({ connectionString: server.url })
    await client.connect()
    const stream = copyToStream(client, 'COPY (SELECT g FROM generate_series(1, 2000000) g) TO STDOUT')
    // Let rows arrive and fill the stream's buffer, so that the COPY is running when the connection ends.
    await pause(200)
    await client.end()
    await pause(100)
    expect(uncaught).toEqual([])
    const read = (async () => {
      for await (const _chunk of stream as AsyncIterable<Buffer>) {
        // the rows buffered before the end may come first; the end must follow them
      }
    })()
    const outcome = await Promise.race([read.then(() => 'ended', (error: Error) => error.message), pause(5000).then(() => 'still waiting after 5 s')])
    expect(outcome).toMatch(/Connection terminated/)
  })

  it('a stream read to its end is untouched: every row, and the row count', async () => {
    const client = new pg.Client({ connectionString: server.url })
    await client.connect()
    try {
      const stream = copyToStream(client, 'COPY (SELECT g FROM generate_series(1, 1000) g) TO STDOUT')
      let text = ''
      for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString('utf8')
      expect(text.split('\n').slice(0, 3)).toEqual(['1', '2', '3'])
      expect(text.endsWith('1000\n')).toBe(true)
      expect(stream.rowCount).toBe(1000)
    } finally {
      await client.end()
    }
  })
})
