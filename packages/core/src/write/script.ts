// Prints the plain-SQL script the way pg_dump's archiver does (RestoreArchive/_printTocEntry): the
// fixed preamble, optional DROPs in reverse order, then the entries in three passes (main, ACLs,
// post-ACL), each with its `--` header, lazily emitted SET default_tablespace/table access method,
// its definition, and ALTER … OWNER TO.
import { quoteDollar, quoteIdent, quoteLiteral, quoteQualified, sanitizeCommentLine } from '../emit/quote'
import { passOf, type Pass, type TocEntry } from '../emit/toc-entry'
import type { ScriptOutput } from './output'

export interface ScriptOptions {
  flavour: number
  serverVersion: string
  producer: string
  standardConformingStrings: boolean
  /** Write SET transaction_timeout (only understood by servers 17+). */
  transactionTimeout: boolean
  restrictKey: string | null
  clean: boolean
  ifExists: boolean
  noOwner: boolean
  noTablespaces: boolean
}

export interface ScriptHooks {
  /** Streams an entry's data (COPY rows or large objects) into the output. */
  writeData(entry: TocEntry, output: ScriptOutput): Promise<void>
  onEntry?(entry: TocEntry, phase: 'start' | 'end'): void | Promise<void>
  /**
   * Writes a table's whole data block (the text of copyBlockText() around its rows) prepared
   * elsewhere, instead of the entry's text and writeData(): the parallel dump's seam.
   */
  writeCopyBlock?(entry: TocEntry): Promise<void>
}

/** How much entry text is gathered before it is written, in UTF-16 units. */
const TEXT_PIECE_CHARS = 64 * 1024

export async function writeScript(entries: TocEntry[], output: ScriptOutput, options: ScriptOptions, hooks: ScriptHooks): Promise<void> {
  await output.write(preamble(options))
  if (options.clean) {
    let drops = ''
    for (let i = entries.length - 1; i >= 0; i--) drops += dropStatement(entries[i]!, options)
    await output.write(drops)
  }
  const state = { tablespace: null as string | null, tableAm: null as string | null }
  const { onEntry } = hooks
  // Without an onEntry hook, which may look at the output between entries (a backup notes where each
  // table's data begins), the text of entries without data goes out in one write per TEXT_PIECE_CHARS
  // instead of one per entry.
  let text = ''
  for (const pass of ['MAIN', 'ACL', 'POST_ACL'] as Pass[]) {
    for (const entry of entries) {
      if (passOf(entry) !== pass) continue
      if (onEntry === undefined && !entry.data) {
        text += entryText(entry, options, state)
        if (text.length >= TEXT_PIECE_CHARS) {
          await output.write(text)
          text = ''
        }
        continue
      }
      if (text !== '') {
        await output.write(text)
        text = ''
      }
      await onEntry?.(entry, 'start')
      if (hooks.writeCopyBlock && entry.data?.kind === 'copy') {
        await hooks.writeCopyBlock(entry)
        await onEntry?.(entry, 'end')
        continue
      }
      await output.write(entryText(entry, options, state))
      if (entry.data) {
        if (entry.copyStmt) await output.write(entry.copyStmt)
        else if (entry.data.kind === 'large-objects') await output.write('BEGIN;\n\n')
        await hooks.writeData(entry, output)
        await output.write(entry.data.kind === 'copy' ? '\\.\n\n\n' : 'COMMIT;\n\n')
      }
      await onEntry?.(entry, 'end')
    }
  }
  await output.write(text + trailer(options))
  await output.flush()
}

/**
 * The text around a table's rows: its entry header and COPY statement, and the closing `\.`. Data
 * entries carry no tablespace or table access method, so their text does not depend on the entries
 * before them and can be made ahead of time.
 */
export function copyBlockText(entry: TocEntry, options: ScriptOptions): { head: string; tail: string } {
  return { head: entryText(entry, options, { tablespace: null, tableAm: null }) + (entry.copyStmt ?? ''), tail: '\\.\n\n\n' }
}

