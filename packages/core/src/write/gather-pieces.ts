// Chunks gathered into pieces of a fixed size: what a parallel dump's worker hands its spool. A table's
// rows come off the socket in chunks of a few to 64 kB; spooled as they came, each one past the spool's
// memory became a write to its file, a trip to node's thread pool (8,154 writes for the spilled tables of
// a 500 MB dump, 1,178 in pieces of 256 KiB).
export async function* gatherPieces(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let piece: Buffer | null = null
  let used = 0
  for await (const chunk of source) {
    if (used === 0 && chunk.length >= size) {
      yield chunk
      continue
    }
    for (let at = 0; at < chunk.length; ) {
      piece ??= Buffer.allocUnsafe(size)
      const copied = chunk.copy(piece, used, at)
      at += copied
      used += copied
      if (used === size) {
        const full: Buffer = piece
        piece = null
        used = 0
        yield full
      }
    }
  }
  if (used > 0) yield piece!.subarray(0, used)
}
