// Reads the catalog fingerprint of a database: the sorted fact lines that fingerprint.sql (beside this file,
// read at run time) describes. Each fact query runs on its own, so a failure names the fact.
import { readFileSync } from 'node:fs'
import type pg from 'pg'
import { withClient } from './database'

export interface FingerprintFact {
  name: string
  /** Lowest server_version_num the query runs on. */
  since: number
  /** server_version_num from which on the query is replaced (exclusive). */
  until: number
  sql: string
}

/** The sorted catalog facts of the database at `url`. */
export function catalogFingerprint(url: string): Promise<string[]> {
  return withClient(url, (client) => readFingerprint(client))
}

/** The sorted catalog facts, read on an open client (it leaves search_path and output settings changed). */
export async function readFingerprint(client: pg.ClientBase): Promise<string[]> {
  await setComparableSession(client)
  const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)
  const version = Number(rows[0]!.v)
  const { prefix, facts } = fingerprintQueries()
  const lines: string[] = []
  for (const fact of facts) {
    if (version < fact.since || version >= fact.until) continue
    try {
      const result = await client.query<{ line: string | null }>({ text: `${prefix}\n${fact.sql}`, rowMode: 'array' } as never)
      for (const row of result.rows as unknown as [string | null][]) if (row[0] !== null) lines.push(row[0])
    } catch (err) {
      throw new Error(`unable to read catalog fact "${fact.name}": ${(err as Error).message}`, { cause: err })
    }
  }
  return lines.sort(compareCodeUnits)
}

/** Output settings under which text forms of values and names are the same on both sides of a comparison. */
export async function setComparableSession(client: pg.ClientBase): Promise<void> {
  await client.query(
    `SET search_path = pg_catalog; SET extra_float_digits = 3; SET DateStyle = ISO; SET IntervalStyle = postgres;` +
      ` SET TimeZone = 'UTC'; SET bytea_output = hex`,
  )
}

/** Parses fingerprint.sql into the CTE prefix shared by all facts and the fact queries. */
export function fingerprintQueries(): { prefix: string; facts: FingerprintFact[] } {
  if (parsed) return parsed
  const text = readFileSync(new URL('./fingerprint.sql', import.meta.url), 'utf8')
  const defines: string[] = []
  const facts: FingerprintFact[] = []
  for (const block of text.split(/^-- (?=(?:define|fact): )/m).slice(1)) {
    const newline = block.indexOf('\n')
    const header = block.slice(0, newline).trim()
    const sql = block.slice(newline + 1).trim()
    const [kind, name, ...attrs] = header.replace(':', '').split(/\s+/)
    if (!name || !sql) throw new Error(`unable to parse fingerprint.sql: empty block "${header}"`)
    if (kind === 'define') {
      defines.push(`${name} AS (${sql})`)
      continue
    }
    const attr = (key: string) => attrs.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1)
    facts.push({ name, since: Number(attr('since') ?? 0), until: Number(attr('until') ?? Infinity), sql })
  }
  parsed = { prefix: `WITH ${defines.join(',\n')}`, facts }
  return parsed
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

// --- internal ---

let parsed: { prefix: string; facts: FingerprintFact[] } | undefined
