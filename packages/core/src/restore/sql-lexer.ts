// psqlscan.l reimplemented on a byte stream: quotes, comments, dollar quotes, parentheses and the BEGIN
// ATOMIC heuristic, deciding where `;` ends a statement, and collecting the statement's bytes as psql's
// lexer echoes them. State lives between calls, so chunks may split anything; only a token still being
// decided (at most one identifier, number or dollar tag) waits for the next chunk.
import { PgkeepError } from '../errors'
import { NEED_INPUT } from './copy-data'
import { parseEntryHeader } from './entry-header'
import type { InputWindow } from './input-window'
import {
  AMP, BACKSLASH, CH_C, CH_F, CH_O, CH_P, CH_R, CHAR_CLASS, COLON, CR, DASH, DIGIT, DOLLAR, DOLQ_CONT, DOT, DQUOTE, FF, IDENT_CONT,
  IDENT_START, INITIAL, LF, LINE_COMMENT, LOOKAHEAD_1, LPAREN, PLUS, QUOTE, ROUTINE_WORDS, RPAREN, SEMI, SLASH, SPACE, SPACE_CHAR,
  STAR, TAB, XB, XC, XD, XDOLQ, XE, XQ, XQS, XUI, XUS, commentEnd, digitsEnd, keywordAt,
} from './lex-bytes'
import { QueryBuffer } from './query-buffer'
import type { EntryHeader } from './script-item'

/** What the scanner found. `bytes` may be a view of the input: read it before the scanner runs again. */
export type ScanEvent =
  | { kind: 'statement' | 'copy'; bytes: Buffer; line: number; entry: EntryHeader | null; firstWord: string; binaryCopy: boolean }
  | { kind: 'meta'; command: string; args: string; line: number }

const MAX_HEADER_BYTES = 1024 * 1024

export abstract class SqlLexer {
  /** The most recent pg_dump TOC header seen between statements. */
  entry: EntryHeader | null = null
  /** Decodes header comments; the splitter points it at the script's client_encoding. */
  decodeText: (bytes: Buffer) => string = (bytes) => bytes.toString('utf8')

  protected state = INITIAL
  protected atLineStart = true
  protected readonly query: QueryBuffer
  protected pendStart = -1
  protected pendEnd = -1
  protected addedNl = -1
  protected lastLf = -1 // where in the current chunk the last line end outside quotes was
  // psqlscan.l state
  protected parenDepth = 0
  protected beginDepth = 0
  private xcDepth = 0
  private identCount = 0
  private readonly idents = new Uint8Array(4)
  protected dolTag: Buffer | null = null
  private beforeStop = INITIAL
  private stdStrings = true
  private pendingStd: boolean | null = null
  // the statement being collected
  protected stmtLine = 0
  protected tokenLine = 0
  protected significant = false
  protected firstWord: string | null = null
  protected prevWord: string | null = null
  protected copyFromStdin = false
  protected copyBinary = false
  // `--` comments: echoed inside a statement, read as a possible TOC header between statements
  private lineCommentEcho = false
  private capture: Buffer[] = []
  private captureLen = 0

  constructor(
    protected readonly w: InputWindow,
    protected readonly maxStatementBytes: number,
  ) {
    this.query = new QueryBuffer(maxStatementBytes)
  }

  /** `;` at depth 0 ended a statement. */
  protected abstract endStatement(): ScanEvent
  /** A backslash (not `\;` or `\:`) outside quotes: a psql meta-command. */
  protected abstract metaCommand(buf: Buffer): ScanEvent | typeof NEED_INPUT

  /** One step of the lexer in its current state: consumes input, or returns an event or NEED_INPUT. */
  protected scanToken(buf: Buffer): ScanEvent | typeof NEED_INPUT | undefined {
    switch (this.state) {
      case INITIAL:
        return this.scanInitial(buf)
      case LINE_COMMENT:
        return this.scanLineComment(buf)
      case XC:
        return this.scanBlockComment(buf)
      case XD:
      case XUI:
        return this.scanQuotedIdent(buf)
      case XDOLQ:
        return this.scanDollarQuoted(buf)
      case XQS:
        return this.scanQuoteStop(buf)
      default:
        return this.scanString(buf)
    }
  }

  /** After `SET standard_conforming_strings`: psql reads the new value when it sets up the next line. */
  setStandardConformingStrings(on: boolean): void {
    this.pendingStd = on
  }

