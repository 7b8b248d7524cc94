// The dumpable-object graph: one node per catalog object (or per synthetic piece such as a table's
// data or a partition's ATTACH), with dependencies by dump id. Mirrors pg_dump's DumpableObject.

/** Every kind of dumpable object (pg_dump's DumpableObjectType); `ObjectKind` is derived from it. */
export const OBJECT_KINDS = [
  'NAMESPACE', 'EXTENSION', 'TYPE', 'SHELL_TYPE', 'DUMMY_TYPE', 'FUNC', 'AGG', 'OPERATOR',
  'ACCESS_METHOD', 'OPCLASS', 'OPFAMILY', 'COLLATION', 'CONVERSION', 'TABLE', 'TABLE_ATTACH',
  'ATTRDEF', 'INDEX', 'INDEX_ATTACH', 'STATSEXT', 'RULE', 'TRIGGER', 'CONSTRAINT', 'FK_CONSTRAINT',
  'PROCLANG', 'CAST', 'TABLE_DATA', 'SEQUENCE_SET', 'REFRESH_MATVIEW', 'TSPARSER', 'TSDICT',
  'TSTEMPLATE', 'TSCONFIG', 'FDW', 'FOREIGN_SERVER', 'DEFAULT_ACL', 'TRANSFORM', 'LARGE_OBJECT',
  'LARGE_OBJECT_DATA', 'POLICY', 'PUBLICATION', 'PUBLICATION_REL', 'PUBLICATION_TABLE_IN_SCHEMA',
  'EVENT_TRIGGER', 'SUBSCRIPTION', 'PRE_DATA_BOUNDARY', 'POST_DATA_BOUNDARY',
] as const

export type ObjectKind = (typeof OBJECT_KINDS)[number]

export interface CatalogId {
  /** OID of the catalog the row lives in (pg_class, pg_proc, …); 0 for synthetic objects. */
  tableoid: number
  oid: number
}

/** An ACL as pg_dump handles it: the current array text, the base to diff against. */
export interface DumpableAcl {
  /** `relacl`/`proacl`/…: null means "the default". */
  acl: string | null
  /** `acldefault(kind, owner)` as array text. */
  aclDefault: string
  /** pg_init_privs, when present (extension members, pg_catalog objects, the public schema). */
  initPrivs?: string | null
}

export interface BaseObject {
  dumpId: number
  kind: ObjectKind
  catId: CatalogId
  name: string
  namespace: NamespaceObject | null
  deps: number[]
  /** Requested components (Component bit set). */
  dump: number
  /** Components that exist for this object. */
  components: number
  /** For namespaces: what objects inside get. */
  dumpContains: number
  extMember: boolean
  dependsOnExt: boolean
}

export interface NamespaceObject extends BaseObject {
  kind: 'NAMESPACE'
  owner: string
  ownerOid: number
  dacl: DumpableAcl
  /** False for `public`, which initdb creates. */
  create: boolean
}

export interface ExtensionObject extends BaseObject {
  kind: 'EXTENSION'
  schemaName: string
  relocatable: boolean
  version: string
  config: number[]
  conditions: string[]
}

export interface TypeObject extends BaseObject {
  kind: 'TYPE' | 'DUMMY_TYPE'
  owner: string
  dacl: DumpableAcl
  typtype: string
  typrelid: number
  typrelkind: string
  typelem: number
  isArray: boolean
  isMultirange: boolean
  isDefined: boolean
  shellType: ShellTypeObject | null
  domainChecks: ConstraintObject[]
  details?: TypeDetails
}

/** A schema-qualified name, unquoted. */
export interface QualifiedName {
  schema: string
  name: string
}

export type TypeDetails =
  | { typtype: 'e'; labels: string[] }
  | { typtype: 'r'; subtype: string; multirangeType: string | null; opclass: QualifiedName | null; collation: QualifiedName | null; canonical: string | null; subtypeDiff: string | null }
  | { typtype: 'd'; baseType: string; notNull: boolean; notNullName: string | null; default: string | null; defaultIsLiteral: boolean; collation: QualifiedName | null }
  | { typtype: 'c'; attributes: { name: string; type: string; collation: QualifiedName | null; attnum: number }[] }
  | { typtype: 'b'; base: BaseTypeDetails }
  /** A shell type that was never defined (CREATE TYPE name;). */
  | { typtype: 'p' }

/** pg_type's fields of a base type; functions as regproc text, qualified when not in pg_catalog. */
export interface BaseTypeDetails {
  length: string
  input: string
  output: string
  receive: string | null
  send: string | null
  typmodIn: string | null
  typmodOut: string | null
  analyze: string | null
  subscript: string | null
  collatable: boolean
  default: string | null
  defaultIsLiteral: boolean
  element: string | null
  category: string
  preferred: boolean
  delimiter: string
  align: string
  storage: string
  byValue: boolean
}

