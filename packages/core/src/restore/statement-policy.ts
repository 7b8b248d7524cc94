// Strict restore: a script may hold only the statement forms pg_dump (13–18) and pgkeep write, each
// where they write it. Anything else (COPY FROM PROGRAM or a file, ALTER SYSTEM, roles, arbitrary DO
// blocks or SELECTs, C functions, LOAD, VACUUM, …) is refused with SCRIPT_REFUSED before it is sent,
// naming the line, the entry and the rule. An allow-list: a statement is accepted only when a rule
// below recognises its shape.
import { PgkeepError } from '../errors'
import { matchPgkeepDoBlock } from './pgkeep-do-blocks'
import type { EntryHeader, ScriptItem } from './script-item'
import { tokenize, type Token } from './statement-tokens'

export interface StatementPolicy {
  /**
   * Throws SCRIPT_REFUSED when the item is not something a dump contains. Call it for every item, in order.
   * 'hold': the item can be judged only by the next one (a switch to the role that owns the next entry, as
   * pg_dump writes it before the entry's header): run it only after the next check passes, or after finish().
   */
  check(item: ScriptItem): 'ok' | 'hold'
  /** Judges what is still held; throws SCRIPT_REFUSED. */
  finish(): void
}

/** The rules, by name (the name appears in every refusal). */
export const STRICT_RULES = {
  'copy-from-stdin-only': 'COPY is only ever "COPY table (columns) FROM stdin;" in a table\'s data',
  'dump-statement-forms': 'only the statements pg_dump and pgkeep write',
  'no-cluster-wide-changes': 'no roles, databases, tablespaces or server settings',
  'do-pgkeep-templates-only': 'DO blocks only in the shapes pgkeep writes',
  'select-catalog-calls-only': 'SELECT only as the catalog function calls a dump makes (set_config, setval, lo_*, statistics)',
  'insert-values-only': 'INSERT only as "INSERT INTO table … VALUES (literals)" in a table\'s data',
  'set-dump-settings-only': 'SET only for the session settings a dump sets',
  'role-switch-to-owners': 'SET ROLE / SET SESSION AUTHORIZATION only to a role the dump names as an owner (of an entry before it or of the next one) or gave a grant option to',
  'c-functions-from-libdir': 'functions in LANGUAGE c only from a library installed in the server\'s $libdir',
  'subscription-not-connected': 'CREATE SUBSCRIPTION only with connect = false, ALTER SUBSCRIPTION only OWNER TO',
  'grant-on-objects': 'GRANT / REVOKE only of privileges on objects, not of roles',
} as const

export type StrictRule = keyof typeof STRICT_RULES

export function strictStatementPolicy(): StatementPolicy {
  return new StrictPolicy()
}

/** The policy of `allowAnyStatement: true`: everything passes. */
export const ANY_STATEMENT: StatementPolicy = { check: () => 'ok', finish() {} }

// --- internal ---

const SETTINGS = new Set([
  'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'transaction_timeout', 'client_encoding',
  'standard_conforming_strings', 'check_function_bodies', 'xmloption', 'client_min_messages', 'row_security',
  'escape_string_warning', 'default_tablespace', 'default_table_access_method', 'default_with_oids', 'search_path',
])

/** Object kinds after CREATE (after OR REPLACE and modifiers), ALTER and DROP. */
const OBJECT_WORDS = new Set([
  'schema', 'extension', 'type', 'domain', 'function', 'procedure', 'aggregate', 'operator', 'cast', 'conversion', 'collation',
  'text', 'foreign', 'server', 'table', 'sequence', 'view', 'materialized', 'index', 'statistics', 'trigger', 'event', 'rule',
  'policy', 'publication', 'subscription', 'access', 'transform', 'language', 'procedural', 'large', 'default', 'routine',
])
const CREATE_MODIFIERS = new Set(['unique', 'unlogged', 'trusted', 'procedural', 'default', 'constraint', 'recursive'])
const CLUSTER_WIDE = new Set(['system', 'role', 'user', 'group', 'database', 'tablespace'])
const TRANSACTION_WORDS = new Set(['begin', 'commit', 'end', 'start'])

const DATA_ENTRY = 'TABLE DATA'
const LARGE_OBJECT_ENTRIES = new Set(['BLOB', 'BLOBS', 'BLOB METADATA', 'LARGE OBJECTS'])

