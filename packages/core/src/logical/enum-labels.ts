// Enum labels added while the archive runs. ALTER TYPE … ADD VALUE changes no table's definition: pgoutput
// sends no Relation (its Type message names the type, not its labels), so the chain goes on, and a row
// holding the new label could not be replayed on the base ("invalid input value for enum"). Labels are
// only ever added (never removed or renamed short of a rename, which the restore would not need), so each
// segment's manifest lists every enum's labels as sampled after its last commit, as sequences are: a
// superset of those its rows use. Before a segment's first replayed transaction, the replay adds the
// labels the target lacks, each in its place in the order (AFTER the label before it, or BEFORE the one
// after it). A restore to a point inside a segment may so get a label added later in that segment, unused.
import type pg from 'pg'
import { quoteIdent } from '../emit/quote'
import { PgkeepError } from '../errors'

export interface EnumLabels {
  schema: string
  name: string
  /** In the type's sort order. */
  labels: string[]
}

/** Every enum type of the database (user schemas) with its labels in sort order. */
export async function sampleEnums(client: pg.ClientBase): Promise<EnumLabels[]> {
  const { rows } = await client.query<{ schema: string; name: string; labels: string[] }>(`
    SELECT n.nspname AS schema, t.typname AS name,
           array(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
      FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typtype = 'e' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_temp\\_%'
     ORDER BY 1, 2`)
  return rows.map((r) => ({ schema: r.schema, name: r.name, labels: r.labels }))
}

/**
 * Adds to the target's enums the sampled labels they lack, in place (each its own statement, outside any
 * transaction: a label added in a transaction cannot be used in it). A type the target does not hold is
 * skipped. Returns how many labels were added.
 */
export async function addEnumLabels(client: pg.ClientBase, enums: readonly EnumLabels[] | undefined): Promise<number> {
  if (!enums || enums.length === 0) return 0
  const names = enums.map((e) => `${quoteIdent(e.schema)}.${quoteIdent(e.name)}`)
  let added = 0
  try {
    const { rows } = await client.query<{ labels: string[] | null }>(`
      SELECT CASE WHEN pg_catalog.to_regtype(t.name) IS NULL THEN NULL ELSE
             array(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = pg_catalog.to_regtype(t.name) ORDER BY e.enumsortorder) END AS labels
        FROM unnest($1::text[]) WITH ORDINALITY t(name, i) ORDER BY t.i`, [names])
    for (let k = 0; k < enums.length; k++) {
      const present = rows[k]?.labels
      if (!present) continue
      const have = new Set(present)
      const wanted = enums[k]!.labels
      for (let i = 0; i < wanted.length; i++) {
        const label = wanted[i]!
        if (have.has(label)) continue
        const before = wanted.slice(0, i).reverse().find((l) => have.has(l))
        const after = before === undefined ? wanted.slice(i + 1).find((l) => have.has(l)) : undefined
        const place = before !== undefined ? ` AFTER ${literal(before)}` : after !== undefined ? ` BEFORE ${literal(after)}` : ''
        await client.query(`ALTER TYPE ${names[k]} ADD VALUE IF NOT EXISTS ${literal(label)}${place}`)
        have.add(label)
        added++
      }
    }
  } catch (error) {
    throw new PgkeepError('RESTORE_FAILED', `adding the enum labels the archive's rows use failed: ${(error as Error).message}`, { cause: error })
  }
  return added
}

/** An escape string literal: read alike whatever standard_conforming_strings is. */
function literal(value: string): string {
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
}
