// The DROP statements for `clean`: for each entry the script creates, in reverse script order, the
// statement that removes it if it exists (what pg_dump --clean --if-exists writes), read from the
// entry's own statements. Entries that go away with their parent (columns' defaults, attached
// partitions and indexes, sequence ownership, comments, privileges, data) need none.
import { quoteIdent } from '../emit/quote'
import { RELATION_NAME, type PlannedEntry } from './plan-script'

const N = RELATION_NAME
const IDENT = String.raw`(?:"(?:[^"]|"")*"|[^\s."(;]+)`
const re = (source: string) => new RegExp(source)

const SIMPLE: [RegExp, (m: RegExpExecArray, e: PlannedEntry) => string | null][] = [
  [re(String.raw`^CREATE SCHEMA (${IDENT})`), (m) => `DROP SCHEMA IF EXISTS ${m[1]};`],
  // A default goes before its sequence can.
  [re(String.raw`^ALTER TABLE (?:ONLY )?(${N}) ALTER COLUMN (${IDENT}) SET DEFAULT `), (m) => `ALTER TABLE IF EXISTS ONLY ${m[1]} ALTER COLUMN ${m[2]} DROP DEFAULT;`],
  [re(String.raw`^CREATE USER MAPPING FOR (${IDENT}) SERVER (${IDENT})`), (m) => `DROP USER MAPPING IF EXISTS FOR ${m[1]} SERVER ${m[2]};`],
  [re(String.raw`^CREATE EXTENSION IF NOT EXISTS (${IDENT})`), (m) => `DROP EXTENSION IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE (?:UNLOGGED )?TABLE (${N})`), (m) => `DROP TABLE IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE FOREIGN TABLE (${N})`), (m) => `DROP FOREIGN TABLE IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE (?:OR REPLACE )?VIEW (${N})`), (m) => `DROP VIEW IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE MATERIALIZED VIEW (${N})`), (m) => `DROP MATERIALIZED VIEW IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE (?:UNLOGGED )?SEQUENCE (${N})`), (m) => `DROP SEQUENCE IF EXISTS ${m[1]};`],
  // A base type's I/O functions depend on it and it on them: pg_dump drops it with CASCADE.
  [re(String.raw`^CREATE TYPE (${N}) \(\n\s+INTERNALLENGTH`), (m) => `DROP TYPE IF EXISTS ${m[1]} CASCADE;`],
  [re(String.raw`^CREATE TYPE (${N})`), (m) => `DROP TYPE IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE DOMAIN (${N})`), (m) => `DROP DOMAIN IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE (COLLATION|CONVERSION|STATISTICS|TEXT SEARCH (?:CONFIGURATION|DICTIONARY|PARSER|TEMPLATE)) (${N})`), (m) => `DROP ${m[1]} IF EXISTS ${m[2]};`],
  [re(String.raw`^CREATE (?:UNIQUE )?INDEX (${IDENT}) ON `), (m, e) => (e.schema === null ? null : `DROP INDEX IF EXISTS ${quoteIdent(e.schema)}.${m[1]};`)],
  [re(String.raw`^ALTER (?:FOREIGN )?TABLE (?:ONLY )?(${N})\s+ADD CONSTRAINT (${IDENT}) `), (m) => `ALTER TABLE IF EXISTS ONLY ${m[1]} DROP CONSTRAINT IF EXISTS ${m[2]};`],
  [re(String.raw`^ALTER DOMAIN (${N})\s+ADD CONSTRAINT (${IDENT}) `), (m) => `ALTER DOMAIN ${m[1]} DROP CONSTRAINT IF EXISTS ${m[2]};`],
  [re(String.raw`^CREATE (?:CONSTRAINT )?TRIGGER (${IDENT}) [\s\S]*? ON (${N}) `), (m) => `DROP TRIGGER IF EXISTS ${m[1]} ON ${m[2]};`],
  [re(String.raw`^CREATE RULE (${IDENT}) AS\s+ON \w+ TO (${N})`), (m) => `DROP RULE IF EXISTS ${m[1]} ON ${m[2]};`],
  [re(String.raw`^CREATE POLICY (${IDENT}) ON (${N})`), (m) => `DROP POLICY IF EXISTS ${m[1]} ON ${m[2]};`],
  [re(String.raw`^CREATE EVENT TRIGGER (${IDENT})`), (m) => `DROP EVENT TRIGGER IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE PUBLICATION (${IDENT})`), (m) => `DROP PUBLICATION IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE FOREIGN DATA WRAPPER (${IDENT})`), (m) => `DROP FOREIGN DATA WRAPPER IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE SERVER (${IDENT})`), (m) => `DROP SERVER IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE ACCESS METHOD (${IDENT})`), (m) => `DROP ACCESS METHOD IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE (?:OR REPLACE )?(?:TRUSTED )?PROCEDURAL LANGUAGE (${IDENT})`), (m) => `DROP PROCEDURAL LANGUAGE IF EXISTS ${m[1]};`],
  [re(String.raw`^CREATE CAST \(([\s\S]+?) AS ([\s\S]+?)\)`), (m) => `DROP CAST IF EXISTS (${m[1]} AS ${m[2]});`],
]