  private scanInitial(buf: Buffer): ScanEvent | typeof NEED_INPUT | undefined {
    const w = this.w
    const n = buf.length
    const p = w.pos
    const c = buf[p]!
    const cls = CHAR_CLASS[c]!
    if (c === LF) {
      this.lastLf = p
      w.pos = p + 1
      this.newLine()
      this.atLineStart = true
      return undefined
    }
    if (cls & SPACE) {
      let e = p + 1
      while (e < n && CHAR_CLASS[buf[e]!]! & SPACE) e++
      if (this.qlen() > 0) this.echo(p, e) // psql drops whitespace before a statement
      w.pos = e
      return undefined
    }
    if (cls & IDENT_START) return this.scanWord(buf)
    if (cls & DIGIT) return this.scanNumber(buf)
    const has1 = p + 1 < n
    const next = buf[p + 1]
    if (!has1 && !w.eof && LOOKAHEAD_1[c]) return NEED_INPUT
    switch (c) {
      case DASH:
        if (next === DASH) {
          this.lineCommentEcho = this.qlen() > 0
          this.capture = []
          this.captureLen = 0
          this.tokenLine = w.line
          this.state = LINE_COMMENT
          return undefined
        }
        break
      case SLASH:
        if (next === STAR) {
          this.echo(p, p + 2)
          w.pos = p + 2
          this.enter(XC)
          this.xcDepth = 0
          return undefined
        }
        break
      case DOT:
        if (next !== undefined && CHAR_CLASS[next]! & DIGIT) return this.scanNumber(buf)
        break
      case QUOTE:
        this.echoSignificant(p, p + 1)
        w.pos = p + 1
        this.enter(this.stdStrings ? XQ : XE)
        return undefined
      case DQUOTE:
        this.echoSignificant(p, p + 1)
        w.pos = p + 1
        this.enter(XD)
        return undefined
      case DOLLAR:
        return this.scanDollar(buf)
      case LPAREN:
        this.parenDepth++
        break
      case RPAREN:
        if (this.parenDepth > 0) this.parenDepth--
        break
      case SEMI:
        this.echoSignificant(p, p + 1)
        w.pos = p + 1
        if (this.parenDepth === 0 && this.beginDepth === 0) {
          this.identCount = 0
          return this.endStatement()
        }
        return undefined
      case BACKSLASH:
        if (next === SEMI || next === COLON) {
          // `\;` and `\:` put the bare character into the statement (a `\;` does not end it)
          this.echoSignificant(p + 1, p + 2)
          w.pos = p + 2
          if (next === SEMI) this.identCount = 0
          return undefined
        }
        return this.metaCommand(buf)
      case COLON:
        if (next === COLON) {
          this.echoSignificant(p, p + 2)
          w.pos = p + 2
          return undefined
        }
        if (next !== undefined && CHAR_CLASS[next]! & DOLQ_CONT) {
          // `:name` is one token (psql would substitute a variable of that name; with -X none are lower case)
          let e = p + 2
          while (e < n && CHAR_CLASS[buf[e]!]! & DOLQ_CONT) e++
          if (e === n && !w.eof) return NEED_INPUT
          this.echoSignificant(p, e)
          w.pos = e
          return undefined
        }
        break
    }
    this.echoSignificant(p, p + 1)
    w.pos = p + 1
    return undefined
  }

  /** An identifier, or the E'…', B'…', X'…', N'…', U&'…', U&"…" prefixes, which only start a token. */
  private scanWord(buf: Buffer): typeof NEED_INPUT | undefined {
    const w = this.w
    const n = buf.length
    const p = w.pos
    const lower = buf[p]! | 0x20
    if (lower === 0x65 || lower === 0x62 || lower === 0x78 || lower === 0x6e || lower === 0x75) {
      if (p + 1 >= n && !w.eof) return NEED_INPUT
      const next = buf[p + 1]
      if (next === QUOTE && lower !== 0x75) {
        if (lower === 0x6e) {
          this.echoSignificant(p, p + 1) // N'…' is read as n then an ordinary string
          w.pos = p + 1
          return undefined
        }
        this.echoSignificant(p, p + 2)
        w.pos = p + 2
        this.enter(lower === 0x65 ? XE : XB)
        return undefined
      }
      if (next === AMP && lower === 0x75) {
        if (p + 2 >= n && !w.eof) return NEED_INPUT
        const q = buf[p + 2]
        if (q === QUOTE || q === DQUOTE) {
          this.echoSignificant(p, p + 3)
          w.pos = p + 3
          this.enter(q === QUOTE ? XUS : XUI)
          return undefined
        }
        this.echoSignificant(p, p + 1) // xufailed: the u alone, not counted as an identifier
        w.pos = p + 1
        return undefined
      }
    }
    let e = p + 1
    while (e < n && CHAR_CLASS[buf[e]!]! & IDENT_CONT) e++
    if (e === n && !w.eof) return NEED_INPUT
    const wasSignificant = this.significant
    this.echo(p, e)
    this.significant = true
    w.pos = e
    // only a few identifiers of a statement can matter; most are counted without being read
    const needed = !wasSignificant || this.identCount < 4 || this.beginDepth > 0 || this.routine() || this.firstWord === 'copy'
    this.identifier(needed ? keywordAt(buf, p, e) : '', wasSignificant)
    return undefined
  }

