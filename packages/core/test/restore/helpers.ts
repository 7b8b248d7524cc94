// Test helpers for the script splitter: feed a script whole, in two chunks or byte by byte, and flatten
// what comes out (COPY data joined) so results compare with toEqual.
import { isPgkeepError } from '../../src/errors'
import type { EntryHeader } from '../../src/restore/script-item'
import { splitScript } from '../../src/restore/split-script'
import type { SplitScriptOptions } from '../../src/restore/script-item'

export type Flat =
  | { kind: 'statement'; sql: string; line: number; entry?: EntryHeader | null }
  | { kind: 'copy'; sql: string; line: number; data: string; entry?: EntryHeader | null; encoding?: string }
  | { kind: 'meta'; command: string; args: string; line: number }

export const stmt = (sql: string, line: number): Flat => ({ kind: 'statement', sql, line })
export const copy = (sql: string, line: number, data: string): Flat => ({ kind: 'copy', sql, line, data })
export const meta = (command: string, args: string, line: number): Flat => ({ kind: 'meta', command, args, line })

export async function* fromChunks(chunks: Iterable<Buffer | string>): AsyncGenerator<Buffer | string> {
  for (const c of chunks) yield c
}

/** Every item, with COPY data read and joined (as latin1, so any bytes survive). */
export async function collect(input: AsyncIterable<Buffer | string>, options: SplitScriptOptions = {}, withEntries = false): Promise<Flat[]> {
  const out: Flat[] = []
  for await (const item of splitScript(input, options)) {
    if (item.kind === 'meta') out.push({ kind: 'meta', command: item.command, args: item.args, line: item.line })
    else if (item.kind === 'statement') out.push({ kind: 'statement', sql: item.sql, line: item.line, ...(withEntries ? { entry: item.entry } : {}) })
    else {
      const parts: Buffer[] = []
      for await (const part of item.data) parts.push(part)
      const data = Buffer.concat(parts).toString('latin1')
      out.push({ kind: 'copy', sql: item.sql, line: item.line, data, ...(withEntries ? { entry: item.entry, encoding: item.encoding } : {}) })
    }
  }
  return out
}

/** What splitting gives, or the SCRIPT_INVALID message it throws (`error: …`). */
export async function outcome(input: AsyncIterable<Buffer | string>, options: SplitScriptOptions = {}): Promise<Flat[] | string> {
  try {
    return await collect(input, options, true)
  } catch (err) {
    if (isPgkeepError(err)) return `${err.code}: ${err.message}`
    throw err
  }
}

/** The script cut in two at `at`. */
export function twoChunks(script: Buffer, at: number): Buffer[] {
  return [script.subarray(0, at), script.subarray(at)]
}

export function byteChunks(script: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < script.length; i++) out.push(script.subarray(i, i + 1))
  return out
}

/** Checks that every two-chunk split and the byte-by-byte feed give `whole`; returns the first mismatch. */
export async function firstSplitMismatch(script: Buffer, options: SplitScriptOptions = {}): Promise<string | null> {
  const whole = JSON.stringify(await outcome(fromChunks([script]), options))
  for (let at = 1; at < script.length; at++) {
    const got = JSON.stringify(await outcome(fromChunks(twoChunks(script, at)), options))
    if (got !== whole) return `split at byte ${at}: ${got} instead of ${whole}`
  }
  const bytewise = JSON.stringify(await outcome(fromChunks(byteChunks(script)), options))
  if (bytewise !== whole) return `byte by byte: ${bytewise} instead of ${whole}`
  return null
}
