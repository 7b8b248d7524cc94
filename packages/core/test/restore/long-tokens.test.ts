// Tokens the lexer cannot decide until it sees their end (an unquoted identifier, a number, a backslash
// command's line, the blanks after a closing quote) stretching over hundreds of input chunks: scanning
// them takes linear time, so a 50 MiB one passes well within the test timeout (about 2 s of CPU; rejoining
// and rescanning the window at every chunk took 99 s on an idle machine), and the statement comes out whole.
// Nothing here times itself.
import { describe, expect, it } from 'vitest'
import { splitScript } from '../../src/restore/split-script'
import type { ScriptItem } from '../../src/restore/script-item'

const MiB = 1024 * 1024
const CHUNK = 64 * 1024
const LONG = 50 * MiB

/** `head`, then `length` bytes of `fill` in CHUNK-sized chunks made on the fly, then `tail`. */
async function* longScript(head: string, fill: string, length: number, tail: string): AsyncGenerator<Buffer> {
  yield Buffer.from(head)
  const chunk = Buffer.alloc(CHUNK, fill)
  for (let sent = 0; sent < length; sent += CHUNK) yield chunk.subarray(0, Math.min(CHUNK, length - sent))
  yield Buffer.from(tail)
}

async function items(input: AsyncIterable<Buffer>, maxStatementBytes?: number): Promise<ScriptItem[]> {
  const out: ScriptItem[] = []
  for await (const item of splitScript(input, maxStatementBytes === undefined ? {} : { maxStatementBytes })) out.push(item)
  return out
}

/** The text's length and its ends, so that a mismatch prints something readable. */
function shape(text: string): { length: number; start: string; end: string } {
  return { length: text.length, start: text.slice(0, 12), end: text.slice(-12) }
}

/** The shape of `head`, `length` times `fill`, then `tail`, without making the string. */
function shapeOf(head: string, fill: string, length: number, tail: string): { length: number; start: string; end: string } {
  return { length: head.length + length + tail.length, start: (head + fill.repeat(12)).slice(0, 12), end: (fill.repeat(12) + tail).slice(-12) }
}

describe('a 50 MiB token over 800 chunks is scanned in linear time', () => {
  const statements = [
    { name: 'an unquoted identifier', head: 'SELECT ', fill: 'a', tail: ';\nSELECT 2;\n' },
    { name: 'a number', head: 'SELECT 1', fill: '0', tail: ';\nSELECT 2;\n' },
    { name: 'blanks after a closing quote', head: "SELECT 'a'", fill: ' ', tail: ';\nSELECT 2;\n' },
  ]
  it.each(statements.map((c) => [c.name, c] as const))('%s', { timeout: 120_000 }, async (_name, c) => {
    const got = await items(longScript(c.head, c.fill, LONG, c.tail))
    expect(got).toHaveLength(2)
    const first = got[0]!
    expect(first.kind).toBe('statement')
    expect(shape((first as { sql: string }).sql)).toEqual(shapeOf(c.head, c.fill, LONG, ';'))
    expect(got[1]).toMatchObject({ kind: 'statement', sql: 'SELECT 2;', line: 2 })
  })

  it('a backslash-command line', { timeout: 120_000 }, async () => {
    const got = await items(longScript('SELECT 1;\n\\echo ', 'x', LONG, '\nSELECT 2;\n'))
    expect(got.map((i) => i.kind)).toEqual(['statement', 'meta', 'statement'])
    const echo = got[1] as { command: string; args: string; line: number }
    expect(echo.command).toBe('echo')
    expect(echo.line).toBe(2)
    expect(shape(echo.args)).toEqual(shapeOf('', 'x', LONG, ''))
    expect(got[2]).toMatchObject({ sql: 'SELECT 2;', line: 3 })
  })

  it('is refused at maxStatementBytes, not read to its end', { timeout: 120_000 }, async () => {
    let pulled = 0
    const counted = (async function* () {
      for await (const chunk of longScript('SELECT ', 'a', LONG, ';\n')) {
        pulled += chunk.length
        yield chunk
      }
    })()
    await expect(items(counted, 8 * MiB)).rejects.toMatchObject({
      code: 'SCRIPT_INVALID',
      message: 'the statement that starts at line 1 is larger than maxStatementBytes (8388608 bytes)',
    })
    expect(pulled).toBeLessThanOrEqual(8 * MiB + 2 * CHUNK)
  })
})