  private routine(): boolean {
    const id = this.idents
    return id[0] === CH_C && (id[1] === CH_F || id[1] === CH_P || (id[1] === CH_O && id[2] === CH_R && (id[3] === CH_F || id[3] === CH_P)))
  }

  /**
   * psqlscan.l's BEGIN ATOMIC heuristic: in a statement whose first identifiers are CREATE [OR REPLACE]
   * FUNCTION|PROCEDURE, BEGIN and CASE (inside a BEGIN) open and END closes a level, at paren depth 0, and
   * `;` only ends the statement at level 0. Also notes COPY … FROM STDIN at paren depth 0.
   */
  private identifier(word: string, wasSignificant: boolean): void {
    const id = this.idents
    if (this.identCount === 0) id.fill(0)
    if (ROUTINE_WORDS.has(word) && this.identCount < id.length) id[this.identCount] = word.charCodeAt(0)
    this.identCount++
    if (this.parenDepth === 0 && this.routine()) {
      if (word === 'begin') this.beginDepth++
      else if (word === 'case') {
        if (this.beginDepth >= 1) this.beginDepth++
      } else if (word === 'end' && this.beginDepth > 0) this.beginDepth--
    }
    if (!wasSignificant) this.firstWord = word
    if (this.firstWord === 'copy') {
      if (word === 'stdin' && this.prevWord === 'from' && this.parenDepth === 0) this.copyFromStdin = true
      if (word === 'binary' && (this.parenDepth === 0 || this.prevWord === 'format')) this.copyBinary = true
    }
    this.prevWord = word
  }

  /**
   * Numbers as PostgreSQL 16+ lex them: digits with `_` separators, a fraction, an exponent, and any
   * identifier glued on (integer_junk and friends) in the same token, so `1e'x'` holds no E string and
   * `1_$a$` no dollar quote.
   */
  private scanNumber(buf: Buffer): typeof NEED_INPUT | undefined {
    const w = this.w
    const n = buf.length
    const eof = w.eof
    let i = w.pos
    if (buf[i] !== DOT && (i = digitsEnd(buf, i, eof)) < 0) return NEED_INPUT
    if (i < n && buf[i] === DOT) {
      if (i + 1 >= n && !eof) return NEED_INPUT
      if (buf[i + 1] !== DOT && (i = digitsEnd(buf, i + 1, eof)) < 0) return NEED_INPUT
    }
    let junk = true
    if (i < n && (buf[i]! | 0x20) === 0x65) {
      if (i + 1 >= n && !eof) return NEED_INPUT
      const s = buf[i + 1]
      if (s === PLUS || s === DASH) {
        const before = i + 2
        if ((i = digitsEnd(buf, before, eof)) < 0) return NEED_INPUT
        junk = i > before // realfail (`1e+` without digits) stands alone
      } else if (s !== undefined && CHAR_CLASS[s]! & DIGIT) {
        if ((i = digitsEnd(buf, i + 1, eof)) < 0) return NEED_INPUT
      }
    }
    if (junk && i < n && CHAR_CLASS[buf[i]!]! & IDENT_START) {
      i++
      while (i < n && CHAR_CLASS[buf[i]!]! & IDENT_CONT) i++
      if (i === n && !eof) return NEED_INPUT
    }
    this.echoSignificant(w.pos, i)
    w.pos = i
    return undefined
  }

