// What the change log does not carry, read over an ordinary SQL connection when the archiver closes a
// segment. Sequences: nextval() is not transactional and never logged as a change, so each segment
// records every sequence's value as sampled after its last commit. Sequences only move forward (short of
// a setval() backwards), so that value is at least the value at any commit in the segment: set on a
// restore to a point inside it, the next nextval() gives a number no restored row holds (a gap at worst,
// which sequences allow anyway). Unlogged tables and large objects are outside logical decoding
// altogether: they are reported, not archived.
import type pg from 'pg'
import { quoteIdent } from '../emit/quote'

/** A sequence's value, as the backup manifest records one (`value` as text: sequences are bigint). */
export interface SequenceValue {
  schema: string
  name: string
  value: string
  isCalled: boolean
}

export interface SequenceSample {
  sequences: SequenceValue[]
  /** `schema.name` of the sequences the role may not read (no SELECT privilege), or that failed to read. */
  unreadable: string[]
}

/** Every permanent sequence's value now, in schema and name order. */
export async function sampleSequences(client: pg.ClientBase): Promise<SequenceSample> {
  const { rows } = await client.query<{ schema: string; name: string; readable: boolean }>(`
    SELECT n.nspname AS schema, c.relname AS name, pg_catalog.has_sequence_privilege(c.oid, 'SELECT') AS readable
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'S' AND c.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
     ORDER BY 1, 2`)
  const unreadable = rows.filter((r) => !r.readable).map((r) => `${r.schema}.${r.name}`)
  const readable = rows.filter((r) => r.readable)
  const sequences: SequenceValue[] = []
  // one statement per chunk (each reads, and briefly locks, its sequences); a sequence dropped since the
  // listing fails its chunk, which is then read one sequence at a time
  const CHUNK = 200
  for (let i = 0; i < readable.length; i += CHUNK) {
    const chunk = readable.slice(i, i + CHUNK)
    try {
      sequences.push(...await readValues(client, chunk))
    } catch {
      for (const one of chunk) {
        try {
          sequences.push(...await readValues(client, [one]))
        } catch {
          unreadable.push(`${one.schema}.${one.name}`)
        }
      }
    }
  }
  return { sequences, unreadable }
}

export interface OutsideLog {
  /** `schema.name` of the unlogged tables: logical decoding never sees their rows. */
  unloggedTables: string[]
  /** How many large objects the database holds: pg_largeobject is not published. */
  largeObjects: number
}

export async function readOutsideLog(client: pg.ClientBase): Promise<OutsideLog> {
  const unlogged = await client.query<{ name: string }>(`
    SELECT n.nspname || '.' || c.relname AS name
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'u'
     ORDER BY n.nspname, c.relname`)
  const objects = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_catalog.pg_largeobject_metadata')
  return { unloggedTables: unlogged.rows.map((r) => r.name), largeObjects: Number(objects.rows[0]!.n) }
}

/** The warnings a segment manifest carries for what the log does not hold. */
export function outsideLogWarnings(outside: OutsideLog, unreadableSequences: readonly string[]): string[] {
  const warnings: string[] = []
  if (unreadableSequences.length > 0) warnings.push(`sequences not sampled (the role may not read them): ${unreadableSequences.join(', ')}`)
  if (outside.unloggedTables.length > 0) warnings.push(`unlogged tables are not in the change log: ${outside.unloggedTables.join(', ')}`)
  if (outside.largeObjects > 0) warnings.push(`${outside.largeObjects} large object(s) are not in the change log`)
  return warnings
}

// --- internal ---

async function readValues(client: pg.ClientBase, chunk: { schema: string; name: string }[]): Promise<SequenceValue[]> {
  const sql = chunk.map((s, i) => `SELECT ${i} AS i, last_value::text AS value, is_called FROM ${quoteIdent(s.schema)}.${quoteIdent(s.name)}`).join(' UNION ALL ')
  const { rows } = await client.query<{ i: number; value: string; is_called: boolean }>(sql)
  return rows.sort((a, b) => a.i - b.i).map((r) => ({ schema: chunk[r.i]!.schema, name: chunk[r.i]!.name, value: r.value, isCalled: r.is_called }))
}
