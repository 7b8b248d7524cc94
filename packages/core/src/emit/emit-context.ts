// What emitters need besides the object itself: the output style, options, and lookups for
// comments, labels, column ACLs and formatted type names. Emitters are pure: no queries.
import type { ColumnAcl } from '../catalog/acls'
import type { DescriptionIndex } from '../catalog/comments'
import type { TypeTable } from '../catalog/type-table'
import type { FunctionObject, OperatorObject, TableObject, SimpleOwnedObject } from '../model/objects'

export interface EmitContext {
  /** pg_dump major version whose output style is written (13..18). */
  flavour: number
  serverMajor: number
  /** The major whose privilege letters ACLs are written with: the target's when it is older (no MAINTAIN before 17). */
  aclMajor: number
  standardConformingStrings: boolean
  dumpSchema: boolean
  dumpData: boolean
  noOwner: boolean
  noPrivileges: boolean
  noComments: boolean
  noSecurityLabels: boolean
  noTablespaces: boolean
  comments: DescriptionIndex
  securityLabels: DescriptionIndex
  columnAcls: Map<number, ColumnAcl[]>
  /** format_type(oid, NULL) of a type, or undefined when unknown. */
  typeName(oid: number): string | undefined
  tables: Map<number, TableObject>
  /** Types by OID (made on request), and the names a schema's types take. */
  types: Pick<TypeTable, 'get' | 'namesIn'>
  functions: Map<number, FunctionObject>
  operators: Map<number, OperatorObject>
  collations: Map<number, SimpleOwnedObject>
  /** Names of extensions an object depends on with DEPENDS ON EXTENSION. */
  dependsOnExtensions(classOid: string, oid: number): string[]
}