/** Catalog functions a dump calls with SELECT, and the entries it calls them in (null: the preamble). */
const CATALOG_CALLS: Record<string, (entry: EntryHeader | null) => boolean> = {
  set_config: (e) => e === null,
  setval: (e) => e?.type === 'SEQUENCE SET',
  lo_create: (e) => e !== null && LARGE_OBJECT_ENTRIES.has(e.type),
  lo_open: (e) => e !== null && LARGE_OBJECT_ENTRIES.has(e.type),
  lowrite: (e) => e !== null && LARGE_OBJECT_ENTRIES.has(e.type),
  lo_close: (e) => e !== null && LARGE_OBJECT_ENTRIES.has(e.type),
  // --clean: the DROPs come before the first entry's header
  lo_unlink: (e) => e === null || LARGE_OBJECT_ENTRIES.has(e.type),
  pg_restore_relation_stats: (e) => e?.type === 'STATISTICS DATA',
  pg_restore_attribute_stats: (e) => e?.type === 'STATISTICS DATA',
}

class Refusal extends Error {
  constructor(readonly rule: StrictRule, readonly what: string) {
    super(what)
  }
}

class StrictPolicy implements StatementPolicy {
  private standardConformingStrings = true
  /** Roles the script names as owners (TOC headers) or gives a grant option to (possible grantors). */
  private readonly owners = new Set<string>()
  /** A role switch to a role not named yet: the next item's entry must be owned by it. */
  private pending: { role: string; line: number; entry: EntryHeader | null } | null = null
  private switchTo: string | null = null

  check(item: ScriptItem): 'ok' | 'hold' {
    // backslash commands are apply-script's to refuse (SCRIPT_INVALID), strict or not
    if (item.kind === 'meta') return 'ok'
    if (item.entry?.owner) this.owners.add(item.entry.owner)
    this.settle()
    this.switchTo = null
    try {
      this.checkStatement(item.sql, item.entry, item.kind === 'copy')
    } catch (error) {
      if (error instanceof Refusal) throw refused(error.rule, error.what, item.line, item.entry)
      throw error
    }
    const role = this.switchTo as string | null
    if (role === null || this.owners.has(role)) return 'ok'
    this.pending = { role, line: item.line, entry: item.entry }
    return 'hold'
  }

  finish(): void {
    this.settle()
  }

  private settle(): void {
    const p = this.pending
    if (!p) return
    this.pending = null
    if (!this.owners.has(p.role)) {
      throw refused('role-switch-to-owners', `a switch to role ${JSON.stringify(p.role)}, which owns neither an entry before it nor the next one and has no grant option`, p.line, p.entry)
    }
  }

  private checkStatement(sql: string, entry: EntryHeader | null, isCopy: boolean): void {
    const t = tokenize(sql, this.standardConformingStrings)
    const w = (i: number) => (t[i]?.kind === 'word' ? t[i]!.text : '')
    const first = w(0)
    if (isCopy || first === 'copy') return this.checkCopy(t, entry, isCopy)
    switch (first) {
      case 'create': return this.checkCreate(t)
      case 'alter': return checkAlter(t)
      case 'drop': return checkDrop(t)
      case 'comment': return expect(w(1) === 'on', 'dump-statement-forms', 'COMMENT without ON')
      case 'security': return expect(w(1) === 'label', 'dump-statement-forms', 'SECURITY without LABEL')
      case 'grant': case 'revoke': return checkGrant(t, this.owners)
      case 'set': return this.checkSet(t)
      case 'reset': return checkReset(t)
      case 'select': return checkSelect(t, entry)
      case 'insert': return checkInsert(t, entry)
      case 'do': return this.checkDo(t, entry)
      case 'refresh':
        expect(w(1) === 'materialized' && w(2) === 'view', 'dump-statement-forms', 'REFRESH other than MATERIALIZED VIEW')
        return expect(entry?.type === 'MATERIALIZED VIEW DATA', 'dump-statement-forms', 'REFRESH MATERIALIZED VIEW outside a MATERIALIZED VIEW DATA entry')
      default:
        if (TRANSACTION_WORDS.has(first) && isTransactionControl(t)) return
        throw new Refusal('dump-statement-forms', `${headOf(t)} is not something a dump contains`)
    }
  }

