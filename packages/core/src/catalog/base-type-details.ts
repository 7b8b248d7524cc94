// Details of base types (CREATE TYPE name (INPUT = …)) and of shell types never defined
// (dumpBaseType, dumpUndefinedType). I/O functions come back as regproc text, which names them
// unqualified only when they live in pg_catalog.
import type { TypeObject } from '../model/objects'
import { atLeast } from '../session/server-version'
import { bool } from '../session/pg-text'
import { oidArray, type DumpContext } from './context'

const proc = (value: string | null): string | null => (value === null || value === '-' ? null : value)

export async function readBaseTypeDetails(ctx: DumpContext, types: TypeObject[]): Promise<void> {
  for (const type of types) if (type.typtype === 'p' && !type.isDefined) type.details = { typtype: 'p' }
  const base = types.filter((t) => t.typtype === 'b')
  if (base.length === 0) return
  const v14 = atLeast(ctx.session.version, 14)
  const rows = await ctx.session.query(
    `SELECT oid, typlen, typinput, typoutput, typreceive, typsend, typmodin, typmodout, typanalyze,
            ${v14 ? 'typsubscript' : "'-'::pg_catalog.regproc"} AS typsubscript,
            typalign, typstorage, typbyval, typcategory, typispreferred, typdelim, (typcollation <> 0) AS typcollatable,
            pg_catalog.pg_get_expr(typdefaultbin, 0) AS typdefaultbin, typdefault,
            CASE WHEN typelem = 0 THEN NULL ELSE pg_catalog.format_type(typelem, NULL) END AS typelem
       FROM pg_catalog.pg_type WHERE oid = ANY ($1::pg_catalog.oid[])`,
    [oidArray(base.map((t) => t.catId.oid))], 'read base types',
  )
  for (const row of rows) {
    const type = ctx.types.get(Number(row.oid))!
    type.details = {
      typtype: 'b',
      base: {
        length: row.typlen === '-1' ? 'variable' : row.typlen!,
        input: row.typinput!,
        output: row.typoutput!,
        receive: proc(row.typreceive),
        send: proc(row.typsend),
        typmodIn: proc(row.typmodin),
        typmodOut: proc(row.typmodout),
        analyze: proc(row.typanalyze),
        subscript: proc(row.typsubscript),
        collatable: bool(row.typcollatable),
        default: row.typdefaultbin ?? row.typdefault,
        defaultIsLiteral: row.typdefaultbin === null && row.typdefault !== null,
        element: row.typelem,
        category: row.typcategory!,
        preferred: bool(row.typispreferred),
        delimiter: row.typdelim!,
        align: row.typalign!,
        storage: row.typstorage!,
        byValue: bool(row.typbyval),
      },
    }
  }
}
