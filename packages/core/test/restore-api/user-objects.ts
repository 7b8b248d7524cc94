// The user objects of a database by kind, schema and name, in a form that is the same on every major
// from 13 for a faithful copy: schemas, relations (with their relkind), functions (with their identity
// arguments, less the IN that 14+ print for a procedure's arguments) and types. Extension members and
// objects a server makes by itself for another object (array types, row types, multirange types and
// their constructors: internal dependencies) are left out.
import { runSql } from '@pgkeep/testkit'

const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'`

function notMadeFor(catalog: string, alias: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${alias}.oid AND d.deptype IN ('e', 'i'))`
}

export async function userObjects(url: string): Promise<string[]> {
  const rows = await runSql<{ o: string }>(url, `
    SELECT 'schema ' || quote_ident(n.nspname) AS o FROM pg_catalog.pg_namespace n
     WHERE ${USER_SCHEMA} AND ${notMadeFor('pg_namespace', 'n')}
    UNION ALL
    SELECT format('relation %s %I.%I', c.relkind, n.nspname, c.relname)
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${USER_SCHEMA} AND c.relkind <> 't' AND NOT EXISTS (
       SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    UNION ALL
    SELECT format('function %I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE ${USER_SCHEMA} AND ${notMadeFor('pg_proc', 'p')}
    UNION ALL
    SELECT format('type %s %I.%I', t.typtype, n.nspname, t.typname)
      FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
     WHERE ${USER_SCHEMA} AND ${notMadeFor('pg_type', 't')}
       AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')`)
  // 14+ spell out IN for every argument of a procedure (ruleutils.c print_function_arguments); 13 does not
  return rows.map((r) => (r.o.startsWith('function ') ? r.o.replace(/([(]|, )IN /g, '$1') : r.o)).sort()
}
