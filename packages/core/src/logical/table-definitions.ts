// The definitions of the tables a base backup holds, as pgoutput will describe them (columns in order,
// without dropped and generated ones, with their type oids and modifiers). Read in the base backup's
// snapshot (the slot's exported one) they say exactly what the base holds, so the archiver also catches
// a definition changed between the base and a table's first archived change (relation-change.ts).
import type pg from 'pg'
import type { BaseTable } from './relation-change'

/** Every permanent table of the database, as the client's snapshot sees it. */
export async function readTableDefinitions(client: pg.ClientBase): Promise<BaseTable[]> {
  const { rows } = await client.query<{ schema: string; name: string; columns: { name: string; typeOid: number; typeMod: number }[] }>(`
    SELECT n.nspname AS schema, c.relname AS name,
           coalesce(json_agg(json_build_object('name', a.attname, 'typeOid', a.atttypid, 'typeMod', a.atttypmod) ORDER BY a.attnum)
                    FILTER (WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''), '[]') AS columns
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
     WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
     GROUP BY n.nspname, c.relname
     ORDER BY 1, 2`)
  return rows.map((r) => ({ schema: r.schema, name: r.name, columns: r.columns.map((c) => ({ name: c.name, typeOid: Number(c.typeOid), typeMod: Number(c.typeMod) })) }))
}