  private checkCopy(t: Token[], entry: EntryHeader | null, isCopy: boolean): void {
    // COPY <relation> [(<columns>)] FROM stdin;
    let i = 1
    i = skipName(t, i)
    if (t[i]?.text === '(') i = skipParens(t, i)
    const shape = i > 1 && t[i]?.text === 'from' && t[i + 1]?.kind === 'word' && t[i + 1]!.text === 'stdin' && t[i + 2]?.text === ';' && t.length === i + 3
    if (!isCopy || !shape) throw new Refusal('copy-from-stdin-only', `${copyForm(t)} is not something a dump contains`)
    expect(entry !== null && (entry.type === DATA_ENTRY || entry.isData), 'copy-from-stdin-only', 'COPY … FROM stdin outside a table\'s data entry')
  }

  private checkCreate(t: Token[]): void {
    let i = 1
    if (t[i]?.text === 'or' && t[i + 1]?.text === 'replace') i += 2
    while (t[i]?.kind === 'word' && CREATE_MODIFIERS.has(t[i]!.text) && !(t[i]!.text === 'default' && t[i + 1]?.text !== 'conversion')) i++
    const kind = t[i]?.kind === 'word' ? t[i]!.text : ''
    if (kind === 'user' && t[i + 1]?.text === 'mapping') return
    if (CLUSTER_WIDE.has(kind)) throw new Refusal('no-cluster-wide-changes', `CREATE ${kind.toUpperCase()} is not something a dump of one database contains`)
    if (!OBJECT_WORDS.has(kind)) throw new Refusal('dump-statement-forms', `${headOf(t)} is not something a dump contains`)
    if (kind === 'function' || kind === 'procedure') checkLanguage(t)
    if (kind === 'subscription') checkSubscription(t)
  }

  private checkSet(t: Token[]): void {
    let i = 1
    if (t[i]?.text === 'session' && t[i + 1]?.text !== 'authorization') i++
    const name = t[i]?.kind === 'word' ? t[i]!.text : ''
    if (name === 'role' || (name === 'session' && t[i + 1]?.text === 'authorization')) {
      const at = name === 'role' ? i + 1 : i + 2
      const role = t[at]
      if (!role || (role.kind !== 'word' && role.kind !== 'ident' && role.kind !== 'string') || t[at + 1]?.text !== ';' || t.length !== at + 2) {
        throw new Refusal('role-switch-to-owners', `${headOf(t)} in a form pg_dump does not write`)
      }
      if (role.kind === 'word' && (role.text === 'none' || role.text === 'default')) return
      this.switchTo = role.text
      return
    }
    if (name === 'local' || !SETTINGS.has(name)) throw new Refusal('set-dump-settings-only', `SET ${name || headOf(t)} is not a setting a dump sets`)
    const op = t[i + 1]?.text
    expect(op === '=' || op === 'to', 'set-dump-settings-only', `SET ${name} without = or TO`)
    const values = t.slice(i + 2, -1)
    expect(t.at(-1)?.text === ';' && values.length > 0 && values.every((v) => v.kind !== 'op' || v.text === ','), 'set-dump-settings-only', `SET ${name} to something other than plain values`)
    if (name === 'standard_conforming_strings') {
      const v = values[0]!.text.toLowerCase()
      this.standardConformingStrings = !(v === 'off' || v === 'false' || v === '0')
    }
  }

  private checkDo(t: Token[], entry: EntryHeader | null): void {
    const match = matchPgkeepDoBlock(t, this.standardConformingStrings)
    if (!match) throw new Refusal('do-pgkeep-templates-only', 'a DO block other than the ones pgkeep writes is not something a dump contains')
    if (match.kind === 'guard') {
      // the guarded statement: a dummy view or a domain constraint's DROP, and nothing after it
      const inner = tokenize(match.statement, this.standardConformingStrings)
      const semicolons = inner.filter((x) => x.kind === 'op' && x.text === ';').length
      const head = inner.slice(0, 4).map((x) => x.text).join(' ')
      const fits = semicolons === 1 && (head === 'create or replace view' || (head.startsWith('alter domain') && inner.some((x, k) => x.text === 'drop' && inner[k + 1]?.text === 'constraint')))
      expect(fits, 'do-pgkeep-templates-only', 'a DO guard around a statement other than a dummy view or a domain constraint\'s DROP')
      this.checkStatement(match.statement, entry, false)
    }
  }
}

