// Chunks gathered into pieces of a fixed size: what a parallel dump's worker hands its spool. A table's
// rows come off the socket in chunks of a few to 64 kB; spooled as they came, each one past the spool's
// memory became a write to its file, a trip to node's thread pool (8,154 writes for the spilled tables of
// a 500 MB dump, 1,178 in pieces of 256 KiB). The copying is the compressed path's BlockFiller, into new
// buffers instead of the compression slots' spares: a piece goes on to the spool and is not given back.
import { BlockFiller } from '../compress/block-gzip'

export async function* gatherPieces(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  const filler = new BlockFiller({ borrow: () => Buffer.allocUnsafe(size) })
  const full: Buffer[] = []
  for await (const chunk of source) {
    // a chunk of a whole piece or more that starts one goes on as it is, without a copy
    if (filler.pending === 0 && chunk.length >= size) {
      yield chunk
      continue
    }
    filler.add(chunk, (piece) => full.push(piece))
    for (let piece = full.shift(); piece; piece = full.shift()) yield piece
  }
  const last = filler.take()
  if (last) yield last
}