  /** `$1` (a parameter), `$tag$`/`$$` (a dollar quote opens), or a lone `$`. */
  private scanDollar(buf: Buffer): typeof NEED_INPUT | undefined {
    const w = this.w
    const n = buf.length
    const p = w.pos
    const next = buf[p + 1]
    if (next !== undefined && CHAR_CLASS[next]! & DIGIT) {
      let e = p + 2
      while (e < n && CHAR_CLASS[buf[e]!]! & DIGIT) e++
      if (e < n && CHAR_CLASS[buf[e]!]! & IDENT_START) while (++e < n && CHAR_CLASS[buf[e]!]! & IDENT_CONT);
      if (e === n && !w.eof) return NEED_INPUT
      this.echoSignificant(p, e)
      w.pos = e
      return undefined
    }
    let end = -1
    if (next === DOLLAR) end = p + 2
    else if (next !== undefined && CHAR_CLASS[next]! & IDENT_START) {
      let i = p + 2
      while (i < n && CHAR_CLASS[buf[i]!]! & DOLQ_CONT) i++
      if (i === n && !w.eof) return NEED_INPUT
      if (buf[i] === DOLLAR) end = i + 1
    }
    if (end < 0) {
      this.echoSignificant(p, p + 1) // dolqfailed: only the $ is taken; what follows lexes on its own
      w.pos = p + 1
      return undefined
    }
    this.dolTag = Buffer.from(buf.subarray(p, end))
    this.echoSignificant(p, end)
    w.pos = end
    this.enter(XDOLQ)
    return undefined
  }

  private scanLineComment(buf: Buffer): typeof NEED_INPUT | undefined {
    const w = this.w
    const n = buf.length
    let i = w.pos
    while (i < n && buf[i] !== LF && buf[i] !== CR) i++
    if (this.lineCommentEcho) this.echo(w.pos, i)
    else if (this.captureLen < MAX_HEADER_BYTES) {
      this.capture.push(Buffer.from(buf.subarray(w.pos, Math.min(i, w.pos + MAX_HEADER_BYTES - this.captureLen))))
      this.captureLen += i - w.pos
    }
    w.pos = i
    if (i === n && !w.eof) return NEED_INPUT
    this.state = INITIAL
    if (!this.lineCommentEcho && this.captureLen <= MAX_HEADER_BYTES) {
      const header = parseEntryHeader(this.decodeText(Buffer.concat(this.capture)), this.tokenLine)
      if (header) this.entry = header
    }
    this.capture = []
    return undefined
  }

  /** Nested `/* … *\/`, as psqlscan.l's xc state. */
  private scanBlockComment(buf: Buffer): typeof NEED_INPUT | undefined {
    const w = this.w
    const n = buf.length
    let i = w.pos
    while (i < n) {
      const c = buf[i]!
      if (c === LF) this.newLine()
      else if (c === SLASH || c === STAR) {
        if (i + 1 >= n) {
          if (!w.eof) break
        } else if (c === SLASH && buf[i + 1] === STAR) {
          this.xcDepth++
          i += 2
          continue
        } else if (c === STAR && buf[i + 1] === SLASH) {
          i += 2
          if (this.xcDepth <= 0) {
            this.state = INITIAL
            break
          }
          this.xcDepth--
          continue
        }
      }
      i++
    }
    this.echo(w.pos, i)
    w.pos = i
    return this.state === XC && i < n ? NEED_INPUT : undefined
  }

  /** '…', E'…' (backslash escapes), B'…'/X'…' (no '' inside), U&'…'. */
  private scanString(buf: Buffer): typeof NEED_INPUT | undefined {
    const w = this.w
    const n = buf.length
    const st = this.state
    let i = w.pos
    let result: typeof NEED_INPUT | undefined
    while (i < n) {
      const c = buf[i]!
      if (c === QUOTE) {
        if (st !== XB) {
          if (i + 1 >= n && !w.eof) {
            result = NEED_INPUT
            break
          }
          if (buf[i + 1] === QUOTE) {
            i += 2
            continue
          }
        }
        i++
        this.beforeStop = st
        this.state = XQS
        break
      }
      if (c === BACKSLASH && st === XE) {
        if (i + 1 >= n) {
          if (!w.eof) {
            result = NEED_INPUT
            break
          }
        } else if (buf[i + 1] !== LF) i++ // at the end of a line psql sees the backslash alone
      } else if (c === LF) this.newLine()
      i++
    }
    this.echo(w.pos, i)
    w.pos = i
    return result
  }

