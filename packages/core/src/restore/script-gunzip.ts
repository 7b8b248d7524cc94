// The gunzip a restore reads a `.sql.gz` script or a backup's member through. zlib's default output
// chunk is 16 KiB: each one is a round trip to the thread pool and a trip down every stream after it
// (the splitter, the COPY framing, a socket write). 256 KiB chunks do the same work in a sixteenth of
// the trips: inflating the 179 MB sample backup took 2.5–2.9 CPU-s with 16 KiB chunks and 1.3–1.55
// with 256 KiB (node 20). The price is memory: a serial restore of it peaked at 104 MB RSS instead of
// 83 (64 KiB chunks: 88 MB, for 0.1–0.3 CPU-s more than 256 KiB).
import { createGunzip, type Gunzip } from 'node:zlib'

export const INFLATE_CHUNK_BYTES = 256 * 1024

export function createScriptGunzip(): Gunzip {
  return createGunzip({ chunkSize: INFLATE_CHUNK_BYTES })
}
