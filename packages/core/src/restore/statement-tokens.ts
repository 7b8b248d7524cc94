// The tokens of one complete SQL statement (as the splitter yields it), for strict restore to look at
// its shape: words (lower-cased), quoted identifiers, string literals (every PostgreSQL form), numbers and
// punctuation; comments and whitespace dropped. Pure and linear; no grammar, only the lexical layer.

export type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'param' | 'op'

export interface Token {
  kind: TokenKind
  /** word: lower-cased; ident: unquoted name; string: the literal's text (escapes left as written); op: the characters. */
  text: string
  /** Offset in the statement where the token starts. */
  at: number
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/
const OP_CHARS = '+-*/<>=~!@#%^&|`?'

/**
 * Tokens of `sql`. `standardConformingStrings` says how a plain '…' literal treats backslashes, as the
 * script's own `SET standard_conforming_strings` left it. Unterminated literals or comments (impossible in
 * a statement the splitter ended at its `;`) end the token list.
 */
export function tokenize(sql: string, standardConformingStrings = true): Token[] {
  const out: Token[] = []
  const n = sql.length
  let i = 0
  while (i < n) {
    const c = sql[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') { i++; continue }
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? n : nl + 1
      continue
    }
    if (c === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i)
      continue
    }
    const start = i
    // E'…', B'…', X'…', U&'…', N'…'
    if ((c === 'E' || c === 'e') && sql[i + 1] === "'") {
      const end = quotedEnd(sql, i + 1, "'", true)
      out.push({ kind: 'string', text: sql.slice(i + 2, end - 1), at: start })
      i = end
      continue
    }
    if ((c === 'B' || c === 'b' || c === 'X' || c === 'x' || c === 'N' || c === 'n') && sql[i + 1] === "'") {
      const end = quotedEnd(sql, i + 1, "'", false)
      out.push({ kind: 'string', text: sql.slice(i + 2, end - 1), at: start })
      i = end
      continue
    }
    if ((c === 'U' || c === 'u') && sql[i + 1] === '&' && (sql[i + 2] === "'" || sql[i + 2] === '"')) {
      const q = sql[i + 2]!
      const end = quotedEnd(sql, i + 2, q, false)
      out.push({ kind: q === "'" ? 'string' : 'ident', text: sql.slice(i + 3, end - 1), at: start })
      i = end
      continue
    }
    if (c === "'") {
      const end = quotedEnd(sql, i, "'", !standardConformingStrings)
      out.push({ kind: 'string', text: sql.slice(i + 1, end - 1), at: start })
      i = end
      continue
    }
    if (c === '"') {
      const end = quotedEnd(sql, i, '"', false)
      out.push({ kind: 'ident', text: sql.slice(i + 1, end - 1).replaceAll('""', '"'), at: start })
      i = end
      continue
    }
    if (c === '$') {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 200))
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length)
        const end = close < 0 ? n : close + tag[0].length
        out.push({ kind: 'string', text: sql.slice(i + tag[0].length, close < 0 ? n : close), at: start })
        i = end
        continue
      }
      let j = i + 1
      while (j < n && sql[j]! >= '0' && sql[j]! <= '9') j++
      out.push({ kind: 'param', text: sql.slice(i, j), at: start })
      i = j
      continue
    }
    if (WORD_START.test(c)) {
      let j = i + 1
      while (j < n && WORD_PART.test(sql[j]!)) j++
      out.push({ kind: 'word', text: sql.slice(i, j).toLowerCase(), at: start })
      i = j
      continue
    }
    if ((c >= '0' && c <= '9') || (c === '.' && sql[i + 1]! >= '0' && sql[i + 1]! <= '9')) {
      let j = i + 1
      while (j < n && /[0-9A-Za-z_.]/.test(sql[j]!)) {
        if (sql[j] === '.' && sql[j + 1] === '.') break
        if ((sql[j] === 'e' || sql[j] === 'E') && (sql[j + 1] === '+' || sql[j + 1] === '-')) j++
        j++
      }
      out.push({ kind: 'number', text: sql.slice(i, j), at: start })
      i = j
      continue
    }
    if (c === ':' && sql[i + 1] === ':') {
      out.push({ kind: 'op', text: '::', at: start })
      i += 2
      continue
    }
    if (OP_CHARS.includes(c)) {
      let j = i + 1
      while (j < n && OP_CHARS.includes(sql[j]!) && !(sql[j] === '-' && sql[j + 1] === '-') && !(sql[j] === '/' && sql[j + 1] === '*')) j++
      out.push({ kind: 'op', text: sql.slice(i, j), at: start })
      i = j
      continue
    }
    out.push({ kind: 'op', text: c, at: start })
    i++
  }
  return out
}

/** The offset just past the closing quote of the literal opened at `open`; doubled quotes stay inside. */
function quotedEnd(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1
  while (i < sql.length) {
    const c = sql[i]!
    if (backslashEscapes && c === '\\') { i += 2; continue }
    if (c === quote) {
      if (sql[i + 1] === quote) { i += 2; continue }
      return i + 1
    }
    i++
  }
  return sql.length
}

function skipBlockComment(sql: string, open: number): number {
  let depth = 0
  let i = open
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') { depth++; i += 2; continue }
    if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
      continue
    }
    i++
  }
  return sql.length
}