  private scanQuotedIdent(buf: Buffer): typeof NEED_INPUT | undefined {
    const w = this.w
    const n = buf.length
    let i = w.pos
    let result: typeof NEED_INPUT | undefined
    while (i < n) {
      const c = buf[i]!
      if (c === DQUOTE) {
        if (i + 1 >= n && !w.eof) {
          result = NEED_INPUT
          break
        }
        if (buf[i + 1] === DQUOTE) {
          i += 2
          continue
        }
        i++
        this.state = INITIAL
        break
      }
      if (c === LF) this.newLine()
      i++
    }
    this.echo(w.pos, i)
    w.pos = i
    return result
  }

  /**
   * Inside $tag$…$tag$ the first occurrence of the exact tag closes it: every `$` there starts a flex
   * token, and a delimiter that differs gives back its last `$`, so a search for the tag agrees.
   */
  private scanDollarQuoted(buf: Buffer): typeof NEED_INPUT | undefined {
    const w = this.w
    const tag = this.dolTag!
    const n = buf.length
    const at = buf.indexOf(tag, w.pos)
    const end = at >= 0 ? at + tag.length : w.eof ? n : Math.max(w.pos, n - tag.length + 1)
    for (let i = buf.indexOf(LF, w.pos); i >= 0 && i < end; i = buf.indexOf(LF, i + 1)) this.newLine()
    this.echo(w.pos, end)
    w.pos = end
    if (at >= 0) {
      this.state = INITIAL
      this.dolTag = null
      return undefined
    }
    return w.eof ? undefined : NEED_INPUT
  }

  /**
   * After a closing quote psqlscan.l looks for a continuation: whitespace holding a newline, then a quote.
   * psql lexes one line at a time, so only a \r inside the line can be that newline.
   */
  private scanQuoteStop(buf: Buffer): typeof NEED_INPUT | undefined {
    const w = this.w
    const n = buf.length
    const eof = w.eof
    let i = w.pos
    let sawNewline = false
    for (;;) {
      if (i >= n) {
        if (!eof) return NEED_INPUT
        break
      }
      const c = buf[i]!
      if (c === SPACE_CHAR || c === TAB || c === FF || (sawNewline && c === CR)) i++
      else if (c === CR) {
        sawNewline = true
        i++
      } else if (c === DASH) {
        const j = commentEnd(buf, i, eof)
        if (j === -2) return NEED_INPUT
        if (j < 0) break
        if (sawNewline && buf[j] !== CR) break // after the newline a comment must end in one
        i = j
      } else {
        if (c === QUOTE && sawNewline) {
          this.echo(w.pos, i + 1)
          w.pos = i + 1
          this.state = this.beforeStop
          return undefined
        }
        break
      }
    }
    this.state = INITIAL
    return undefined
  }

  protected tooLarge(what: string): PgkeepError {
    const max = this.maxStatementBytes
    return new PgkeepError('SCRIPT_INVALID', `${what} is larger than maxStatementBytes (${max} bytes)`, {
      hint: 'Raise maxStatementBytes (pgkeep restore --max-statement-size) if the script is sound; peak memory grows with it.',
    })
  }

  private enter(state: number): void {
    this.state = state
    this.tokenLine = this.w.line
  }

  protected newLine(): void {
    this.w.line++
    if (this.pendingStd !== null) {
      this.stdStrings = this.pendingStd
      this.pendingStd = null
    }
  }

  protected qlen(): number {
    return this.query.length + (this.pendStart < 0 ? 0 : this.pendEnd - this.pendStart)
  }

  /** Adds input bytes [s, e) to the statement; runs of adjacent echoes are copied in one go. */
  private echo(s: number, e: number): void {
    if (e <= s) return
    if (this.pendStart < 0) {
      if (this.query.length === 0) this.stmtLine = this.w.line
      this.pendStart = s
      this.pendEnd = e
    } else if (this.pendEnd === s) {
      this.pendEnd = e
    } else {
      this.flush()
      this.pendStart = s
      this.pendEnd = e
    }
  }

  private echoSignificant(s: number, e: number): void {
    this.echo(s, e)
    this.significant = true
    this.prevWord = null
  }

  /** Copies the pending echo into the statement; refuses it before the copy when it would pass the limit. */
  protected flush(): void {
    if (this.pendStart < 0) return
    if (this.query.length + this.pendEnd - this.pendStart > this.maxStatementBytes) throw this.tooLarge(`the statement that starts at line ${this.stmtLine}`)
    this.query.append(this.w.buf, this.pendStart, this.pendEnd)
    this.pendStart = this.pendEnd = -1
  }
}
