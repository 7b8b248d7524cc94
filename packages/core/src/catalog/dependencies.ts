// Dependency edges from pg_depend, ignoring sub-object ids (a column dependency is a table
// dependency), with operator-class members folded into their family, as pg_dump's getDependencies.
import { addDependency } from '../model/registry'
import { eachArrayRow } from '../session/each-row'
import type { DumpContext } from './context'

export async function readDependencies(ctx: DumpContext): Promise<void> {
  // ~100,000 rows on 20,000 relations: arrays, and lookups by the two numbers without a key object.
  await eachArrayRow(ctx.session, `SELECT classid, objid, refclassid, refobjid, deptype FROM pg_catalog.pg_depend
      WHERE deptype <> 'p' AND deptype <> 'e'
     UNION ALL
     SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass AS classid, amopfamily AS objid, refclassid, refobjid, deptype
       FROM pg_catalog.pg_depend d, pg_catalog.pg_amop o
      WHERE deptype NOT IN ('p', 'e', 'i') AND classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND objid = o.oid
        AND NOT (refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND amopfamily = refobjid)
     UNION ALL
     SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass AS classid, amprocfamily AS objid, refclassid, refobjid, deptype
       FROM pg_catalog.pg_depend d, pg_catalog.pg_amproc p
      WHERE deptype NOT IN ('p', 'e', 'i') AND classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND objid = p.oid
        AND NOT (refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND amprocfamily = refobjid)
     ORDER BY 1, 2`, [], 'read dependencies', ([classid, objid, refclassid, refobjid, deptype]) => {
    const object = ctx.registry.find(Number(classid), Number(objid))
    if (!object) return
    const referenced = ctx.registry.find(Number(refclassid), Number(refobjid))
    if (!referenced) return
    if (deptype === 'x') object.dependsOnExt = true
    // A composite type's implicit dependency runs from type to its pg_class row; reverse it.
    if (deptype === 'i' && object.kind === 'TABLE' && referenced.kind === 'TYPE') {
      addDependency(referenced, object.dumpId)
    } else {
      addDependency(object, referenced.dumpId)
    }
  })
}
