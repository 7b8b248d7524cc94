// Types (pg_type), including built-in ones so that dependencies and sort tie-breaks can name them.
// Base and range types get a shell-type companion in case a loop with their I/O functions needs it.
// Table row types and array types wait in the type table until something asks for them.
import { Component } from '../model/components'
import type { ShellTypeObject, TypeObject } from '../model/objects'
import { neverDumpedTypeDump, selectType } from '../select/dumpable'
import { addDependency } from '../model/registry'
import { eachRow } from '../session/each-row'
import { bool, catIdOf, int } from '../session/pg-text'
import { typeFields, type TypeRow } from './type-table'
import { findNamespace, oidArray, roleName, type DumpContext } from './context'
import { addConstraint } from './add-constraint'

export async function readTypes(ctx: DumpContext): Promise<void> {
  const domains: TypeObject[] = []
  await eachRow(ctx.session, `SELECT tableoid, oid, typname, typnamespace, typacl, pg_catalog.acldefault('T', typowner) AS acldefault, typowner,
            typelem, typrelid, typarray,
            CASE WHEN typrelid = 0 THEN ' '::"char" ELSE (SELECT relkind FROM pg_catalog.pg_class WHERE oid = typrelid) END AS typrelkind,
            typtype, typisdefined,
            typname[0] = '_' AND typelem <> 0 AND (SELECT typarray FROM pg_catalog.pg_type te WHERE oid = pg_type.typelem) = oid AS isarray
       FROM pg_catalog.pg_type`, [], 'read types', (row) => {
    const typeRow: TypeRow = {
      oid: int(row.oid),
      name: row.typname!,
      namespace: findNamespace(ctx, row.typnamespace),
      owner: roleName(ctx, row.typowner),
      acl: row.typacl,
      aclDefault: row.acldefault!,
      typtype: row.typtype!,
      typrelid: int(row.typrelid),
      typrelkind: row.typrelkind!,
      typelem: int(row.typelem),
      isArray: bool(row.isarray),
      isDefined: bool(row.typisdefined),
    }
    // Row types of tables and array types: their object is made only if something asks for it.
    const neverDumped = typeRow.acl === null ? neverDumpedTypeDump(ctx, typeRow.oid, typeRow) : null
    if (neverDumped !== null) {
      ctx.types.defer(typeRow, neverDumped)
      return
    }
    const type = ctx.registry.add<TypeObject>(typeFields(typeRow, 'TYPE'))
    selectType(ctx, type)
    if (row.typacl !== null) type.components |= Component.ACL
    ctx.types.set(type.catId.oid, type)
    if (type.kind === 'TYPE' && (type.dump & Component.DEFINITION)) {
      if (type.typtype === 'd') domains.push(type)
      if (type.typtype === 'b' || type.typtype === 'r') {
        const shell = ctx.registry.add<ShellTypeObject>({
          kind: 'SHELL_TYPE',
          catId: { tableoid: 0, oid: 0 },
          name: type.name,
          namespace: type.namespace,
          baseType: type,
          dump: Component.NONE,
        })
        type.shellType = shell
      }
    }
  })
  await readDomainConstraints(ctx, domains)
}

/** CHECK constraints of domains; a NOT VALID one is dumped separately, after the data. */
async function readDomainConstraints(ctx: DumpContext, domains: TypeObject[]): Promise<void> {
  if (domains.length === 0) return
  const byOid = new Map(domains.map((d) => [d.catId.oid, d]))
  const rows = await ctx.session.query(
    `SELECT tableoid, oid, conname, contypid, pg_catalog.pg_get_constraintdef(oid) AS consrc, convalidated
       FROM pg_catalog.pg_constraint
      WHERE contypid = ANY ($1::pg_catalog.oid[]) AND contype = 'c'
      ORDER BY contypid, conname`,
    [oidArray(byOid.keys())], 'read domain constraints',
  )
  for (const row of rows) {
    const domain = byOid.get(Number(row.contypid))!
    const validated = bool(row.convalidated)
    const con = addConstraint(ctx, {
      catId: catIdOf(row),
      name: row.conname!,
      domain,
      contype: 'c',
      condef: row.consrc,
      separate: !validated,
    })
    domain.domainChecks.push(con)
    if (validated) addDependency(domain, con.dumpId)
  }
}
