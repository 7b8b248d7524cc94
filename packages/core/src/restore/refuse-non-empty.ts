// The check that keeps a restore off a database that already holds something: the target, unless
// clean or allowNonEmpty say otherwise, and a database restore -C would reuse.
import type pg from 'pg'
import { PgkeepError } from '../errors'

/** Refuses a target that already holds user objects (tables, functions, types, schemas, extensions, large objects). */
export async function refuseNonEmpty(client: pg.Client, db: string): Promise<void> {
  const { rows } = await client.query<{ n: string; example: string | null }>(`
    WITH objects AS (
      SELECT format('%s %I.%I', CASE c.relkind WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' ELSE 'table' END, n.nspname, c.relname) AS what
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
      UNION ALL
      SELECT format('function %I.%I', n.nspname, p.proname) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
      UNION ALL
      SELECT format('schema %I', nspname) FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname !~ '^pg_'
      UNION ALL
      -- types of their own: not a table's row type nor an array type, which come with their table or type
      SELECT format('type %I.%I', n.nspname, t.typname) FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
         AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
      UNION ALL
      SELECT format('extension %I', extname) FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql'
      UNION ALL
      SELECT format('large object %s', oid) FROM pg_catalog.pg_largeobject_metadata
    )
    SELECT count(*) AS n, min(what) AS example FROM objects`)
  const n = Number(rows[0]!.n)
  if (n > 0) {
    throw new PgkeepError('TARGET_NOT_EMPTY', `database ${db} already holds ${n} object${n === 1 ? '' : 's'} (for example ${rows[0]!.example}); refusing to restore over them`, {
      hint: 'restore into a new database (createDatabase), or pass clean to drop what the backup creates first, or allowNonEmpty',
    })
  }
}
