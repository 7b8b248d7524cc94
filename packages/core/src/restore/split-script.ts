// Splits a plain SQL script (pg_dump's or pgkeep's) into what psql would send: statements, COPY blocks with
// their data, and backslash commands, in order. Input is pulled chunk by chunk; memory holds one statement
// and one chunk, never the script, and COPY data streams straight from the input chunks.
import { PgkeepError } from '../errors'
import { InputWindow } from './input-window'
import { scriptDecoder, UTF8_DECODER, type ScriptDecoder } from './script-encoding'
import { END_OF_DATA, NEED_INPUT, SCRIPT_DONE, ScriptScanner } from './script-scanner'
import type { CopyItem, ScriptItem, SplitScriptOptions } from './script-item'
import { readSettingChange } from './session-settings'

export type { CopyItem, EntryHeader, MetaItem, ScriptItem, SplitScriptOptions, StatementItem } from './script-item'

/** The default of maxStatementBytes (splitScript, restore()). */
export const DEFAULT_MAX_STATEMENT_BYTES = 256 * 1024 * 1024
const EMPTY = Buffer.alloc(0)

/**
 * Yields the statements, COPY blocks and backslash commands of a script, each with the line it starts on
 * and the pg_dump TOC header it belongs to. A truncated or malformed script throws SCRIPT_INVALID.
 * @example
 * for await (const item of splitScript(createReadStream('dump.sql'))) {
 *   if (item.kind === 'statement') await client.query(item.sql)
 *   else if (item.kind === 'copy') await pipeline(Readable.from(item.data), client.query(copyFrom(item.sql)))
 *   else if (item.command !== 'restrict' && item.command !== 'unrestrict') throw new Error(`\\${item.command} is not supported`)
 * }
 */
export async function* splitScript(input: AsyncIterable<Buffer | string>, options: SplitScriptOptions = {}): AsyncGenerator<ScriptItem> {
  const maxStatementBytes = options.maxStatementBytes ?? DEFAULT_MAX_STATEMENT_BYTES
  if (!Number.isSafeInteger(maxStatementBytes) || maxStatementBytes < 1) {
    throw new PgkeepError('OPTIONS_INVALID', `maxStatementBytes must be a positive integer, got ${String(options.maxStatementBytes)}`)
  }
  const window = new InputWindow()
  const scanner = new ScriptScanner(window, { maxStatementBytes, requireUnrestrict: options.requireUnrestrict ?? true })
  const source = input[Symbol.asyncIterator]()
  let textInput = false
  let decoder: ScriptDecoder = UTF8_DECODER
  scanner.decodeText = (bytes) => decodeLenient(decoder, bytes)

  const pull = async (): Promise<void> => {
    const wanted = scanner.inputWanted()
    while (window.queued < wanted) {
      const r = await source.next()
      if (r.done) {
        window.end()
        break
      }
      const chunk = toBuffer(r.value)
      if (typeof r.value === 'string') textInput = true
      if (chunk.length > 0) window.push(chunk)
    }
    window.merge()
  }

  try {
    for (;;) {
      const event = scanner.next()
      if (event === NEED_INPUT) {
        await pull()
        continue
      }
      if (event === SCRIPT_DONE) return
      if (event.kind === 'meta') {
        yield { kind: 'meta', command: event.command, args: event.args, line: event.line }
        continue
      }
      const sql = decodeStatement(textInput ? UTF8_DECODER : decoder, event.bytes, event.line)
      // the bytes may be a statement's worth of memory: let them go before the caller sends the text
      event.bytes = EMPTY
      if (event.kind === 'statement') {
        if (SETTING_WORDS.has(event.firstWord)) {
          const change = readSettingChange(sql)
          if (change?.standardConformingStrings !== undefined) scanner.setStandardConformingStrings(change.standardConformingStrings)
          if (change?.clientEncoding !== undefined) decoder = decoderFor(change.clientEncoding, event.line)
        }
        yield { kind: 'statement', sql, line: event.line, entry: event.entry }
        continue
      }
      if (event.binaryCopy) {
        throw new PgkeepError('SCRIPT_INVALID', `line ${event.line}: COPY … FROM stdin in binary format cannot be read from a script`, {
          hint: 'pg_dump writes text-format COPY blocks; this script was not made by pg_dump.',
        })
      }
      while (scanner.startCopyData() === NEED_INPUT) await pull()
      const data = new CopyData(scanner, pull)
      const item: CopyItem = { kind: 'copy', sql, line: event.line, entry: event.entry, encoding: textInput ? 'UTF8' : decoder.encoding, data }
      yield item
      await data.drain()
    }
  } finally {
    await source.return?.()
  }
}

// --- internal ---

const SETTING_WORDS = new Set(['set', 'reset', 'select'])

/** COPY data, read from the shared input; the splitter drains what the caller leaves unread. */
class CopyData implements AsyncIterable<Buffer> {
  private done = false
  private failure: unknown = undefined
  private iterated = false
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly scanner: ScriptScanner,
    private readonly pull: () => Promise<void>,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.iterated) throw new PgkeepError('INTERNAL', 'COPY data can be read only once')
    this.iterated = true
    return {
      next: () => this.serial(() => this.step()),
      return: async () => ({ done: true, value: undefined }),
    }
  }

  /** Reads and drops whatever is left, up to and including the `\.` line. */
  async drain(): Promise<void> {
    while (!(await this.serial(() => this.step())).done);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn)
    this.queue = run.catch(() => {})
    return run
  }

  private async step(): Promise<IteratorResult<Buffer>> {
    if (this.failure !== undefined) throw this.failure
    if (this.done) return { done: true, value: undefined }
    try {
      for (;;) {
        const r = this.scanner.readCopyData()
        if (r === NEED_INPUT) {
          await this.pull()
          continue
        }
        if (r === END_OF_DATA) {
          this.done = true
          return { done: true, value: undefined }
        }
        return { done: false, value: r }
      }
    } catch (err) {
      this.failure = err
      throw err
    }
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8')
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  throw new PgkeepError('OPTIONS_INVALID', `the script input must yield Buffers or strings, got ${typeof chunk}`)
}

function decodeStatement(decoder: ScriptDecoder, bytes: Buffer, line: number): string {
  try {
    return decoder.decode(bytes)
  } catch (err) {
    throw new PgkeepError('SCRIPT_INVALID', `the statement at line ${line} holds ${(err as Error).message}`, {
      cause: err,
      hint: 'The script is damaged or its SET client_encoding line does not match its bytes.',
    })
  }
}

function decodeLenient(decoder: ScriptDecoder, bytes: Buffer): string {
  try {
    return decoder.decode(bytes)
  } catch {
    return bytes.toString('latin1')
  }
}

function decoderFor(name: string, line: number): ScriptDecoder {
  if (name.toUpperCase() === 'DEFAULT') return UTF8_DECODER
  const decoder = scriptDecoder(name)
  if (decoder) return decoder
  throw new PgkeepError('SCRIPT_INVALID', `line ${line}: client_encoding "${name}" is not supported by the script splitter`, {
    hint: 'Dump with --encoding=UTF8 (pg_dump -E UTF8).',
  })
}
