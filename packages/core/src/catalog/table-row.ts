// A relation (table, view, sequence, composite type, …) as the catalog read keeps it: the `TableObject`
// its readers see, held in 27 fields instead of 49 (50 for a view). A schema of 10,000 tables and 10,000
// views keeps 20,208 of them alive until the script's entries are made; as object literals they took 448
// bytes each (360 in the object, 88 in the out-of-object store that the registry's fields and a view's
// definition spilled into: 9.1 MB), as this class 240 (4.8 MB); the live heap when the entries are made
// went from 54.8 to 50.5 MB. The sixteen flags (eight read from pg_class, eight set by later steps:
// `interesting`, `dummyView`, `extMember`, …) are packed in one small integer, the three one-character
// codes (relkind, persistence, replica identity) in another. What only some relations have (a tablespace,
// options, an owning column, a typed table's type, a foreign server, a partition key, a sequence's
// parameters) lives in an `extra` object of 128 bytes, null for almost every table and view (a sequence
// owned by a column has one). A view's definition keeps a field of its own: every view gets one, and an
// `extra` per view would cost more than the field does on every relation. Readers and writers go through
// getters and setters, so `TableObject` stays an interface and test code may still build plain objects.
import type {
  ConstraintObject, CatalogId, Column, DumpableAcl, IndexObject, NamespaceObject, SequenceInfo, TableDataObject, TableObject,
} from '../model/objects'
import { codeOf } from './one-char-code'

const HAS_INDEX = 1
const HAS_RULES = 2
const HAS_TRIGGERS = 4
const IS_IDENTITY_SEQUENCE = 8
const IS_POPULATED = 16
const ROW_SECURITY = 32
const FORCE_ROW_SECURITY = 64
const IS_PARTITION = 128
const INTERESTING = 256
const DUMMY_VIEW = 512
const POSTPONED_DEF = 1024
const HAS_COLUMN_ACLS = 2048
const UNSAFE_PARTITIONS = 4096
const ATTACH_PARENTS = 8192
const EXT_MEMBER = 16384
const DEPENDS_ON_EXT = 32768

type CodeName = 'relkind' | 'persistence' | 'replIdent'

interface TableExtra {
  owningTab: number
  owningCol: number
  tablespace: string
  reloptions: string
  toastReloptions: string
  checkOption: string | null
  ofType: number
  foreignServer: number
  partKeyDef: string | undefined
  foreignServerName: string | undefined
  foreignOptions: string | undefined
  sequence: SequenceInfo | undefined
  /** Codes that are not '' or one ASCII character, as read. */
  codes: Partial<Record<CodeName, string>> | null
}

/** What a relation without an `extra` has. */
const NO_EXTRA: Readonly<TableExtra> = Object.freeze(newExtra())

function newExtra(): TableExtra {
  return {
    owningTab: 0, owningCol: 0, tablespace: '', reloptions: '', toastReloptions: '', checkOption: null, ofType: 0, foreignServer: 0,
    partKeyDef: undefined, foreignServerName: undefined, foreignOptions: undefined, sequence: undefined, codes: null,
  }
}

type ExtraName = Exclude<keyof TableExtra, 'codes'>

/** Everything a relation is made from, as `TableObject` has it; what later steps set starts empty. */
export type TableFields = Pick<TableObject, 'catId' | 'name' | 'namespace' | 'owner' | 'dacl' | 'relkind' | 'reltype' | 'relchecks'
  | 'hasIndex' | 'hasRules' | 'hasTriggers' | 'relpages' | 'reltuples' | 'toastPages' | 'owningTab' | 'owningCol' | 'isIdentitySequence'
  | 'tablespace' | 'persistence' | 'isPopulated' | 'replIdent' | 'rowSecurity' | 'forceRowSecurity' | 'reloptions' | 'toastReloptions'
  | 'checkOption' | 'ofType' | 'foreignServer' | 'amName' | 'isPartition'>

const RELKIND = 0
const PERSISTENCE = 7
const REPL_IDENT = 14

export class TableRow implements TableObject {
  // the registry's fields (ObjectRegistry.add sets them), declared so every relation has one hidden class
  dumpId!: number
  readonly kind = 'TABLE' as const
  readonly catId: CatalogId
  name: string
  namespace: NamespaceObject | null
  deps!: number[]
  dump!: number
  components!: number
  dumpContains!: number
  owner: string
  dacl: DumpableAcl
  reltype: number
  relchecks: number
  relpages: number
  reltuples: number
  toastPages: number
  diskBytes = 0
  amName: string | null
  parents: TableObject[] = []
  columns: Column[] = []
  checks: ConstraintObject[] = []
  indexes: IndexObject[] = []
  dataObj: TableDataObject | null = null
  viewDef: string | undefined = undefined
  private flags: number
  /** relkind, persistence and replIdent, 7 bits each. */
  private codes: number
  private extra: TableExtra | null = null

