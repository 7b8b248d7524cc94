// copyToStream(): COPY … TO STDOUT read off the session's socket (CopyOutQuery). A stream whose
// connection ends before anyone reads it must not be an uncaught exception (with pg-copy-streams it was:
// a parallel dump failing while a worker was still writing its table's header took the process down);
// messages the server sends during a COPY, an error in the middle of one, and rows longer than a socket
// read must leave the rows exact and the session usable for the next query.
import { withClient } from '@pgkeep/testkit'
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

  /** Reads `sql`'s COPY on `client` to its end: the text and the row count. */
  async function copyAll(client: pg.Client, sql: string): Promise<{ text: string; rowCount: number | null }> {
    const stream = copyToStream(client, sql)
    const chunks: Buffer[] = []
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk)
    return { text: Buffer.concat(chunks).toString('utf8'), rowCount: stream.rowCount }
  }

  it('notices sent during the COPY: skipped, the rows exact, the session usable after', async () => {
    await withClient(server.url, async (client) => {
      await client.query(`CREATE FUNCTION pg_temp.noisy(n int) RETURNS int LANGUAGE plpgsql AS $$
        BEGIN
          IF n % 1000 = 0 THEN RAISE NOTICE 'row % of the COPY', n; END IF;
          RETURN n;
        END $$`)
      const notices: string[] = []
      client.on('notice', (notice) => notices.push(notice.message ?? ''))
      const { text, rowCount } = await copyAll(client, 'COPY (SELECT pg_temp.noisy(g), md5(g::text) FROM generate_series(1, 50000) g) TO STDOUT')
      const lines = text.split('\n')
      expect(lines.length).toBe(50001)
      expect(lines[0]).toBe('1\tc4ca4238a0b923820dcc509a6f75849b')
      expect(lines[49999]).toBe('50000\t1017bfd4673955ffee4641ad3d481b1c')
      expect(rowCount).toBe(50000)
      // the notices were the COPY's to skip: node-postgres never saw them; outside a COPY it does
      expect(notices).toEqual([])
      expect((await client.query('SELECT pg_temp.noisy(7000) AS n')).rows).toEqual([{ n: 7000 }])
      expect(notices).toEqual(['row 7000 of the COPY'])
    })
  })

  it('an error in the middle of the COPY fails the stream with the server\'s error, and the session goes on', async () => {
    await withClient(server.url, async (client) => {
      const stream = copyToStream(client, 'COPY (SELECT g, 1 / (g - 150000) FROM generate_series(1, 200000) g) TO STDOUT')
      let bytes = 0
      const outcome = await (async () => {
        for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length
      })().then(() => null, (error: Error & { code?: string }) => error)
      expect(outcome).toMatchObject({ message: 'division by zero', code: '22012' })
      // rows before the failing one came through first (the server sends them as it goes)
      expect(bytes).toBeGreaterThan(100_000)
      expect((await client.query('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }])
    })
  })

  it('rows longer than a socket read, then a second COPY on the same session', async () => {
    await withClient(server.url, async (client) => {
      const first = await copyAll(client, "COPY (SELECT g, repeat(chr(64 + g), 300000) FROM generate_series(1, 12) g) TO STDOUT")
      const lines = first.text.split('\n')
      expect(lines.length).toBe(13)
      for (let g = 1; g <= 12; g++) expect(lines[g - 1]).toBe(`${g}\t${String.fromCharCode(64 + g).repeat(300000)}`)
      expect(first.rowCount).toBe(12)
      const second = await copyAll(client, 'COPY (SELECT g FROM generate_series(1, 3) g) TO STDOUT')
      expect(second).toEqual({ text: '1\n2\n3\n', rowCount: 3 })
    })
  })

  it('a COPY of no rows: an empty stream and a row count of 0', async () => {
    await withClient(server.url, async (client) => {
      expect(await copyAll(client, 'COPY (SELECT 1 WHERE false) TO STDOUT')).toEqual({ text: '', rowCount: 0 })
    })
  })
})