function checkAlter(t: Token[]): void {
  const kind = t[1]?.kind === 'word' ? t[1]!.text : ''
  if (CLUSTER_WIDE.has(kind)) throw new Refusal('no-cluster-wide-changes', `ALTER ${kind.toUpperCase()} is not something a dump of one database contains`)
  // ALTER EXTENSION (UPDATE runs the extension's scripts) is written only in binary-upgrade mode
  if (!OBJECT_WORDS.has(kind) || kind === 'extension') throw new Refusal('dump-statement-forms', `${headOf(t)} is not something a dump contains`)
  if (kind === 'function' || kind === 'procedure' || kind === 'routine') checkLanguage(t)
  // ENABLE, CONNECTION, REFRESH PUBLICATION would reach out to a publisher; a dump only sets the owner
  if (kind === 'subscription') {
    const at = skipName(t, 2)
    expect(at > 2 && t[at]?.text === 'owner' && t[at + 1]?.text === 'to', 'subscription-not-connected', 'ALTER SUBSCRIPTION other than OWNER TO')
  }
}

function checkDrop(t: Token[]): void {
  const kind = t[1]?.kind === 'word' ? t[1]!.text : ''
  if (kind === 'user' && t[2]?.text === 'mapping') return
  if (CLUSTER_WIDE.has(kind)) throw new Refusal('no-cluster-wide-changes', `DROP ${kind.toUpperCase()} is not something a dump of one database contains`)
  if (!OBJECT_WORDS.has(kind)) throw new Refusal('dump-statement-forms', `${headOf(t)} is not something a dump contains`)
}

/** GRANT/REVOKE … ON …: privileges on objects; role membership (no ON) is pg_dumpall's, not a dump's. */
function checkGrant(t: Token[], grantors: Set<string>): void {
  const on = t.findIndex((x) => x.kind === 'word' && x.text === 'on')
  const to = t.findIndex((x) => x.kind === 'word' && (x.text === 'to' || x.text === 'from'))
  if (on < 0 || to < 0 || on > to) throw new Refusal('grant-on-objects', `${headOf(t)} of a role (no ON …) is not something a dump contains`)
  // whoever gets a grant option may grant in turn: a dump switches to that role to replay its grants
  if (t[0]!.text === 'grant' && t.some((x, k) => x.text === 'with' && t[k + 1]?.text === 'grant' && t[k + 2]?.text === 'option')) {
    for (let k = to + 1; k < t.length && t[k]!.text !== 'with'; k++) {
      if ((t[k]!.kind === 'word' && t[k]!.text !== 'group') || t[k]!.kind === 'ident') grantors.add(t[k]!.text)
    }
  }
}

function checkReset(t: Token[]): void {
  const name = t[1]?.kind === 'word' ? t[1]!.text : ''
  const ok = (name === 'role' && t.length === 3) || (name === 'session' && t[2]?.text === 'authorization' && t.length === 4) || (SETTINGS.has(name) && t.length === 3)
  expect(ok, 'set-dump-settings-only', `${headOf(t)} is not something a dump contains`)
}

function checkSelect(t: Token[], entry: EntryHeader | null): void {
  // SELECT * FROM pg_catalog.pg_restore_…_stats(…); | SELECT pg_catalog.fn(literals); | the lo_unlink of --clean --if-exists
  let i = 1
  if (t[1]?.text === '*' && t[2]?.text === 'from') i = 3
  const fn = t[i]?.text === 'pg_catalog' && t[i + 1]?.text === '.' && t[i + 2]?.kind === 'word' ? t[i + 2]!.text : ''
  const allowedHere = CATALOG_CALLS[fn]
  if (!allowedHere) throw new Refusal('select-catalog-calls-only', `${selectForm(t)} is not something a dump contains`)
  if ((i === 3) !== fn.startsWith('pg_restore_')) throw new Refusal('select-catalog-calls-only', `${selectForm(t)} is not something a dump contains`)
  if (!allowedHere(entry)) throw new Refusal('select-catalog-calls-only', `pg_catalog.${fn}() outside the entries a dump calls it in`)
  if (t[i + 3]?.text !== '(') throw new Refusal('select-catalog-calls-only', `${selectForm(t)} is not something a dump contains`)
  const close = skipParens(t, i + 3)
  const rest = t.slice(close).map((x) => x.text).join(' ')
  if (fn === 'lo_unlink' && t[i + 4]?.text === 'oid' && close === i + 6) {
    const tail = 'from pg_catalog . pg_largeobject_metadata where oid = '
    expect(rest.startsWith(tail) && t.length === close + 9 && t[close + 7]!.kind === 'string', 'select-catalog-calls-only', 'lo_unlink over other rows than one large object')
    return
  }
  expect(rest === ';' && literalsOnly(t.slice(i + 4, close - 1)), 'select-catalog-calls-only', `pg_catalog.${fn}() with arguments other than literals`)
}

