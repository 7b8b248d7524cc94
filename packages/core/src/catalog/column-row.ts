// A table's column as the catalog read keeps it: the `Column` its readers see, held in 9 fields instead
// of 19. A schema of 10,000 tables has 40,000 columns alive until the script's entries are made; as
// object literals they took 192 bytes each (7.7 MB at 20,000 relations), as this class 104 (4.2 MB). The six flags
// and the five one-character codes (storage, the type's storage, identity, generated, compression) are
// packed in two small integers; what is rarely set (a statistics target, options, FDW options, the NOT
// NULL constraint's comment, a code that is not one ASCII character) lives in an `extra` object, null
// for almost every column. Readers go through getters, so `Column` stays an interface, and test code
// may still build plain objects for it.
import type { AttrDefObject, Column } from '../model/objects'
import { codeOf } from './one-char-code'

const DROPPED = 1
const IS_LOCAL = 2
const NOT_NULL_NO_INHERIT = 4
const NOT_NULL_IS_LOCAL = 8
const NOT_NULL_VALID = 16
const INHERITED_NOT_NULL = 32

type CodeName = 'storage' | 'typStorage' | 'identity' | 'generated' | 'compression'

interface ColumnExtra {
  statTarget: number
  options: string
  fdwOptions: string
  notNullComment: string | null
  /** Codes that are not '' or one ASCII character, as read. */
  codes: Partial<Record<CodeName, string>>
}

/** Everything a column is made from, as `Column` has it (def and inheritedNotNull are set later). */
export type ColumnFields = Omit<Column, 'def' | 'inheritedNotNull'>

export class ColumnRow implements Column {
  readonly name: string
  readonly type: string
  readonly typeOid: number
  readonly collation: number
  readonly notNullName: string | null
  def: AttrDefObject | null = null
  private flags: number
  /** storage, typStorage and identity, 7 bits each (bits 0–20); generated and compression in `codes2`. */
  private codes1: number
  private codes2: number
  private readonly extra: ColumnExtra | null

  constructor(f: ColumnFields) {
    this.name = f.name
    this.type = f.type
    this.typeOid = f.typeOid
    this.collation = f.collation
    this.notNullName = f.notNullName
    this.flags = (f.dropped ? DROPPED : 0) | (f.isLocal ? IS_LOCAL : 0) | (f.notNullNoInherit ? NOT_NULL_NO_INHERIT : 0)
      | (f.notNullIsLocal ? NOT_NULL_IS_LOCAL : 0) | (f.notNullValid ? NOT_NULL_VALID : 0)
    let odd: ColumnExtra['codes'] | null = null
    const code = (name: CodeName): number => {
      const c = codeOf(f[name])
      if (c >= 0) return c
      ;(odd ??= {})[name] = f[name]
      return 0
    }
    this.codes1 = code('storage') | (code('typStorage') << 7) | (code('identity') << 14)
    this.codes2 = code('generated') | (code('compression') << 7)
    this.extra = f.statTarget !== -1 || f.options !== '' || f.fdwOptions !== '' || f.notNullComment !== null || odd !== null
      ? { statTarget: f.statTarget, options: f.options, fdwOptions: f.fdwOptions, notNullComment: f.notNullComment, codes: odd ?? {} }
      : null
  }

  get dropped(): boolean { return (this.flags & DROPPED) !== 0 }
  get isLocal(): boolean { return (this.flags & IS_LOCAL) !== 0 }
  get notNullNoInherit(): boolean { return (this.flags & NOT_NULL_NO_INHERIT) !== 0 }
  get notNullIsLocal(): boolean { return (this.flags & NOT_NULL_IS_LOCAL) !== 0 }
  get notNullValid(): boolean { return (this.flags & NOT_NULL_VALID) !== 0 }
  get inheritedNotNull(): boolean { return (this.flags & INHERITED_NOT_NULL) !== 0 }
  set inheritedNotNull(value: boolean) { this.flags = value ? this.flags | INHERITED_NOT_NULL : this.flags & ~INHERITED_NOT_NULL }

  get storage(): string { return this.code(this.codes1 & 127, 'storage') }
  get typStorage(): string { return this.code((this.codes1 >> 7) & 127, 'typStorage') }
  get identity(): string { return this.code((this.codes1 >> 14) & 127, 'identity') }
  get generated(): string { return this.code(this.codes2 & 127, 'generated') }
  get compression(): string { return this.code((this.codes2 >> 7) & 127, 'compression') }

  get statTarget(): number { return this.extra?.statTarget ?? -1 }
  get options(): string { return this.extra?.options ?? '' }
  get fdwOptions(): string { return this.extra?.fdwOptions ?? '' }
  get notNullComment(): string | null { return this.extra?.notNullComment ?? null }

  private code(code: number, name: CodeName): string {
    return code !== 0 ? String.fromCharCode(code) : this.extra?.codes[name] ?? ''
  }
}
