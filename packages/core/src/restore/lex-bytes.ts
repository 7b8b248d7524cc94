// Byte-level tables of psqlscan.l, which works on bytes: every byte from 0x80 up counts as a letter, so
// multibyte characters (UTF-8 and every other server encoding) lex as identifier characters. Also the
// lexer's start conditions and the few token helpers that need no lexer state.

export const SPACE = 1 // {space} minus \n: [ \t\r\f] (\n ends the line before the lexer sees it)
export const IDENT_START = 2 // [A-Za-z\200-\377_]
export const IDENT_CONT = 4 // [A-Za-z\200-\377_0-9$]
export const DOLQ_CONT = 8 // [A-Za-z\200-\377_0-9], also psql's variable_char
export const DIGIT = 16 // [0-9]

export const CHAR_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(256)
  for (const c of [0x20, 0x09, 0x0d, 0x0c]) table[c] = SPACE
  const letter = (c: number) => (table[c] = IDENT_START | IDENT_CONT | DOLQ_CONT)
  for (let c = 0x41; c <= 0x5a; c++) letter(c)
  for (let c = 0x61; c <= 0x7a; c++) letter(c)
  for (let c = 0x80; c <= 0xff; c++) letter(c)
  letter(0x5f)
  for (let c = 0x30; c <= 0x39; c++) table[c] = IDENT_CONT | DOLQ_CONT | DIGIT
  table[0x24] = IDENT_CONT
  return table
})()

// psqlscan.l start conditions (xqs = after a closing quote, deciding on a continuation)
export const INITIAL = 0
export const XC = 1
export const XQ = 2
export const XE = 3
export const XB = 4 // also xh
export const XUS = 5
export const XD = 6
export const XUI = 7
export const XDOLQ = 8
export const XQS = 9
export const LINE_COMMENT = 10

export const LF = 0x0a
export const CR = 0x0d
export const TAB = 0x09
export const FF = 0x0c
export const SPACE_CHAR = 0x20
export const QUOTE = 0x27
export const DQUOTE = 0x22
export const DOLLAR = 0x24
export const AMP = 0x26
export const LPAREN = 0x28
export const RPAREN = 0x29
export const STAR = 0x2a
export const PLUS = 0x2b
export const DASH = 0x2d
export const DOT = 0x2e
export const SLASH = 0x2f
export const COLON = 0x3a
export const SEMI = 0x3b
export const BACKSLASH = 0x5c
export const UNDERSCORE = 0x5f
export const CH_C = 0x63
export const CH_F = 0x66
export const CH_O = 0x6f
export const CH_P = 0x70
export const CH_R = 0x72

export const ROUTINE_WORDS = new Set(['create', 'function', 'procedure', 'or', 'replace'])

/** Bytes whose meaning in INITIAL depends on the next byte. */
export const LOOKAHEAD_1: Uint8Array = (() => {
  const t = new Uint8Array(256)
  for (const c of [DASH, SLASH, DOT, DOLLAR, BACKSLASH, COLON]) t[c] = 1
  return t
})()

/** The end (at \r or \n) of a `--` comment at i; -1 if there is none, -2 when more input is needed. */
export function commentEnd(buf: Buffer, i: number, eof: boolean): number {
  const n = buf.length
  if (i + 1 >= n) return eof ? -1 : -2
  if (buf[i + 1] !== DASH) return -1
  let j = i + 2
  while (j < n && buf[j] !== LF && buf[j] !== CR) j++
  return j === n && !eof ? -2 : j
}

// the identifiers the splitter looks at, lower case; anything else reads as ''
const KEYWORDS = ['create', 'function', 'procedure', 'or', 'replace', 'begin', 'case', 'end', 'copy', 'from', 'stdin', 'binary', 'format', 'set', 'reset', 'select']
const KEYWORDS_BY_LENGTH: string[][] = []
for (const k of KEYWORDS) (KEYWORDS_BY_LENGTH[k.length] ??= []).push(k)

/** The keyword (from KEYWORDS) spelled by buf[s, e) in any case, or ''. Allocates nothing. */
export function keywordAt(buf: Buffer, s: number, e: number): string {
  const candidates = KEYWORDS_BY_LENGTH[e - s]
  if (candidates === undefined) return ''
  next: for (const k of candidates) {
    for (let i = 0; i < k.length; i++) if ((buf[s + i]! | 0x20) !== k.charCodeAt(i)) continue next
    return k
  }
  return ''
}

/** End of the digits (with single `_` separators) from i, or -1 when more input could extend them. */
export function digitsEnd(buf: Buffer, i: number, eof: boolean): number {
  const n = buf.length
  while (i < n) {
    const c = buf[i]!
    if (CHAR_CLASS[c]! & DIGIT) i++
    else if (c !== UNDERSCORE) return i
    else if (i + 1 >= n) return eof ? i : -1
    else if (CHAR_CLASS[buf[i + 1]!]! & DIGIT) i += 2
    else return i
  }
  return eof ? i : -1
}
