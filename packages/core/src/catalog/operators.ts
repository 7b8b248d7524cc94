// Operators, operator classes and families, and access methods.
import type { OperatorObject, SimpleOwnedObject } from '../model/objects'
import { selectBuiltinByOid, selectObject } from '../select/dumpable'
import { catIdOf, int } from '../session/pg-text'
import { findNamespace, roleName, type DumpContext } from './context'

export async function readOperators(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT tableoid, oid, oprname, oprnamespace, oprowner, oprkind, oprcode::pg_catalog.oid AS oprcode, oprleft, oprright
       FROM pg_catalog.pg_operator`,
    [], 'read operators',
  )
  for (const row of rows) {
    const op = ctx.registry.add<OperatorObject>({
      kind: 'OPERATOR',
      catId: catIdOf(row),
      name: row.oprname!,
      namespace: findNamespace(ctx, row.oprnamespace),
      owner: roleName(ctx, row.oprowner),
      oprkind: row.oprkind!,
      oprcode: int(row.oprcode),
      oprleft: int(row.oprleft),
      oprright: int(row.oprright),
    })
    selectObject(ctx, op)
    ctx.operators.set(op.catId.oid, op)
  }
}

export async function readAccessMethods(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    'SELECT tableoid, oid, amname, amtype, amhandler::pg_catalog.regproc AS amhandler FROM pg_catalog.pg_am',
    [], 'read access methods',
  )
  for (const row of rows) {
    const am = ctx.registry.add<SimpleOwnedObject>({
      kind: 'ACCESS_METHOD',
      catId: catIdOf(row),
      name: row.amname!,
      namespace: null,
      owner: '',
      info: { amtype: row.amtype, handler: row.amhandler },
    })
    selectBuiltinByOid(ctx, am)
  }
}

export async function readOpclassesAndFamilies(ctx: DumpContext): Promise<void> {
  for (const [kind, table, prefix] of [['OPCLASS', 'pg_opclass', 'opc'], ['OPFAMILY', 'pg_opfamily', 'opf']] as const) {
    const rows = await ctx.session.query(
      `SELECT tableoid, oid, ${prefix}name AS name, ${prefix}namespace AS nsp, ${prefix}owner AS owner, ${prefix}method AS method
         FROM pg_catalog.${table}`,
      [], `read ${kind === 'OPCLASS' ? 'operator classes' : 'operator families'}`,
    )
    for (const row of rows) {
      const object = ctx.registry.add<SimpleOwnedObject>({
        kind,
        catId: catIdOf(row),
        name: row.name!,
        namespace: findNamespace(ctx, row.nsp),
        owner: roleName(ctx, row.owner),
        info: { method: int(row.method) },
      })
      selectObject(ctx, object)
    }
  }
}
