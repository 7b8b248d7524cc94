// Bridges between node streams and the WHATWG streams age-encryption works on. Pull-based both
// ways, one chunk at a time: the web side asks for a chunk only when its consumer wants one, so a slow
// destination slows the source down instead of filling a queue (node 20's Readable.toWeb() counts its
// high-water mark in chunks and may queue thousands of them).

/** A web ReadableStream that reads `source` chunk by chunk as it is pulled; cancelling it ends the source. */
export function toWebStream(source: AsyncIterable<Buffer | Uint8Array | string>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next()
        if (next.done) controller.close()
        else controller.enqueue(typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value)
      },
      async cancel() {
        await iterator.return?.()
      },
    },
    { highWaterMark: 0 },
  )
}

/** The chunks of a web ReadableStream as Buffers (no copy); returning early cancels the stream. */
export async function* fromWebStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  }
}