export interface ShellTypeObject extends BaseObject {
  kind: 'SHELL_TYPE'
  baseType: TypeObject
}

export interface FunctionObject extends BaseObject {
  kind: 'FUNC' | 'AGG'
  owner: string
  dacl: DumpableAcl
  lang: number
  argtypes: number[]
  rettype: number
  postponedDef: boolean
  details?: FunctionDetails
}

export interface FunctionDetails {
  prokind: string
  retset: boolean
  src: string | null
  bin: string | null
  sqlbody: string | null
  args: string
  identityArgs: string
  result: string | null
  trftypes: string
  volatile: string
  strict: boolean
  secdef: boolean
  leakproof: boolean
  config: string[]
  cost: string
  rows: string
  support: string
  parallel: string
  language: string
  aggregate?: AggregateDetails
}

export interface AggregateDetails {
  transfn: string
  finalfn: string
  combinefn: string
  serialfn: string
  deserialfn: string
  mtransfn: string
  minvtransfn: string
  mfinalfn: string
  finalextra: boolean
  mfinalextra: boolean
  finalmodify: string
  mfinalmodify: string
  sortop: number
  aggkind: string
  transtype: string
  transspace: string
  mtranstype: string
  mtransspace: string
  initval: string | null
  minitval: string | null
}

export interface OperatorObject extends BaseObject {
  kind: 'OPERATOR'
  owner: string
  oprkind: string
  oprcode: number
  oprleft: number
  oprright: number
  details?: { code: string; left: string; right: string; com: number; negate: number; rest: string; join: string; canMerge: boolean; canHash: boolean }
}

export interface SimpleOwnedObject extends BaseObject {
  kind: 'COLLATION' | 'CONVERSION' | 'OPCLASS' | 'OPFAMILY' | 'TSDICT' | 'TSCONFIG' | 'TSPARSER' | 'TSTEMPLATE' | 'ACCESS_METHOD' | 'TRANSFORM' | 'PROCLANG' | 'EVENT_TRIGGER' | 'PUBLICATION' | 'SUBSCRIPTION'
  owner: string
  dacl?: DumpableAcl
  /** Kind-specific fields read from the catalog. */
  info: Record<string, unknown>
}

export interface CastObject extends BaseObject {
  kind: 'CAST'
  source: number
  target: number
  func: number
  context: string
  method: string
}

export interface ForeignObject extends BaseObject {
  kind: 'FDW' | 'FOREIGN_SERVER'
  owner: string
  dacl: DumpableAcl
  info: Record<string, unknown>
}

export interface DefaultAclObject extends BaseObject {
  kind: 'DEFAULT_ACL'
  role: string
  objType: string
  dacl: DumpableAcl
}

export interface Column {
  name: string
  type: string
  typeOid: number
  statTarget: number
  storage: string
  typStorage: string
  identity: string
  generated: string
  dropped: boolean
  isLocal: boolean
  /** Null: no NOT NULL. '': unnamed NOT NULL. Otherwise the constraint name to print (18+). */
  notNullName: string | null
  notNullNoInherit: boolean
  notNullIsLocal: boolean
  notNullValid: boolean
  /** 18+: the comment on the column's (valid) NOT NULL constraint. */
  notNullComment: string | null
  /** For servers before 18: a parent has NOT NULL on this column. */
  inheritedNotNull: boolean
  options: string
  collation: number
  compression: string
  fdwOptions: string
  def: AttrDefObject | null
}

export interface TableObject extends BaseObject {
  kind: 'TABLE'
  owner: string
  dacl: DumpableAcl
  relkind: string
  reltype: number
  relchecks: number
  hasIndex: boolean
  hasRules: boolean
  hasTriggers: boolean
  relpages: number
  reltuples: number
  toastPages: number
  /** Bytes on disk (heap + TOAST) of a table whose rows are dumped, for progress estimates; else 0. */
  diskBytes: number
  owningTab: number
  owningCol: number
  isIdentitySequence: boolean
  tablespace: string
  persistence: string
  isPopulated: boolean
  replIdent: string
  rowSecurity: boolean
  forceRowSecurity: boolean
  reloptions: string
  toastReloptions: string
  checkOption: string | null
  ofType: number
  foreignServer: number
  amName: string | null
  isPartition: boolean
  interesting: boolean
  dummyView: boolean
  postponedDef: boolean
  hasColumnAcls: boolean
  unsafePartitions: boolean
  parents: TableObject[]
  /**
   * An inheritance child whose column order `CREATE TABLE … INHERITS` would change (the parents' columns
   * first): created with its columns in its own order, then attached with `ALTER TABLE … INHERIT`.
   */
  attachParents?: boolean
  columns: Column[]
  checks: ConstraintObject[]
  indexes: IndexObject[]
  dataObj: TableDataObject | null
  /** Filled at emit time from the bulk detail queries. */
  partKeyDef?: string
  viewDef?: string
  foreignServerName?: string
  foreignOptions?: string
  sequence?: SequenceInfo
}

