// Dependency edges from pg_depend, ignoring sub-object ids (a column dependency is a table
// dependency), with operator-class members folded into their family, as pg_dump's getDependencies.
import { addDependency } from '../model/registry'
import { eachNumberRow } from '../session/each-number-row'
import type { DumpObject } from '../model/objects'
import type { DumpContext } from './context'
import { PG_TYPE } from './type-table'

export async function readDependencies(ctx: DumpContext): Promise<void> {
  /** Edges of types whose object is not made, four numbers each: type OID (-1 once linked), refclassid, refobjid, deptype's code. */
  const waiting: number[] = []
  // ~100,000 rows on 20,000 relations: numbers only (deptype as its character's code), parsed from the
  // COPY's bytes, and lookups by the two numbers without a key object.
  await eachNumberRow(ctx.session, `SELECT classid, objid, refclassid, refobjid, deptype::pg_catalog.int4 FROM pg_catalog.pg_depend
      WHERE deptype <> 'p' AND deptype <> 'e'
     UNION ALL
     SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass::pg_catalog.oid AS classid, amopfamily AS objid, refclassid, refobjid, deptype::pg_catalog.int4
       FROM pg_catalog.pg_depend d, pg_catalog.pg_amop o
      WHERE deptype NOT IN ('p', 'e', 'i') AND classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND objid = o.oid
        AND NOT (refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND amopfamily = refobjid)
     UNION ALL
     SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass::pg_catalog.oid AS classid, amprocfamily AS objid, refclassid, refobjid, deptype::pg_catalog.int4
       FROM pg_catalog.pg_depend d, pg_catalog.pg_amproc p
      WHERE deptype NOT IN ('p', 'e', 'i') AND classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND objid = p.oid
        AND NOT (refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND amprocfamily = refobjid)
     ORDER BY 1, 2`, 5, 'read dependencies', ([classid, objid, refclassid, refobjid, deptype]) => {
    const object = ctx.registry.findMade(classid!, objid!)
    if (object) return link(ctx, object, refclassid!, refobjid!, deptype!)
    // A type not made yet: its edges count only if something depends on it (then it is made), below.
    if (classid === PG_TYPE && ctx.types.isWaiting(objid!)) waiting.push(objid!, refclassid!, refobjid!, deptype!)
  })
  // Each round links the edges of the types made since the last (an edge may make the type it points to);
  // a type's edges are linked together, in pg_depend's order, as when every type was made at once.
  for (let linked = true; linked;) {
    linked = false
    for (let i = 0; i < waiting.length; i += 4) {
      if (waiting[i] === -1) continue
      const object = ctx.registry.findMade(PG_TYPE, waiting[i]!)
      if (!object) continue
      link(ctx, object, waiting[i + 1]!, waiting[i + 2]!, waiting[i + 3]!)
      waiting[i] = -1
      linked = true
    }
  }
}

const DEPENDENCY_INTERNAL = 'i'.charCodeAt(0)
const DEPENDENCY_EXTENSION_AUTO = 'x'.charCodeAt(0)

function link(ctx: DumpContext, object: DumpObject, refclassid: number, refobjid: number, deptype: number): void {
  const referenced = ctx.registry.find(refclassid, refobjid)
  if (!referenced) return
  if (deptype === DEPENDENCY_EXTENSION_AUTO) object.dependsOnExt = true
  // A composite type's implicit dependency runs from type to its pg_class row; reverse it.
  if (deptype === DEPENDENCY_INTERNAL && object.kind === 'TABLE' && referenced.kind === 'TYPE') {
    addDependency(referenced, object.dumpId)
  } else {
    addDependency(object, referenced.dumpId)
  }
}