export function preamble(o: ScriptOptions): string {
  let s = '--\n-- PostgreSQL database dump\n--\n\n'
  if (o.restrictKey) s += `\\restrict ${o.restrictKey}\n\n`
  s += `-- Dumped from database version ${sanitizeCommentLine(o.serverVersion)}\n`
  s += `-- Dumped by ${o.producer}\n\n`
  s += 'SET statement_timeout = 0;\n'
  s += 'SET lock_timeout = 0;\n'
  s += 'SET idle_in_transaction_session_timeout = 0;\n'
  if (o.transactionTimeout) s += 'SET transaction_timeout = 0;\n'
  s += "SET client_encoding = 'UTF8';\n"
  s += `SET standard_conforming_strings = ${o.standardConformingStrings ? 'on' : 'off'};\n`
  s += "SELECT pg_catalog.set_config('search_path', '', false);\n"
  s += 'SET check_function_bodies = false;\n'
  s += 'SET xmloption = content;\n'
  s += 'SET client_min_messages = warning;\n'
  if (!o.standardConformingStrings) s += 'SET escape_string_warning = off;\n'
  s += 'SET row_security = off;\n\n'
  return s
}

export function trailer(o: ScriptOptions): string {
  let s = '--\n-- PostgreSQL database dump complete\n--\n\n'
  if (o.restrictKey) s += `\\unrestrict ${o.restrictKey}\n\n`
  return s
}

function entryText(entry: TocEntry, o: ScriptOptions, state: { tablespace: string | null; tableAm: string | null }): string {
  let s = ''
  if (!o.noTablespaces && entry.tablespace !== undefined && entry.tablespace !== null && entry.tablespace !== state.tablespace) {
    s += entry.tablespace === '' ? "SET default_tablespace = '';\n\n" : `SET default_tablespace = ${quoteIdent(entry.tablespace)};\n\n`
    state.tablespace = entry.tablespace
  }
  if (entry.relkind !== 'p' && entry.tableAm && entry.tableAm !== state.tableAm) {
    s += `SET default_table_access_method = ${quoteIdent(entry.tableAm)};\n\n`
    state.tableAm = entry.tableAm
  }
  const owner = o.noOwner ? '-' : entry.owner === null ? '-' : sanitizeCommentLine(entry.owner)
  s += '--\n'
  s += `-- ${entry.data ? 'Data for ' : ''}Name: ${sanitizeCommentLine(entry.tag)}; Type: ${entry.desc}; Schema: ${entry.namespace === null ? '-' : sanitizeCommentLine(entry.namespace)}; Owner: ${owner}`
  if (entry.tablespace && !o.noTablespaces) s += `; Tablespace: ${sanitizeCommentLine(entry.tablespace)}`
  s += '\n--\n\n'
  if (entry.desc === 'BLOB METADATA' || (entry.desc === 'ACL' && entry.tag.startsWith('LARGE OBJECTS'))) {
    // Already expanded per large object, each command list followed by its blank line.
    s += entry.defn
  } else if (entry.defn) {
    s += `${entry.defn}\n\n`
  }
  if (!o.noOwner && entry.owner && entry.drop) {
    const target = ownerTarget(entry, o.flavour)
    if (target) s += `ALTER ${target} OWNER TO ${quoteIdent(entry.owner)};\n\n`
  }
  if (entry.relkind === 'p' && entry.tableAm) {
    s += `ALTER TABLE ${quoteQualified(entry.namespace, entry.tag)} SET ACCESS METHOD ${quoteIdent(entry.tableAm)};\n\n`
  }
  return s
}