function checkInsert(t: Token[], entry: EntryHeader | null): void {
  expect(entry !== null && (entry.type === DATA_ENTRY || entry.isData), 'insert-values-only', 'INSERT outside a table\'s data entry')
  let i = 1
  expect(t[i]?.text === 'into', 'insert-values-only', 'INSERT without INTO')
  i = skipName(t, i + 1)
  if (t[i]?.text === '(') i = skipParens(t, i)
  if (t[i]?.text === 'overriding') i += 3
  // a table without columns
  if (t[i]?.text === 'default' && t[i + 1]?.text === 'values' && t[i + 2]?.text === ';' && t.length === i + 3) return
  expect(t[i]?.text === 'values' && t.at(-1)?.text === ';', 'insert-values-only', 'INSERT other than … VALUES (…)')
  const values = t.slice(i + 1, -1)
  expect(values.every((x) => x.kind !== 'op' || x.text === '(' || x.text === ')' || x.text === ',' || x.text === '-' || x.text === '+' || x.text === '::' || x.text === '.' || x.text === '[' || x.text === ']'), 'insert-values-only', 'INSERT values other than literals')
  expect(values.every((x, k) => x.kind !== 'word' || values[k + 1]?.text !== '(' || values[k - 1]?.text === '::'), 'insert-values-only', 'INSERT values that call a function')
  expect(values.every((x, k) => x.kind !== 'word' || ['null', 'true', 'false', 'default'].includes(x.text) || isTypeName(values, k)), 'insert-values-only', 'INSERT values other than literals')
}

/** Literals, negative numbers and casts, separated by commas: the arguments of a dump's catalog calls. */
function literalsOnly(args: Token[]): boolean {
  for (let k = 0; k < args.length; k++) {
    const x = args[k]!
    if (x.kind === 'string' || x.kind === 'number' || x.text === ',' || x.text === '-') continue
    if (x.kind === 'word' && (x.text === 'true' || x.text === 'false' || x.text === 'null')) continue
    if (x.text === '::') {
      k++
      while (k < args.length && args[k]!.text !== ',') {
        const y = args[k]!
        if (!(y.kind === 'word' || y.kind === 'ident' || y.text === '.' || y.text === '[' || y.text === ']')) return false
        k++
      }
      k--
      continue
    }
    return false
  }
  return true
}

/** Whether the word at `k` is part of a cast's type name (`::pg_catalog.text[]`, `::double precision`). */
function isTypeName(tokens: Token[], k: number): boolean {
  for (let j = k - 1; j >= 0; j--) {
    const x = tokens[j]!
    if (x.text === '::') return true
    if (!(x.kind === 'word' || x.kind === 'ident' || x.text === '.')) return false
  }
  return false
}

/**
 * LANGUAGE c: pg_dump writes a user's C function with its library as the catalog holds it (`$libdir/name` or
 * a bare name looked up in dynamic_library_path). Any other path would load a file from anywhere on the
 * server (one a COPY … TO or lo_export wrote, say), so it is refused. LANGUAGE internal can only name a
 * function built into the server, which the server checks itself.
 */