  constructor(f: TableFields) {
    this.catId = f.catId
    this.name = f.name
    this.namespace = f.namespace
    this.owner = f.owner
    this.dacl = f.dacl
    this.reltype = f.reltype
    this.relchecks = f.relchecks
    this.relpages = f.relpages
    this.reltuples = f.reltuples
    this.toastPages = f.toastPages
    this.amName = f.amName
    this.flags = (f.hasIndex ? HAS_INDEX : 0) | (f.hasRules ? HAS_RULES : 0) | (f.hasTriggers ? HAS_TRIGGERS : 0)
      | (f.isIdentitySequence ? IS_IDENTITY_SEQUENCE : 0) | (f.isPopulated ? IS_POPULATED : 0) | (f.rowSecurity ? ROW_SECURITY : 0)
      | (f.forceRowSecurity ? FORCE_ROW_SECURITY : 0) | (f.isPartition ? IS_PARTITION : 0)
    let odd: TableExtra['codes'] = null
    const code = (name: CodeName): number => {
      const c = codeOf(f[name])
      if (c >= 0) return c
      ;(odd ??= {})[name] = f[name]
      return 0
    }
    this.codes = (code('relkind') << RELKIND) | (code('persistence') << PERSISTENCE) | (code('replIdent') << REPL_IDENT)
    if (f.owningTab !== 0 || f.owningCol !== 0 || f.tablespace !== '' || f.reloptions !== '' || f.toastReloptions !== ''
      || f.checkOption !== null || f.ofType !== 0 || f.foreignServer !== 0 || odd !== null) {
      const extra = newExtra()
      extra.owningTab = f.owningTab
      extra.owningCol = f.owningCol
      extra.tablespace = f.tablespace
      extra.reloptions = f.reloptions
      extra.toastReloptions = f.toastReloptions
      extra.checkOption = f.checkOption
      extra.ofType = f.ofType
      extra.foreignServer = f.foreignServer
      extra.codes = odd
      this.extra = extra
    }
  }

  get hasIndex(): boolean { return (this.flags & HAS_INDEX) !== 0 }
  set hasIndex(value: boolean) { this.setFlag(HAS_INDEX, value) }
  get hasRules(): boolean { return (this.flags & HAS_RULES) !== 0 }
  set hasRules(value: boolean) { this.setFlag(HAS_RULES, value) }
  get hasTriggers(): boolean { return (this.flags & HAS_TRIGGERS) !== 0 }
  set hasTriggers(value: boolean) { this.setFlag(HAS_TRIGGERS, value) }
  get isIdentitySequence(): boolean { return (this.flags & IS_IDENTITY_SEQUENCE) !== 0 }
  set isIdentitySequence(value: boolean) { this.setFlag(IS_IDENTITY_SEQUENCE, value) }
  get isPopulated(): boolean { return (this.flags & IS_POPULATED) !== 0 }
  set isPopulated(value: boolean) { this.setFlag(IS_POPULATED, value) }
  get rowSecurity(): boolean { return (this.flags & ROW_SECURITY) !== 0 }
  set rowSecurity(value: boolean) { this.setFlag(ROW_SECURITY, value) }
  get forceRowSecurity(): boolean { return (this.flags & FORCE_ROW_SECURITY) !== 0 }
  set forceRowSecurity(value: boolean) { this.setFlag(FORCE_ROW_SECURITY, value) }
  get isPartition(): boolean { return (this.flags & IS_PARTITION) !== 0 }
  set isPartition(value: boolean) { this.setFlag(IS_PARTITION, value) }
  get interesting(): boolean { return (this.flags & INTERESTING) !== 0 }
  set interesting(value: boolean) { this.setFlag(INTERESTING, value) }
  get dummyView(): boolean { return (this.flags & DUMMY_VIEW) !== 0 }
  set dummyView(value: boolean) { this.setFlag(DUMMY_VIEW, value) }
  get postponedDef(): boolean { return (this.flags & POSTPONED_DEF) !== 0 }
  set postponedDef(value: boolean) { this.setFlag(POSTPONED_DEF, value) }
  get hasColumnAcls(): boolean { return (this.flags & HAS_COLUMN_ACLS) !== 0 }
  set hasColumnAcls(value: boolean) { this.setFlag(HAS_COLUMN_ACLS, value) }
  get unsafePartitions(): boolean { return (this.flags & UNSAFE_PARTITIONS) !== 0 }
  set unsafePartitions(value: boolean) { this.setFlag(UNSAFE_PARTITIONS, value) }
  get attachParents(): boolean { return (this.flags & ATTACH_PARENTS) !== 0 }
  set attachParents(value: boolean | undefined) { this.setFlag(ATTACH_PARENTS, value === true) }
  get extMember(): boolean { return (this.flags & EXT_MEMBER) !== 0 }
  set extMember(value: boolean) { this.setFlag(EXT_MEMBER, value) }
  get dependsOnExt(): boolean { return (this.flags & DEPENDS_ON_EXT) !== 0 }
  set dependsOnExt(value: boolean) { this.setFlag(DEPENDS_ON_EXT, value) }

