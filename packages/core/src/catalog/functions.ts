// Functions, procedures and aggregates (pg_proc). Like pg_dump: skip internally-dependent functions
// (range constructors), skip pg_catalog except for functions used by user casts/transforms or with
// ACLs that differ from pg_init_privs. (pg_dump tests the transforms with an EXISTS per function, which
// the server runs as a scan of pg_transform for each of the ~3,000 rows of pg_proc: 5 ms of every dump.
// The same set as one hashed list takes 0.3 ms.)
import { Component } from '../model/components'
import type { FunctionObject } from '../model/objects'
import { selectObject } from '../select/dumpable'
import { catIdOf, int, intList } from '../session/pg-text'
import { findNamespace, LAST_BUILTIN_OID, roleName, type DumpContext } from './context'

export async function readFunctions(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT p.tableoid, p.oid, p.proname, p.prolang, p.pronargs, p.proargtypes, p.prorettype, p.proacl,
            pg_catalog.acldefault('f', p.proowner) AS acldefault, p.pronamespace, p.proowner
       FROM pg_catalog.pg_proc p
       LEFT JOIN pg_catalog.pg_init_privs pip ON (p.oid = pip.objoid AND pip.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND pip.objsubid = 0)
      WHERE p.prokind <> 'a'
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend WHERE classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND objid = p.oid AND deptype = 'i')
        AND (p.pronamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog')
             OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast WHERE pg_cast.oid > ${LAST_BUILTIN_OID} AND p.oid = pg_cast.castfunc)
             OR p.oid IN (SELECT trffromsql::pg_catalog.oid FROM pg_catalog.pg_transform WHERE oid > ${LAST_BUILTIN_OID}
                          UNION ALL SELECT trftosql::pg_catalog.oid FROM pg_catalog.pg_transform WHERE oid > ${LAST_BUILTIN_OID})
             OR p.proacl IS DISTINCT FROM pip.initprivs)`,
    [], 'read functions',
  )
  for (const row of rows) addFunction(ctx, row, 'FUNC')
}

export async function readAggregates(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT p.tableoid, p.oid, p.proname, 0 AS prolang, p.pronargs, p.proargtypes, 0 AS prorettype, p.proacl,
            pg_catalog.acldefault('f', p.proowner) AS acldefault, p.pronamespace, p.proowner
       FROM pg_catalog.pg_proc p
       LEFT JOIN pg_catalog.pg_init_privs pip ON (p.oid = pip.objoid AND pip.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND pip.objsubid = 0)
      WHERE p.prokind = 'a'
        AND (p.pronamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog')
             OR p.proacl IS DISTINCT FROM pip.initprivs)`,
    [], 'read aggregates',
  )
  for (const row of rows) addFunction(ctx, row, 'AGG')
}

function addFunction(ctx: DumpContext, row: Record<string, string | null>, kind: 'FUNC' | 'AGG'): void {
  const fn = ctx.registry.add<FunctionObject>({
    kind,
    catId: catIdOf(row),
    name: row.proname!,
    namespace: findNamespace(ctx, row.pronamespace),
    owner: roleName(ctx, row.proowner),
    dacl: { acl: row.proacl, aclDefault: row.acldefault! },
    lang: int(row.prolang),
    argtypes: intList(row.proargtypes).slice(0, int(row.pronargs)),
    rettype: int(row.prorettype),
    postponedDef: false,
  })
  selectObject(ctx, fn)
  if (row.proacl !== null) fn.components |= Component.ACL
  ctx.functions.set(fn.catId.oid, fn)
}