/** Kinds whose identity only an `ALTER <kind> <identity> OWNER TO` statement spells out. */
const BY_OWNER_STATEMENT = re(String.raw`^ALTER (FUNCTION|PROCEDURE|AGGREGATE|OPERATOR CLASS|OPERATOR FAMILY|OPERATOR) ([\s\S]+) OWNER TO [^;]+;$`)
const SKIP = new Set([
  'COMMENT', 'ACL', 'DEFAULT ACL', 'SECURITY LABEL', 'SEQUENCE OWNED BY', 'SEQUENCE SET', 'TABLE DATA', 'TABLE ATTACH',
  'INDEX ATTACH', 'MATERIALIZED VIEW DATA', 'SHELL TYPE', 'BLOBS', 'SUBSCRIPTION', 'PUBLICATION TABLE',
  'PUBLICATION TABLES IN SCHEMA', 'ROW SECURITY', 'TRANSFORM', 'STATISTICS DATA',
])

const CREATE_VIEW = re(String.raw`^CREATE VIEW (${N}) AS`)
const REPLACE_VIEW = re(String.raw`^CREATE OR REPLACE VIEW (${N}) AS`)

export function cleanStatements(entries: readonly PlannedEntry[]): string[] {
  // A view in a dependency loop is created with a dummy body first and given its real one by a later
  // RULE entry (CREATE OR REPLACE VIEW); undoing that entry means putting the dummy body back, which
  // frees what the real body used (pg_dump's --clean does the same).
  const dummyViews = new Map<string, string>()
  for (const entry of entries) {
    const first = entry.statements[0]
    const view = entry.type === 'VIEW' && first ? CREATE_VIEW.exec(first) : null
    if (view && /^\s*SELECT\s+NULL::/m.test(first!.slice(view[0].length))) dummyViews.set(view[1]!, first!.replace(/^CREATE VIEW/, 'CREATE OR REPLACE VIEW'))
  }
  const drops: string[] = []
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!
    if (SKIP.has(entry.type)) continue
    const replaced = entry.type === 'RULE' && entry.statements[0] ? REPLACE_VIEW.exec(entry.statements[0]) : null
    if (replaced) {
      const dummy = dummyViews.get(replaced[1]!)
      if (dummy) drops.push(dummy)
      continue
    }
    drops.push(...dropsFor(entry))
  }
  return drops
}

function dropsFor(entry: PlannedEntry): string[] {
  if (entry.type === 'BLOB' || entry.type === 'BLOB METADATA') {
    const oids = entry.statements.flatMap((s) => [...s.matchAll(/lo_create\('(\d+)'\)/g)].map((m) => m[1]!))
    return oids.map((oid) => `SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '${oid}';`)
  }
  for (const statement of entry.statements) {
    const owner = BY_OWNER_STATEMENT.exec(statement)
    if (owner) return [`DROP ${owner[1]} IF EXISTS ${owner[2]};`]
  }
  if (entry.type === 'FUNCTION' || entry.type === 'PROCEDURE' || entry.type === 'AGGREGATE') {
    // No owner statement (a dump made without owners): the tag is name(identity arguments).
    const open = entry.name.indexOf('(')
    if (open > 0 && entry.schema !== null) {
      return [`DROP ${entry.type} IF EXISTS ${quoteIdent(entry.schema)}.${quoteIdent(entry.name.slice(0, open))}${entry.name.slice(open)};`]
    }
    return []
  }
  const first = entry.statements[0]
  if (first === undefined) return []
  if (entry.type === 'SCHEMA' && entry.name === 'public') return []
  for (const [pattern, make] of SIMPLE) {
    const match = pattern.exec(first)
    if (match) {
      const drop = make(match, entry)
      return drop ? [drop] : []
    }
  }
  return []
}