function checkLanguage(t: Token[]): void {
  const c = t.some((x, k) => x.kind === 'word' && x.text === 'language' && k > 0 && t[k - 1]!.text !== '(' && t[k - 1]!.text !== ',' && t[k + 1]?.text.toLowerCase() === 'c')
  if (!c) return
  const as = t.findIndex((x, k) => x.kind === 'word' && x.text === 'as' && t[k + 1]?.kind === 'string')
  const library = as < 0 ? null : t[as + 1]!.text
  if (library !== null && /^(?:\$libdir\/)?[A-Za-z0-9_.-]+$/.test(library) && !library.includes('..')) return
  throw new Refusal('c-functions-from-libdir', `a function in LANGUAGE c loading ${library === null ? 'no named library' : JSON.stringify(library)}, not a library of the server's $libdir`)
}

function checkSubscription(t: Token[]): void {
  const connectOff = t.some((x, k) => x.kind === 'word' && x.text === 'connect' && t[k + 1]?.text === '=' && ['false', 'off', '0'].includes(t[k + 2]!.text.toLowerCase()))
  expect(connectOff, 'subscription-not-connected', 'CREATE SUBSCRIPTION that connects to its publisher (pg_dump writes connect = false)')
}

function isTransactionControl(t: Token[]): boolean {
  const words = t.map((x) => x.text).join(' ')
  return /^(?:begin|commit|end|start transaction)(?: work| transaction)? ;$/.test(words)
}

/** After a (qualified) name starting at i: the index of the next token. */
function skipName(t: Token[], i: number): number {
  if (t[i]?.kind !== 'word' && t[i]?.kind !== 'ident') return i
  i++
  while (t[i]?.text === '.' && (t[i + 1]?.kind === 'word' || t[i + 1]?.kind === 'ident')) i += 2
  return i
}

/** From an opening parenthesis at i: the index after its matching close. */
function skipParens(t: Token[], i: number): number {
  let depth = 0
  for (; i < t.length; i++) {
    if (t[i]!.kind !== 'op') continue
    if (t[i]!.text === '(') depth++
    else if (t[i]!.text === ')' && --depth === 0) return i + 1
  }
  return t.length
}

function expect(ok: boolean, rule: StrictRule, what: string): void {
  if (!ok) throw new Refusal(rule, `${what} is not something a dump contains`)
}

function headOf(t: Token[]): string {
  const words: string[] = []
  for (const x of t) {
    if (x.kind !== 'word' || words.length === 3) break
    words.push(x.text.toUpperCase())
  }
  return words.join(' ') || 'this statement'
}

function copyForm(t: Token[]): string {
  const from = t.findIndex((x) => x.kind === 'word' && (x.text === 'from' || x.text === 'to'))
  if (from < 0) return 'this COPY'
  const dir = t[from]!.text.toUpperCase()
  const next = t[from + 1]
  if (next?.kind === 'word' && next.text === 'program') return `COPY … ${dir} PROGRAM`
  if (next?.kind === 'string') return `COPY … ${dir} '<file>'`
  return `COPY … ${dir} ${next?.kind === 'word' ? next.text.toUpperCase() : '…'}`
}

function selectForm(t: Token[]): string {
  const call = t.findIndex((x) => x.text === '(')
  return call > 1 ? `SELECT ${t.slice(1, call).map((x) => x.text).join('')}(…)` : 'this SELECT'
}

function refused(rule: StrictRule, what: string, line: number, entry: EntryHeader | null): PgkeepError {
  const where = entry ? `${entry.type} ${entry.schema ? `${entry.schema}.` : ''}${entry.name}` : 'the script preamble'
  // pg_dump --create writes CREATE DATABASE in an entry of its own, then \connect: a real dump, made for psql
  const created = rule === 'no-cluster-wide-changes' && entry?.type === 'DATABASE' && what.startsWith('CREATE DATABASE')
  return new PgkeepError('SCRIPT_REFUSED', `line ${line}: ${what}; restore refuses it (in ${where}; rule: ${rule})`, {
    hint: created
      ? 'This is a script of pg_dump --create (-C): it makes its database and connects to it, which a restore into one database cannot follow. Make the dump without --create, and restore it into the database you want (createDatabase; pgkeep restore -C <name>).'
      : `Strict restore accepts only what pg_dump and pgkeep write (${STRICT_RULES[rule]}). A backup holding this was altered by someone who can write to its storage: do not restore it. A script you wrote yourself and trust can be restored with allowAnyStatement: true (pgkeep restore --allow-any-statement).`,
  })
}