/** The object description used by ALTER … OWNER TO (pg_dump's _getObjectDescription). */
export function ownerTarget(entry: TocEntry, flavour: number): string | null {
  const relationAsTable = flavour < 16 && (entry.desc === 'VIEW' || entry.desc === 'SEQUENCE' || entry.desc === 'MATERIALIZED VIEW')
  const type = relationAsTable ? 'TABLE' : entry.desc
  switch (entry.desc) {
    case 'VIEW': case 'SEQUENCE': case 'MATERIALIZED VIEW':
    case 'COLLATION': case 'CONVERSION': case 'DOMAIN': case 'FOREIGN TABLE': case 'STATISTICS': case 'TABLE':
    case 'TEXT SEARCH DICTIONARY': case 'TEXT SEARCH CONFIGURATION': case 'TYPE': case 'DATABASE':
    case 'PROCEDURAL LANGUAGE': case 'SCHEMA': case 'EVENT TRIGGER': case 'FOREIGN DATA WRAPPER': case 'SERVER':
    case 'PUBLICATION': case 'SUBSCRIPTION':
      return `${type} ${entry.namespace ? `${quoteIdent(entry.namespace)}.` : ''}${quoteIdent(entry.tag)}`
    case 'BLOB':
      return `LARGE OBJECT ${entry.tag}`
    case 'AGGREGATE': case 'FUNCTION': case 'OPERATOR': case 'OPERATOR CLASS': case 'OPERATOR FAMILY': case 'PROCEDURE':
      return entry.drop!.slice(5).replace(/[;\n]+$/, '')
    default:
      return null
  }
}

/** DROP for --clean, with IF EXISTS spliced in the way pg_dump does it. */
export function dropStatement(entry: TocEntry, o: ScriptOptions): string {
  if (entry.desc === 'BLOB METADATA' && entry.largeObjects) {
    return entry.largeObjects.oids
      .map((oid) => (o.ifExists ? `SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '${oid}';\n` : `SELECT pg_catalog.lo_unlink('${oid}');\n`))
      .join('') + '\n'
  }
  const drop = entry.drop
  if (!drop || (entry.droppedByCascade && !o.ifExists)) return ''
  if (!o.ifExists || drop.startsWith('--')) return drop
  if (entry.desc === 'BLOB') return `SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '${entry.tag}';\n`
  let head = ''
  let rest = drop
  if (rest.startsWith('ALTER TABLE')) {
    head = 'ALTER TABLE IF EXISTS'
    rest = rest.slice('ALTER TABLE'.length)
  } else if (rest.startsWith('ALTER FOREIGN TABLE')) {
    // pg_dump only rewrites ALTER TABLE, so its --if-exists script fails on a foreign table's constraint
    head = 'ALTER FOREIGN TABLE IF EXISTS'
    rest = rest.slice('ALTER FOREIGN TABLE'.length)
  }
  if (rest.startsWith('CREATE OR REPLACE VIEW')) return whenExists('regclass', /^CREATE OR REPLACE VIEW (.+?) AS\n/, rest, o.standardConformingStrings)
  // ALTER DOMAIN has no IF EXISTS for the domain itself
  if (rest.startsWith('ALTER DOMAIN')) return whenExists('regtype', /^ALTER DOMAIN (.+?) DROP CONSTRAINT /, rest.replace(' DROP CONSTRAINT ', ' DROP CONSTRAINT IF EXISTS '), o.standardConformingStrings)
  if (entry.desc === 'DEFAULT') return head + rest
  const keyword = entry.desc === 'CONSTRAINT' || entry.desc === 'CHECK CONSTRAINT' || entry.desc === 'FK CONSTRAINT' ? 'DROP CONSTRAINT' : `DROP ${entry.desc}`
  const at = rest.indexOf(keyword)
  if (at < 0) return head + rest
  return `${head}${rest.slice(0, at)}${keyword} IF EXISTS${rest.slice(at + keyword.length)}`
}

/**
 * A clean statement that --if-exists cannot make conditional by itself, run only when its object exists:
 * the dummy-view replacement that breaks a view's cycle before its functions are dropped, and a domain
 * constraint's DROP. pg_dump leaves them unconditional, so its --if-exists script fails on an empty
 * database (the object's schema does not exist yet).
 */
function whenExists(kind: 'regclass' | 'regtype', nameIn: RegExp, statement: string, standardConformingStrings: boolean): string {
  const name = nameIn.exec(statement)?.[1]
  if (name === undefined) return statement
  const body = statement.replace(/;\n*$/, '')
  const test = `pg_catalog.to_${kind}(${quoteLiteral(name, standardConformingStrings)}) IS NOT NULL`
  return `DO ${quoteDollar(`BEGIN IF ${test} THEN EXECUTE ${quoteDollar(body, 'q')}; END IF; END`, 'do')};\n`
}
