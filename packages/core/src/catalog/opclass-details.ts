// Members of operator classes and families (dumpOpclass, dumpOpfamily): pg_amop and pg_amproc rows
// that pg_depend ties to the class, or loosely to the family (ALTER OPERATOR FAMILY … ADD).
import { Component, has } from '../model/components'
import type { SimpleOwnedObject } from '../model/objects'
import { bool } from '../session/pg-text'
import { oidArray, type DumpContext } from './context'

export interface OpclassMembers {
  operators: { strategy: string; operator: string; sortFamily: { schema: string; name: string } | null }[]
  functions: { number: string; function: string; left: string; right: string }[]
}

export interface OpclassInfo extends OpclassMembers {
  accessMethod: string
  inputType: string
  keyType: string | null
  isDefault: boolean
  family: { schema: string; name: string } | null
}

const defined = (o: SimpleOwnedObject) => has(o.dump & o.components, Component.DEFINITION)

export async function readOpclassDetails(ctx: DumpContext): Promise<void> {
  const classes = ctx.registry.ofKind('OPCLASS').filter(defined)
  const families = ctx.registry.ofKind('OPFAMILY').filter(defined)
  if (classes.length > 0) {
    const rows = await ctx.session.query(
      `SELECT c.oid, c.opcintype::pg_catalog.regtype AS opcintype, c.opckeytype::pg_catalog.regtype AS opckeytype, c.opcdefault,
              f.opfname, fn.nspname AS opfnsp, a.amname
         FROM pg_catalog.pg_opclass c
         JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod
         LEFT JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
         LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
        WHERE c.oid = ANY ($1::pg_catalog.oid[])`,
      [oidArray(classes.map((c) => c.catId.oid))], 'read operator classes',
    )
    const members = await readMembers(ctx, 'pg_opclass', classes)
    const byOid = new Map(classes.map((c) => [c.catId.oid, c]))
    for (const row of rows) {
      const opclass = byOid.get(Number(row.oid))!
      const sameFamily = row.opfname === opclass.name && row.opfnsp === opclass.namespace!.name
      const info: OpclassInfo = {
        accessMethod: row.amname!,
        inputType: row.opcintype!,
        keyType: row.opckeytype === '-' ? null : row.opckeytype,
        isDefault: bool(row.opcdefault),
        family: sameFamily || row.opfname === null ? null : { schema: row.opfnsp!, name: row.opfname },
        ...(members.get(opclass.catId.oid) ?? { operators: [], functions: [] }),
      }
      opclass.info.details = info
    }
  }
  if (families.length > 0) {
    const rows = await ctx.session.query(
      `SELECT f.oid, a.amname FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_am a ON a.oid = f.opfmethod
        WHERE f.oid = ANY ($1::pg_catalog.oid[])`,
      [oidArray(families.map((f) => f.catId.oid))], 'read operator families',
    )
    const members = await readMembers(ctx, 'pg_opfamily', families)
    const byOid = new Map(families.map((f) => [f.catId.oid, f]))
    for (const row of rows) {
      const family = byOid.get(Number(row.oid))!
      family.info.details = { accessMethod: row.amname!, ...(members.get(family.catId.oid) ?? { operators: [], functions: [] }) }
    }
  }
}

/** Operators and support functions whose pg_depend entry points at the given classes or families. */
async function readMembers(ctx: DumpContext, catalog: 'pg_opclass' | 'pg_opfamily', owners: SimpleOwnedObject[]): Promise<Map<number, OpclassMembers>> {
  const familyOf = catalog === 'pg_opclass'
    ? '(SELECT opcfamily FROM pg_catalog.pg_opclass WHERE oid = d.refobjid)'
    : 'd.refobjid'
  const oids = oidArray(owners.map((o) => o.catId.oid))
  const ops = await ctx.session.query(
    `SELECT d.refobjid AS owner, ao.amopstrategy, ao.amopopr::pg_catalog.regoperator AS amopopr, f.opfname AS sortfamily, n.nspname AS sortfamilynsp
       FROM pg_catalog.pg_amop ao
       JOIN pg_catalog.pg_depend d ON (d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.objid = ao.oid)
       LEFT JOIN pg_catalog.pg_opfamily f ON f.oid = ao.amopsortfamily
       LEFT JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
      WHERE d.refclassid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND d.refobjid = ANY ($1::pg_catalog.oid[])
        AND ao.amopfamily = ${familyOf}
      ORDER BY d.refobjid, ao.amopstrategy`,
    [oids], 'read operator class members',
  )
  const procs = await ctx.session.query(
    `SELECT d.refobjid AS owner, ap.amprocnum, ap.amproc::pg_catalog.regprocedure AS amproc,
            ap.amproclefttype::pg_catalog.regtype AS lefttype, ap.amprocrighttype::pg_catalog.regtype AS righttype
       FROM pg_catalog.pg_amproc ap
       JOIN pg_catalog.pg_depend d ON (d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.objid = ap.oid)
      WHERE d.refclassid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND d.refobjid = ANY ($1::pg_catalog.oid[])
        AND ap.amprocfamily = ${familyOf}
      ORDER BY d.refobjid, ap.amprocnum`,
    [oids], 'read operator class support functions',
  )
  const out = new Map<number, OpclassMembers>()
  const entry = (oid: string | null) => {
    const key = Number(oid)
    let m = out.get(key)
    if (!m) out.set(key, (m = { operators: [], functions: [] }))
    return m
  }
  for (const r of ops) {
    entry(r.owner).operators.push({
      strategy: r.amopstrategy!, operator: r.amopopr!,
      sortFamily: r.sortfamily ? { schema: r.sortfamilynsp!, name: r.sortfamily } : null,
    })
  }
  for (const r of procs) entry(r.owner).functions.push({ number: r.amprocnum!, function: r.amproc!, left: r.lefttype!, right: r.righttype! })
  return out
}
