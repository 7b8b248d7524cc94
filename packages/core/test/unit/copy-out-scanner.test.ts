// CopyOutScanner against the server's message stream of a COPY, cut into socket chunks at every place a
// cut can fall: inside a header, inside a row, between messages, right after CopyDone.
import { describe, expect, it } from 'vitest'
import { CopyOutScanner } from '../../src/data/copy-out-scanner'

function message(code: string, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const header = Buffer.alloc(5)
  header.write(code, 0, 'latin1')
  header.writeUInt32BE(bytes.length + 4, 1)
  return Buffer.concat([header, bytes])
}

const copyOutResponse = message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0]))
const notice = message('N', 'SNOTICE\0Mrow 2 was slow\0\0')
const parameterStatus = message('S', 'application_name\0pgkeep\0')
const copyDone = message('c')
const commandComplete = message('C', 'COPY 3\0')
const readyForQuery = message('Z', 'T')
const errorResponse = message('E', 'SERROR\0C22012\0Mdivision by zero\0\0')

/** Feeds `stream` to a scanner in chunks cut at `cuts`; returns the rows' text and where the COPY ended. */
function scanInChunks(stream: Buffer, cuts: number[]): { text: string; rest: Buffer | null } {
  const scanner = new CopyOutScanner()
  const rows: Buffer[] = []
  const bounds = [0, ...cuts, stream.length]
  for (let i = 0; i < bounds.length - 1; i++) {
    // a copy: the scanner moves bytes inside the chunk it is given, as it does in a socket's chunk
    const chunk = Buffer.from(stream.subarray(bounds[i], bounds[i + 1]))
    const { rows: n, end } = scanner.scan(chunk)
    rows.push(Buffer.from(chunk.subarray(0, n)))
    if (end !== -1) return { text: Buffer.concat(rows).toString('utf8'), rest: Buffer.concat([chunk.subarray(end), stream.subarray(bounds[i + 1])]) }
  }
  return { text: Buffer.concat(rows).toString('utf8'), rest: null }
}

describe('CopyOutScanner', () => {
  const rowTexts = ['1\tpertama\n', '2\tkamar 2B, lantai dua — Rp 1.500.000\n', '3\t\\N\n']
  const stream = Buffer.concat([
    copyOutResponse,
    message('d', rowTexts[0]!),
    notice,
    message('d', rowTexts[1]!),
    parameterStatus,
    message('d', rowTexts[2]!),
    copyDone,
    commandComplete,
    readyForQuery,
  ])
  const after = Buffer.concat([commandComplete, readyForQuery])

  it('one chunk: the rows without their headers, notices and statuses skipped, the rest from CommandComplete on', () => {
    const { text, rest } = scanInChunks(stream, [])
    expect(text).toBe(rowTexts.join(''))
    expect(rest).toEqual(after)
  })

  it('cut in two at every byte: the same rows and the same rest', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { text, rest } = scanInChunks(stream, [cut])
      expect({ cut, text, rest: rest?.toString('latin1') }).toEqual({ cut, text: rowTexts.join(''), rest: after.toString('latin1') })
    }
  })

  it('cut in three at every pair of bytes', () => {
    for (let a = 1; a < stream.length - 1; a++) {
      for (let b = a + 1; b < stream.length; b++) {
        const { text, rest } = scanInChunks(stream, [a, b])
        if (text !== rowTexts.join('') || !rest?.equals(after)) throw new Error(`cuts ${a}, ${b}: ${JSON.stringify(text)}, rest ${rest?.toString('latin1')}`)
      }
    }
  })

  it('a byte a chunk', () => {
    const { text, rest } = scanInChunks(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1))
    expect(text).toBe(rowTexts.join(''))
    expect(rest).toEqual(after)
  })

  it('a row longer than many chunks', () => {
    const long = `${'x'.repeat(300_000)}\n`
    const big = Buffer.concat([copyOutResponse, message('d', long), message('d', 'tail\n'), copyDone, commandComplete])
    const cuts = Array.from({ length: Math.floor(big.length / 65_536) }, (_, i) => (i + 1) * 65_536)
    const { text, rest } = scanInChunks(big, cuts)
    expect(text).toBe(`${long}tail\n`)
    expect(rest).toEqual(commandComplete)
  })

  it('an ErrorResponse during the COPY ends the scan at its first byte, with the rows before it', () => {
    const failing = Buffer.concat([copyOutResponse, message('d', rowTexts[0]!), errorResponse, readyForQuery])
    for (let cut = 1; cut < failing.length; cut++) {
      const { text, rest } = scanInChunks(failing, [cut])
      expect({ cut, text, rest: rest?.toString('latin1') }).toEqual({ cut, text: rowTexts[0], rest: Buffer.concat([errorResponse, readyForQuery]).toString('latin1') })
    }
  })

  it('CopyDone at the very end of a chunk: the rest is empty', () => {
    const ending = Buffer.concat([copyOutResponse, message('d', rowTexts[0]!), copyDone])
    const { text, rest } = scanInChunks(ending, [])
    expect(text).toBe(rowTexts[0])
    expect(rest).toEqual(Buffer.alloc(0))
  })

  it('a chunk of rows only: no end yet', () => {
    const scanner = new CopyOutScanner()
    const chunk = Buffer.concat([copyOutResponse, message('d', rowTexts[0]!)])
    expect(scanner.scan(chunk)).toEqual({ rows: rowTexts[0]!.length, end: -1 })
  })

  it('a message length under 4 is refused with the message type', () => {
    const bad = Buffer.from([0x64, 0, 0, 0, 2])
    expect(() => new CopyOutScanner().scan(bad)).toThrow(/message of type 'd' with the invalid length 2 during COPY/)
  })
})
