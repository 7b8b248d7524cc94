// The inline data of a COPY … FROM stdin: every line up to the end-of-data line, which psql recognises
// only as a whole line that is exactly `\.` followed by `\n` or `\r\n` (copy.c handleCopyIn, at line
// start only, so `\.x`, ` \.` and the `\\.` escape are data). A final `\.` with no newline is accepted
// too: psql forwards it and the server ends the data there. Data is handed out as views of the input
// chunks, so memory stays at one chunk whatever the size of the block.
import type { InputWindow } from './input-window'

export const NEED_INPUT = Symbol('need input')
export const END_OF_DATA = Symbol('end of data')

const LF = 0x0a
const CR = 0x0d
const BACKSLASH = 0x5c
const DOT = 0x2e

export class CopyDataScanner {
  private atLineStart = true

  constructor(private readonly input: InputWindow) {}

  /** The next run of data bytes, END_OF_DATA once the `\.` line is consumed, or NEED_INPUT. */
  read(): Buffer | typeof NEED_INPUT | typeof END_OF_DATA | null {
    const w = this.input
    const buf = w.buf
    const n = buf.length
    const start = w.pos
    let i = start
    while (i < n) {
      if (this.atLineStart && buf[i] === BACKSLASH) {
        const marker = this.markerLength(i)
        if (marker === NEED_INPUT) break
        if (marker > 0) {
          if (i > start) {
            w.pos = i
            return buf.subarray(start, i)
          }
          w.pos = i + marker
          if (buf[i + marker - 1] === LF) w.line++
          return END_OF_DATA
        }
      }
      const nl = buf.indexOf(LF, i)
      if (nl < 0) {
        i = n
        this.atLineStart = false
        break
      }
      i = nl + 1
      w.line++
      this.atLineStart = true
    }
    w.pos = i
    if (i > start) return buf.subarray(start, i)
    // no data left and no marker: the caller reports the missing `\.` at end of input
    return w.eof ? null : NEED_INPUT
  }

  /** Length of the end-of-data line at `i` (a backslash at line start), 0 when it is data, or NEED_INPUT. */
  private markerLength(i: number): number | typeof NEED_INPUT {
    const { buf, eof } = this.input
    const n = buf.length
    if (i + 1 >= n) return eof ? 0 : NEED_INPUT
    if (buf[i + 1] !== DOT) return 0
    if (i + 2 >= n) return eof ? 2 : NEED_INPUT
    const c = buf[i + 2]
    if (c === LF) return 3
    if (c !== CR) return 0
    if (i + 3 >= n) return eof ? 3 : NEED_INPUT
    return buf[i + 3] === LF ? 4 : 0
  }
}