export interface SequenceInfo {
  type: 'smallint' | 'integer' | 'bigint'
  start: bigint
  increment: bigint
  max: bigint
  min: bigint
  cache: bigint
  cycled: boolean
  lastValue: bigint | null
  isCalled: boolean
}

export interface AttrDefObject extends BaseObject {
  kind: 'ATTRDEF'
  table: TableObject
  adnum: number
  expr: string
  separate: boolean
}

export interface IndexObject extends BaseObject {
  kind: 'INDEX'
  table: TableObject
  indexDef: string
  nKeyAttrs: number
  nAttrs: number
  tablespace: string
  reloptions: string
  statCols: string
  statVals: string
  keys: number[]
  isClustered: boolean
  isReplIdent: boolean
  nullsNotDistinct: boolean
  parentIdx: number
  constraintId: number
  partAttaches: IndexAttachObject[]
}

export interface IndexAttachObject extends BaseObject {
  kind: 'INDEX_ATTACH'
  parentIdx: IndexObject
  partitionIdx: IndexObject
}

export interface TableAttachObject extends BaseObject {
  kind: 'TABLE_ATTACH'
  parentTable: TableObject
  partitionTable: TableObject
  partBound?: string
}

export interface ConstraintObject extends BaseObject {
  kind: 'CONSTRAINT' | 'FK_CONSTRAINT'
  table: TableObject | null
  domain: TypeObject | null
  contype: string
  condef: string | null
  confrelid: number
  indexId: number
  deferrable: boolean
  deferred: boolean
  period: boolean
  isLocal: boolean
  separate: boolean
  /**
   * An exclusion constraint of a partition that its partitioned parent's constraint creates. PostgreSQL
   * (17, 18) cannot ATTACH such an index afterwards, so the parent's ADD CONSTRAINT cascades instead.
   */
  parentExclusion?: ConstraintObject
  /** Emit ADD CONSTRAINT without ONLY, creating the partitions' constraints too. */
  cascades?: boolean
}

export interface StatsExtObject extends BaseObject {
  kind: 'STATSEXT'
  owner: string
  table: TableObject | null
  statTarget: number
  def?: string
}

export interface RuleObject extends BaseObject {
  kind: 'RULE'
  table: TableObject
  evType: string
  isInstead: boolean
  evEnabled: string
  separate: boolean
  def?: string
}

export interface TriggerObject extends BaseObject {
  kind: 'TRIGGER'
  table: TableObject
  enabled: string
  isPartitionClone: boolean
  def: string
}

export interface PolicyObject extends BaseObject {
  kind: 'POLICY'
  table: TableObject
  /** Null for the "row security is enabled" marker. */
  polname: string | null
  cmd: string
  permissive: boolean
  roles: string | null
  qual: string | null
  withCheck: string | null
}

export interface PublicationRelObject extends BaseObject {
  kind: 'PUBLICATION_REL' | 'PUBLICATION_TABLE_IN_SCHEMA'
  publication: SimpleOwnedObject
  table: TableObject | null
  schema: NamespaceObject | null
  columns: string | null
  where: string | null
}

export interface TableDataObject extends BaseObject {
  kind: 'TABLE_DATA' | 'SEQUENCE_SET' | 'REFRESH_MATVIEW'
  table: TableObject
  filter: string | null
}

export interface LargeObjectGroup extends BaseObject {
  kind: 'LARGE_OBJECT'
  owner: string
  dacl: DumpableAcl
  oids: number[]
}

export interface LargeObjectData extends BaseObject {
  kind: 'LARGE_OBJECT_DATA'
  group: LargeObjectGroup
}

export interface BoundaryObject extends BaseObject {
  kind: 'PRE_DATA_BOUNDARY' | 'POST_DATA_BOUNDARY'
}

export type DumpObject =
  | NamespaceObject | ExtensionObject | TypeObject | ShellTypeObject | FunctionObject | OperatorObject
  | SimpleOwnedObject | CastObject | ForeignObject | DefaultAclObject | TableObject | AttrDefObject
  | IndexObject | IndexAttachObject | TableAttachObject | ConstraintObject | StatsExtObject | RuleObject
  | TriggerObject | PolicyObject | PublicationRelObject | TableDataObject | LargeObjectGroup
  | LargeObjectData | BoundaryObject
