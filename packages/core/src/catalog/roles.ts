// Role names by OID: every owner and grantor in the catalog is stored as an OID.
import type { DumpContext } from './context'

export async function readRoles(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query('SELECT oid, rolname FROM pg_catalog.pg_roles ORDER BY 1', [], 'read role names')
  for (const row of rows) ctx.roles.set(Number(row.oid), row.rolname!)
}
