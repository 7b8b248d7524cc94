// psql's mainloop.c and copy.c on a byte stream: lines end at \n, which the lexer never sees; empty lines
// outside quotes are dropped; the lines of one statement are joined with \n; a backslash outside any
// statement starts a meta-command that runs to the end of its line; after COPY … FROM stdin the following
// lines are data up to the `\.` line. With sql-lexer.ts (psqlscan.l) this gives, byte for byte, the
// statements psql would send.
import { PgkeepError } from '../errors'
import { CopyDataScanner, END_OF_DATA, NEED_INPUT } from './copy-data'
import type { InputWindow } from './input-window'
import { CHAR_CLASS, DASH, LF, SPACE, XB, XC, XD, XDOLQ, XE, XQ, XUI, XUS } from './lex-bytes'
import { SqlLexer, type ScanEvent } from './sql-lexer'

export { END_OF_DATA, NEED_INPUT }
export type { ScanEvent }
export const SCRIPT_DONE = Symbol('script done')

export interface ScannerOptions {
  maxStatementBytes: number
  requireUnrestrict: boolean
}

const TRUNCATED = 'The script is cut short or damaged; restore from a complete copy.'

// modes
const START = 0
const SQL = 1
const COPY_LINE = 2
const COPY_DATA = 3

export class ScriptScanner extends SqlLexer {
  private mode = START
  // COPY
  private copyLine = 0
  private copyLineComment = false
  private copyData: CopyDataScanner | null = null
  private restrict: { key: string; line: number } | null = null

  constructor(
    w: InputWindow,
    private readonly options: ScannerOptions,
  ) {
    super(w, options.maxStatementBytes)
  }

  /** The next statement, COPY statement or backslash command; NEED_INPUT; or SCRIPT_DONE at a clean end. */
  next(): ScanEvent | typeof NEED_INPUT | typeof SCRIPT_DONE {
    if (this.mode === START && this.checkStart() === NEED_INPUT) return NEED_INPUT
    if (this.mode !== SQL) throw new PgkeepError('INTERNAL', 'the script splitter was asked for a statement in the middle of COPY data')
    const result = this.scan()
    if (result === NEED_INPUT) {
      this.flush()
      if (this.query.length + this.w.pending > this.maxStatementBytes) {
        throw this.tooLarge(this.query.length > 0 ? `the statement that starts at line ${this.stmtLine}` : `a single token or backslash-command line at line ${this.w.line}`)
      }
    }
    return result
  }

  /**
   * How many new bytes to gather before scanning again, after NEED_INPUT: as many as wait undecided (a long
   * token is looked at again only each time the input behind it doubles, so scanning stays linear), but no
   * more than it takes to pass maxStatementBytes, where the scan refuses it.
   */
  inputWanted(): number {
    const waiting = this.w.pending
    return Math.max(1, Math.min(waiting, this.maxStatementBytes - this.query.length - waiting + 1))
  }

  /** After a COPY event: skips the rest of its line (whitespace or a `--` comment only) and enters the data. */
  startCopyData(): typeof NEED_INPUT | undefined {
    const w = this.w
    const buf = w.buf
    const n = buf.length
    let i = w.pos
    while (i < n) {
      const c = buf[i]!
      if (c === LF) {
        w.pos = i + 1
        this.newLine()
        this.enterCopyData()
        return undefined
      }
      if (this.copyLineComment || CHAR_CLASS[c]! & SPACE) {
        i++
        continue
      }
      if (c === DASH && (i + 1 >= n ? !w.eof : buf[i + 1] === DASH)) {
        if (i + 1 >= n) break
        this.copyLineComment = true
        i += 2
        continue
      }
      throw new PgkeepError('SCRIPT_INVALID', `line ${w.line}: text follows "COPY … FROM stdin;" on the same line (psql would run it after the COPY data)`, {
        hint: 'Put the COPY statement on a line of its own, as pg_dump does.',
      })
    }
    w.pos = i
    if (!w.eof) return NEED_INPUT
    this.enterCopyData()
    return undefined
  }

  /** The next run of COPY data; END_OF_DATA after the `\.` line; NEED_INPUT. */
  readCopyData(): Buffer | typeof NEED_INPUT | typeof END_OF_DATA {
    const r = this.copyData!.read()
    if (r === END_OF_DATA) {
      this.copyData = null
      this.mode = SQL
      this.atLineStart = true
      return r
    }
    if (r === null) {
      throw new PgkeepError('SCRIPT_INVALID', `script ends inside the COPY data of the statement at line ${this.copyLine}: there is no "\\." line`, { hint: TRUNCATED })
    }
    return r
  }

  // --- internal ---

  private enterCopyData(): void {
    this.copyLineComment = false
    this.copyData = new CopyDataScanner(this.w)
    this.mode = COPY_DATA
  }

  /** psql refuses custom-format archives on line 1; a gzip member is the other common mistake. */
  private checkStart(): typeof NEED_INPUT | undefined {
    const w = this.w
    if (w.pending < 8 && !w.eof) return NEED_INPUT
    const buf = w.buf
    let p = w.pos
    if (buf[p] === 0xef && buf[p + 1] === 0xbb && buf[p + 2] === 0xbf) p += 3 // psql drops a UTF-8 byte-order mark
    if (buf[p] === 0x1f && buf[p + 1] === 0x8b) {
      throw new PgkeepError('SCRIPT_INVALID', 'the input is gzip-compressed, not a plain SQL script', { hint: 'Decompress it first.' })
    }
    if (buf.toString('latin1', p, p + 5) === 'PGDMP') {
      throw new PgkeepError('SCRIPT_INVALID', 'the input is a pg_dump custom-format archive, not a plain SQL script', { hint: 'Restore it with pg_restore.' })
    }
    w.pos = p
    w.refuseNul()
    this.mode = SQL
    return undefined
  }

