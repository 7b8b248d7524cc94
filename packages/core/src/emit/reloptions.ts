// WITH (…) lists from reloptions arrays (appendReloptionsArray): values are quoted unless they
// are identifiers that need no quoting (so numbers are quoted), names as identifiers.
import { strings } from '../session/pg-text'
import { quoteIdent, quoteLiteral } from './quote'

export function nonEmptyReloptions(reloptions: string | null | undefined): boolean {
  return !!reloptions && reloptions !== '{}'
}

export function formatReloptions(reloptions: string, prefix: string, standardConformingStrings: boolean): string {
  return strings(reloptions)
    .map((option) => {
      const eq = option.indexOf('=')
      const name = eq < 0 ? option : option.slice(0, eq)
      const value = eq < 0 ? '' : option.slice(eq + 1)
      // pg_dump's rule: emit the value bare if fmtId would leave it unchanged, else as a literal.
      const bare = quoteIdent(value) === value
      return `${prefix}${quoteIdent(name)}=${bare ? value : quoteLiteral(value, standardConformingStrings)}`
    })
    .join(', ')
}
