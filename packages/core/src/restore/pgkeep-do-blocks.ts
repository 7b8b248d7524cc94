// The only DO blocks strict restore runs: the two pgkeep writes itself (write/script.ts `whenExists`, a
// --clean --if-exists guard, and emit/table-parts.ts `renameFromParent`, a 17+ partition's exclusion
// constraint rename). A DO block is accepted when its body has exactly one of these shapes, token for
// token, with only its literals free; the statement a guard runs is returned to be checked like any other.
import { tokenize, type Token } from './statement-tokens'

/** A string-literal slot in a shape. */
const STR = Symbol('string')
type Shape = (string | typeof STR)[]

const GUARD: Shape = ['begin', 'if', 'pg_catalog', '.', 'to_regclass|to_regtype', '(', STR, ')', 'is', 'not', 'null', 'then', 'execute', STR, ';', 'end', 'if', ';', 'end']

const RENAME: Shape = [
  'declare', 'picked', 'name', ';', 'begin',
  'select', 'c', '.', 'conname', 'into', 'strict', 'picked', 'from', 'pg_catalog', '.', 'pg_constraint', 'c', 'join', 'pg_catalog', '.', 'pg_constraint', 'p',
  'on', 'p', '.', 'oid', '=', 'c', '.', 'conparentid',
  'where', 'c', '.', 'conrelid', '=', STR, '::', 'pg_catalog', '.', 'regclass',
  'and', 'p', '.', 'conrelid', '=', STR, '::', 'pg_catalog', '.', 'regclass', 'and', 'p', '.', 'conname', '=', STR, ';',
  'if', 'picked', '<>', STR, 'then',
  'execute', 'pg_catalog', '.', 'format', '(', STR, ',', 'picked', ',', STR, ')', ';',
  'end', 'if', ';', 'end',
]

export type DoBlockMatch = { kind: 'guard'; statement: string } | { kind: 'rename' }

/**
 * Which pgkeep DO block `tokens` (a whole `DO …;` statement's) is, or null when it is none of them.
 * `standardConformingStrings` is the script's setting, for the literals inside the body.
 */
export function matchPgkeepDoBlock(tokens: Token[], standardConformingStrings: boolean): DoBlockMatch | null {
  if (tokens.length !== 3 || tokens[0]!.text !== 'do' || tokens[1]!.kind !== 'string' || tokens[2]!.text !== ';') return null
  const body = tokenize(tokens[1]!.text, standardConformingStrings)
  const guard = matchShape(body, GUARD)
  if (guard) {
    // the EXECUTE argument is dollar-quoted: its text is the statement as written
    const statement = guard[1]!
    return { kind: 'guard', statement: `${statement};` }
  }
  const rename = matchShape(body, RENAME)
  if (rename && isRenameFormat(rename[4]!)) return { kind: 'rename' }
  return null
}

// --- internal ---

/** The string literals of `tokens` when they have exactly `shape`, else null. */
function matchShape(tokens: Token[], shape: Shape): string[] | null {
  if (tokens.length !== shape.length) return null
  const strings: string[] = []
  for (let i = 0; i < shape.length; i++) {
    const want = shape[i]!
    const got = tokens[i]!
    if (want === STR) {
      if (got.kind !== 'string') return null
      strings.push(got.text)
      continue
    }
    if (got.kind !== 'word' && got.kind !== 'op') return null
    if (!want.split('|').includes(got.text)) return null
  }
  return strings
}

/** `ALTER TABLE <relation> RENAME CONSTRAINT %I TO %I`, the format string of the rename (a '…' literal). */
function isRenameFormat(literal: string): boolean {
  const text = literal.replaceAll("''", "'").replaceAll('%%', '%')
  const t = tokenize(text)
  if (t.length < 10) return false
  const head = t.slice(0, 2).map((x) => x.text).join(' ')
  const tail = t.slice(-7).map((x) => `${x.kind}:${x.text}`).join(' ')
  if (head !== 'alter table' || tail !== 'word:rename word:constraint op:% word:i word:to op:% word:i') return false
  // the relation: one or two names joined by a dot
  const name = t.slice(2, -7)
  const isName = (x: Token | undefined) => x !== undefined && (x.kind === 'word' || x.kind === 'ident')
  if (name.length === 1) return isName(name[0])
  return name.length === 3 && isName(name[0]) && name[1]!.text === '.' && isName(name[2])
}
