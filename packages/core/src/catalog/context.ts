// State shared by the catalog readers while they build the object graph: the session, the resolved
// options, the registry, and lookup tables that pg_dump keeps as globals (roles, namespaces, …).
import type { ResolvedDumpOptions } from '../options'
import type { ObjectRegistry } from '../model/registry'
import type {
  ExtensionObject, FunctionObject, LargeObjectGroup, NamespaceObject, OperatorObject, SimpleOwnedObject, TableObject,
} from '../model/objects'
import type { DumpSession } from '../session/dump-session'
import type { TypeTable } from './type-table'
import { PgkeepError } from '../errors'

/** initdb's objects have OIDs up to here (FirstNormalObjectId - 1). */
export const LAST_BUILTIN_OID = 16383

export interface Selection {
  /** No -n/-t given: dump extensions, casts, languages, publications, large objects, … */
  includeEverything: boolean
  schemaInclude: Set<number> | null
  schemaExclude: Set<number>
  tableInclude: Set<number> | null
  tableExclude: Set<number>
  tableDataExclude: Set<number>
}

export interface DumpContext {
  readonly session: DumpSession
  readonly options: ResolvedDumpOptions
  readonly registry: ObjectRegistry
  readonly selection: Selection
  readonly dumpSchema: boolean
  readonly dumpData: boolean
  readonly roles: Map<number, string>
  readonly namespaces: Map<number, NamespaceObject>
  readonly tables: Map<number, TableObject>
  /** Tables ordered by OID, as pg_dump's tblinfo array. */
  readonly tableList: TableObject[]
  /** Types by OID; table row types and array types are made on first request. */
  readonly types: TypeTable
  readonly functions: Map<number, FunctionObject>
  readonly operators: Map<number, OperatorObject>
  readonly collations: Map<number, SimpleOwnedObject>
  readonly publications: Map<number, SimpleOwnedObject>
  readonly extensions: ExtensionObject[]
  /** Catalog key (tableoid:oid) of every extension member → its extension. */
  readonly extensionMembers: Map<string, ExtensionObject>
  /** Every large object's OID → the group (metadata entry) it belongs to. */
  readonly largeObjectGroups: Map<number, LargeObjectGroup>
  readonly warnings: string[]
}

export function roleName(ctx: DumpContext, oid: string | number | null): string {
  const id = Number(oid)
  const name = ctx.roles.get(id)
  if (name === undefined) {
    throw new PgkeepError('CATALOG_QUERY_FAILED', `role with OID ${id} does not exist`)
  }
  return name
}

export function findNamespace(ctx: DumpContext, oid: string | number | null): NamespaceObject {
  const ns = ctx.namespaces.get(Number(oid))
  if (!ns) throw new PgkeepError('CATALOG_QUERY_FAILED', `schema with OID ${oid} does not exist`)
  return ns
}

/** `{1,2,3}` literal for `unnest($1::oid[])`-style bulk queries restricted to chosen objects. */
export function oidArray(oids: Iterable<number>): string {
  return `{${[...oids].join(',')}}`
}
