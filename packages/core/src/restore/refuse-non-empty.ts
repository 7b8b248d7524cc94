// The check that keeps a restore off a database that already holds something: the target, unless
// clean or allowNonEmpty say otherwise, and a database restore -C would reuse.
import type pg from 'pg'
import { PgkeepError } from '../errors'

/**
 * Refuses a target that already holds user objects: relations, functions, types, schemas, extensions,
 * large objects, and the other objects a dump can create (collations, operators, text search objects,
 * foreign-data wrappers and servers, publications, subscriptions, event triggers, casts, ...).
 */
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
      UNION ALL
      -- the other objects a schema holds
      SELECT format('%s %I.%I', kind, n.nspname, name) FROM (
        SELECT 'collation', collnamespace, collname FROM pg_catalog.pg_collation
        UNION ALL SELECT 'conversion', connamespace, conname FROM pg_catalog.pg_conversion
        UNION ALL SELECT 'operator', oprnamespace, oprname FROM pg_catalog.pg_operator
        UNION ALL SELECT 'operator class', opcnamespace, opcname FROM pg_catalog.pg_opclass
        UNION ALL SELECT 'operator family', opfnamespace, opfname FROM pg_catalog.pg_opfamily
        UNION ALL SELECT 'text search configuration', cfgnamespace, cfgname FROM pg_catalog.pg_ts_config
        UNION ALL SELECT 'text search dictionary', dictnamespace, dictname FROM pg_catalog.pg_ts_dict
        UNION ALL SELECT 'text search parser', prsnamespace, prsname FROM pg_catalog.pg_ts_parser
        UNION ALL SELECT 'text search template', tmplnamespace, tmplname FROM pg_catalog.pg_ts_template
      ) AS o (kind, nsp, name) JOIN pg_catalog.pg_namespace n ON n.oid = o.nsp
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
      UNION ALL
      -- objects of no schema: those initdb made have OIDs below FirstNormalObjectId (16384)
      SELECT format('%s %s', kind, name) FROM (
        SELECT 'foreign-data wrapper', oid, quote_ident(fdwname) FROM pg_catalog.pg_foreign_data_wrapper
        UNION ALL SELECT 'server', oid, quote_ident(srvname) FROM pg_catalog.pg_foreign_server
        UNION ALL SELECT 'publication', oid, quote_ident(pubname) FROM pg_catalog.pg_publication
        UNION ALL SELECT 'event trigger', oid, quote_ident(evtname) FROM pg_catalog.pg_event_trigger
        UNION ALL SELECT 'language', oid, quote_ident(lanname) FROM pg_catalog.pg_language
        UNION ALL SELECT 'access method', oid, quote_ident(amname) FROM pg_catalog.pg_am
        UNION ALL SELECT 'cast', oid, format('(%s AS %s)', castsource::pg_catalog.regtype, casttarget::pg_catalog.regtype) FROM pg_catalog.pg_cast
        UNION ALL SELECT 'transform', oid, format('FOR %s LANGUAGE %s', trftype::pg_catalog.regtype, (SELECT quote_ident(lanname) FROM pg_catalog.pg_language WHERE oid = trflang)) FROM pg_catalog.pg_transform
        UNION ALL SELECT 'default privileges', oid, format('FOR ROLE %s', defaclrole::pg_catalog.regrole) FROM pg_catalog.pg_default_acl
      ) AS o (kind, oid, name)
       WHERE o.oid >= 16384
      UNION ALL
      SELECT format('subscription %I', subname) FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
    )
    -- the example: a relation when there is one (the most telling), else the first by name
    SELECT count(*) AS n, coalesce(min(what) FILTER (WHERE what ~ '^(table|view|sequence) '), min(what)) AS example FROM objects`)
  const n = Number(rows[0]!.n)
  if (n > 0) {
    throw new PgkeepError('TARGET_NOT_EMPTY', `database ${db} already holds ${n} object${n === 1 ? '' : 's'} (for example ${rows[0]!.example}); refusing to restore over them`, {
      hint: 'restore into a new database (createDatabase; pgkeep restore -C), or pass clean to drop what the backup creates first (-c), or allowNonEmpty (--allow-non-empty)',
    })
  }
}