  get relkind(): string { return this.code(RELKIND, 'relkind') }
  set relkind(value: string) { this.setCode(RELKIND, 'relkind', value) }
  get persistence(): string { return this.code(PERSISTENCE, 'persistence') }
  set persistence(value: string) { this.setCode(PERSISTENCE, 'persistence', value) }
  get replIdent(): string { return this.code(REPL_IDENT, 'replIdent') }
  set replIdent(value: string) { this.setCode(REPL_IDENT, 'replIdent', value) }

  get owningTab(): number { return (this.extra ?? NO_EXTRA).owningTab }
  set owningTab(value: number) { this.setExtra('owningTab', value) }
  get owningCol(): number { return (this.extra ?? NO_EXTRA).owningCol }
  set owningCol(value: number) { this.setExtra('owningCol', value) }
  get tablespace(): string { return (this.extra ?? NO_EXTRA).tablespace }
  set tablespace(value: string) { this.setExtra('tablespace', value) }
  get reloptions(): string { return (this.extra ?? NO_EXTRA).reloptions }
  set reloptions(value: string) { this.setExtra('reloptions', value) }
  get toastReloptions(): string { return (this.extra ?? NO_EXTRA).toastReloptions }
  set toastReloptions(value: string) { this.setExtra('toastReloptions', value) }
  get checkOption(): string | null { return (this.extra ?? NO_EXTRA).checkOption }
  set checkOption(value: string | null) { this.setExtra('checkOption', value) }
  get ofType(): number { return (this.extra ?? NO_EXTRA).ofType }
  set ofType(value: number) { this.setExtra('ofType', value) }
  get foreignServer(): number { return (this.extra ?? NO_EXTRA).foreignServer }
  set foreignServer(value: number) { this.setExtra('foreignServer', value) }
  get partKeyDef(): string | undefined { return (this.extra ?? NO_EXTRA).partKeyDef }
  set partKeyDef(value: string | undefined) { this.setExtra('partKeyDef', value) }
  get foreignServerName(): string | undefined { return (this.extra ?? NO_EXTRA).foreignServerName }
  set foreignServerName(value: string | undefined) { this.setExtra('foreignServerName', value) }
  get foreignOptions(): string | undefined { return (this.extra ?? NO_EXTRA).foreignOptions }
  set foreignOptions(value: string | undefined) { this.setExtra('foreignOptions', value) }
  get sequence(): SequenceInfo | undefined { return (this.extra ?? NO_EXTRA).sequence }
  set sequence(value: SequenceInfo | undefined) { this.setExtra('sequence', value) }

  private setFlag(bit: number, value: boolean): void {
    this.flags = value ? this.flags | bit : this.flags & ~bit
  }

  private code(shift: number, name: CodeName): string {
    const code = (this.codes >> shift) & 127
    return code !== 0 ? String.fromCharCode(code) : this.extra?.codes?.[name] ?? ''
  }

  private setCode(shift: number, name: CodeName, value: string): void {
    const code = codeOf(value)
    this.codes = (this.codes & ~(127 << shift)) | (Math.max(code, 0) << shift)
    if (code >= 0) {
      if (this.extra?.codes) delete this.extra.codes[name]
    } else {
      ;(this.ownExtra().codes ??= {})[name] = value
    }
  }

  /** Sets a rarely set field; a relation gets its `extra` only when one is set to other than its default. */
  private setExtra<K extends ExtraName>(name: K, value: TableExtra[K]): void {
    if (this.extra === null && value === NO_EXTRA[name]) return
    this.ownExtra()[name] = value
  }

  private ownExtra(): TableExtra {
    return (this.extra ??= newExtra())
  }
}
