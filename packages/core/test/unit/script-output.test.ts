// ScriptOutput's gathering of script text and table rows: the destination gets pieces of up to
// DATA_PIECE_BYTES, in the order written, byte for byte; a piece it was given never changes afterwards;
// a destination of gzip members gets every write as it came.
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { DATA_PIECE_BYTES, ScriptOutput } from '../../src/write/output'

/** A destination that keeps every buffer it was given (as a file stream does until written). */
function keeping(highWaterMark = 16 * 1024) {
  const received: Buffer[] = []
  const copies: Buffer[] = []
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk)
      copies.push(Buffer.from(chunk))
      setImmediate(done)
    },
  })
  return { stream, received, copies }
}

/** `count` row chunks of `size` bytes, each filled with its own byte value. */
function rowChunks(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.alloc(size, 1 + (i % 250)))
}

describe('ScriptOutput', () => {
  it('gathers 8 kB chunks into pieces of DATA_PIECE_BYTES, the rest at flush, byte for byte', async () => {
    const { stream, received } = keeping()
    const output = new ScriptOutput(stream)
    const chunks = rowChunks(100, 8192)
    for (const chunk of chunks) await output.write(chunk)
    await output.flush()
    const whole = Buffer.concat(chunks)
    expect(received.map((b) => b.length)).toEqual([DATA_PIECE_BYTES, DATA_PIECE_BYTES, DATA_PIECE_BYTES, whole.length - 3 * DATA_PIECE_BYTES])
    expect(Buffer.concat(received).equals(whole)).toBe(true)
    expect(output.bytes).toBe(whole.length)
  })

  it('a piece the destination was given never changes after more rows are written (small tables included)', async () => {
    const { stream, received, copies } = keeping()
    const output = new ScriptOutput(stream)
    const written: Buffer[] = []
    // small tables (a flush after every other one), then a large one, then small ones again
    for (let table = 0; table < 30; table++) {
      const size = table % 10 === 5 ? 40 * 8192 : 1000 + table
      for (const chunk of rowChunks(Math.ceil(size / 8192), Math.min(size, 8192)).map((c) => c.fill(table + 1))) {
        written.push(Buffer.from(chunk))
        await output.write(chunk)
      }
      if (table % 2 === 0) await output.flush()
      const text = `\\.\n\n-- table ${table}\n`
      written.push(Buffer.from(text))
      await output.write(text)
    }
    await output.flush()
    await new Promise((resolve) => stream.end(resolve))
    // as the destination took each piece, and as it holds them at the end
    expect(Buffer.concat(copies).equals(Buffer.concat(written))).toBe(true)
    expect(Buffer.concat(received).equals(Buffer.concat(written))).toBe(true)
  })

  it('gathers script text with the rows, in the order written, and sends nothing before a piece is full or flush', async () => {
    const { stream, received } = keeping()
    const output = new ScriptOutput(stream)
    await output.write('COPY public.rooms (id, name) FROM stdin;\n')
    await output.write(Buffer.from('1\tMawar\n'))
    await output.write(Buffer.from('2\tMelati\n'))
    await output.write('\\.\n\n')
    await new Promise((resolve) => setImmediate(resolve))
    expect(received).toHaveLength(0)
    await output.flush()
    await new Promise((resolve) => stream.end(resolve))
    expect(received.map((b) => b.toString())).toEqual(['COPY public.rooms (id, name) FROM stdin;\n1\tMawar\n2\tMelati\n\\.\n\n'])
    expect(output.bytes).toBe(received[0]!.length)
  })

  it('writes a schema of 2,000 short entries in whole pieces, byte for byte, non-ASCII text across the piece edges included', async () => {
    const { stream, received } = keeping()
    const output = new ScriptOutput(stream)
    const texts: string[] = []
    for (let i = 0; i < 2000; i++) {
      // 3-byte characters, and now and then an entry long enough not to fit what is left of a piece
      const comment = i % 97 === 0 ? 'Kamar ✓ '.repeat(3000) : `Kamar nomor ${i} — ✓ lunas`
      texts.push(`--\n-- Name: t${i}; Type: TABLE\n--\n\nCOMMENT ON TABLE public.t${i} IS '${comment}';\n\n`)
    }
    for (const text of texts) await output.write(text)
    await output.flush()
    const whole = Buffer.from(texts.join(''), 'utf8')
    expect(Buffer.concat(received).equals(whole)).toBe(true)
    expect(output.bytes).toBe(whole.length)
    expect(received).toHaveLength(Math.ceil(whole.length / DATA_PIECE_BYTES))
    for (const piece of received.slice(0, -1)) expect(piece.length).toBe(DATA_PIECE_BYTES)
  })

  it('a text longer than a piece goes out whole, after what was gathered before it', async () => {
    const { stream, received } = keeping()
    const output = new ScriptOutput(stream)
    const long = 'x'.repeat(DATA_PIECE_BYTES + 10)
    await output.write('-- before\n')
    await output.write(long)
    await output.write('-- after\n')
    await output.flush()
    expect(received.map((b) => b.toString())).toEqual(['-- before\n', long, '-- after\n'])
  })

  it('a chunk of DATA_PIECE_BYTES or more goes out as it is, after the rows gathered before it', async () => {
    const { stream, received } = keeping()
    const output = new ScriptOutput(stream)
    const small = Buffer.alloc(100, 1)
    const large = Buffer.alloc(DATA_PIECE_BYTES + 1, 2)
    await output.write(small)
    await output.write(large)
    await output.flush()
    expect(received).toHaveLength(2)
    expect(received[0]!.equals(small)).toBe(true)
    expect(received[1]).toBe(large)
  })

  it('without gathering (a destination of gzip members), every write goes out as it came', async () => {
    const { stream, received } = keeping()
    const output = new ScriptOutput(stream, false)
    const chunks = rowChunks(10, 8192)
    for (const chunk of chunks) await output.write(chunk)
    await output.write('\\.\n\n')
    await output.flush()
    expect(received).toHaveLength(11)
    received.slice(0, 10).forEach((buffer, i) => expect(buffer).toBe(chunks[i]))
    expect(received[10]!.toString()).toBe('\\.\n\n')
  })

  it('waits for the destination to drain when a piece fills it, so at most one piece waits beyond its buffer', async () => {
    const { stream } = keeping(16 * 1024)
    let most = 0
    const write = stream.write.bind(stream)
    stream.write = ((chunk: Buffer, ...rest: never[]) => {
      const ok = write(chunk, ...rest)
      most = Math.max(most, stream.writableLength)
      return ok
    }) as typeof stream.write
    const output = new ScriptOutput(stream)
    for (const chunk of rowChunks(200, 8192)) await output.write(chunk)
    await output.flush()
    // each piece is written into an empty buffer, and the next waits for it to drain
    expect(most).toBe(DATA_PIECE_BYTES)
  })

  it("a destination's error fails the next write with OUTPUT_FAILED, naming it", async () => {
    const stream = new Writable({ write: (_chunk, _encoding, done) => done(new Error('disk full')) })
    stream.on('error', () => {})
    const output = new ScriptOutput(stream)
    await output.write(Buffer.alloc(DATA_PIECE_BYTES - 1, 1)).catch(() => {})
    await expect(output.write(Buffer.alloc(10, 1))).rejects.toMatchObject({ code: 'OUTPUT_FAILED', message: expect.stringContaining('disk full') })
  })

  it('a destination destroyed without an error (a client gone) fails the next write with OUTPUT_FAILED instead of waiting forever', async () => {
    const { stream } = keeping(1024)
    const output = new ScriptOutput(stream)
    await output.write('COPY public.rooms (id, name) FROM stdin;\n')
    await output.write(Buffer.from('1\tMawar\n'))
    stream.destroy()
    await new Promise((resolve) => stream.once('close', resolve))
    const flushed = output.flush().then(() => 'resolved', (error: unknown) => error)
    const outcome = await Promise.race([flushed, new Promise((resolve) => setTimeout(() => resolve('still waiting after 2 s'), 2000))])
    expect(outcome).toMatchObject({ code: 'OUTPUT_FAILED', message: expect.stringContaining('closed before the dump finished') })
  })
})