  private scan(): ScanEvent | typeof NEED_INPUT | typeof SCRIPT_DONE {
    const w = this.w
    for (;;) {
      const buf = w.buf
      if (w.pos >= buf.length) return w.eof ? this.finish() : NEED_INPUT
      if (this.atLineStart) {
        // mainloop.c: an empty line outside quotes is dropped; otherwise lines are joined with \n
        if (buf[w.pos] === LF) {
          w.pos++
          this.newLine()
          continue
        }
        this.atLineStart = false
        if (this.qlen() > 0) {
          if (this.pendStart >= 0 && this.pendEnd === this.lastLf && this.lastLf + 1 === w.pos) {
            this.pendEnd = w.pos // the line's own \n, when nothing was dropped in between: no copy needed
          } else {
            this.flush()
            this.query.appendByte(LF)
          }
          this.addedNl = this.qlen()
        } else {
          this.addedNl = -1
        }
      }
      const r = this.scanToken(buf)
      if (r !== undefined) return r
    }
  }

  protected metaCommand(buf: Buffer): ScanEvent | typeof NEED_INPUT {
    const w = this.w
    const p = w.pos
    if (this.significant) {
      throw new PgkeepError('SCRIPT_INVALID', `line ${w.line}: a backslash command inside the statement that starts at line ${this.stmtLine}`, {
        hint: 'psql would run the command with the statement unfinished; end the statement with ";" first.',
      })
    }
    let e = buf.indexOf(LF, p)
    if (e < 0) {
      if (!w.eof) return NEED_INPUT
      e = buf.length
    }
    const text = this.decodeText(buf.subarray(p + 1, e))
    this.flush()
    // mainloop.c: a line holding only a backslash command leaves the query buffer as it was
    if (this.addedNl >= 0 && this.query.length === this.addedNl) this.query.truncate(this.addedNl - 1)
    this.addedNl = -1
    w.pos = e
    const split = /^([^ \t\r\f\\]*)([\s\S]*)$/.exec(text)!
    const command = split[1]!
    const args = split[2]!.replace(/^[ \t\r\f]+|[ \t\r\f]+$/g, '')
    if (command === '.') {
      throw new PgkeepError('SCRIPT_INVALID', `line ${w.line}: "\\." outside COPY data`, { hint: TRUNCATED })
    }
    const key = args.split(/[ \t\r\f]+/)[0] ?? ''
    if (command === 'restrict' && this.restrict === null) this.restrict = { key, line: w.line }
    else if (command === 'unrestrict' && this.restrict?.key === key) this.restrict = null
    return { kind: 'meta', command, args, line: w.line }
  }

  protected endStatement(): ScanEvent {
    let bytes: Buffer
    if (this.query.length === 0 && this.pendStart >= 0) {
      // the whole statement lies in the current chunk: hand out a view, valid until the scanner resumes
      bytes = this.w.buf.subarray(this.pendStart, this.pendEnd)
      this.pendStart = this.pendEnd = -1
      if (bytes.length > this.maxStatementBytes) throw this.tooLarge(`the statement that starts at line ${this.stmtLine}`)
    } else {
      this.flush()
      bytes = this.query.take()
    }
    const event: ScanEvent = {
      kind: this.copyFromStdin ? 'copy' : 'statement',
      bytes,
      line: this.stmtLine,
      entry: this.entry,
      firstWord: this.firstWord ?? '',
      binaryCopy: this.copyBinary,
    }
    this.significant = false
    this.firstWord = null
    this.prevWord = null
    this.copyFromStdin = false
    this.copyBinary = false
    this.addedNl = -1
    if (event.kind === 'copy') {
      this.copyLine = event.line
      this.mode = COPY_LINE
    }
    return event
  }

  private finish(): typeof SCRIPT_DONE {
    this.flush()
    const from = `that starts at line ${this.tokenLine}`
    switch (this.state) {
      case XC:
        throw this.truncated(`a /* comment */ ${from}`)
      case XQ:
      case XE:
      case XUS:
        throw this.truncated(`a quoted string ${from}`)
      case XB:
        throw this.truncated(`a bit-string or hex-string literal ${from}`)
      case XD:
      case XUI:
        throw this.truncated(`a quoted identifier ${from}`)
      case XDOLQ:
        throw this.truncated(`the dollar-quoted string ${shownTag(this.dolTag!)} ${from}`)
    }
    if (this.significant) {
      let why = 'no terminating ";"'
      if (this.parenDepth > 0) why = `${this.parenDepth} unclosed parenthes${this.parenDepth === 1 ? 'is' : 'es'}`
      else if (this.beginDepth > 0) why = 'its BEGIN ATOMIC … END body is not closed'
      throw this.truncated(`the statement that starts at line ${this.stmtLine} (${why})`)
    }
    if (this.restrict && this.options.requireUnrestrict) {
      throw this.truncated(`"\\restrict" (line ${this.restrict.line}): there is no matching "\\unrestrict" line`)
    }
    return SCRIPT_DONE
  }

  private truncated(what: string): PgkeepError {
    return new PgkeepError('SCRIPT_INVALID', `script ends inside ${what}`, { hint: TRUNCATED })
  }
}

/** A dollar-quote tag for a message: a long one (the lexer takes any length) is cut, with its length. */
function shownTag(tag: Buffer): string {
  if (tag.length <= 64) return tag.toString('utf8')
  return `${tag.subarray(0, 32).toString('utf8')}…$ (a tag of ${tag.length} bytes)`
}
