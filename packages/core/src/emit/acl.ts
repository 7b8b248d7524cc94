// GRANT/REVOKE commands that turn an object's base privileges into its actual ones (dumputils.c's
// buildACLCommands): revoke what the base has and the object lacks, grant what the object has and
// the base lacks, owner's grants first, grants by another grantor under SET SESSION AUTHORIZATION.
import { PgkeepError } from '../errors'
import type { DumpableAcl } from '../model/objects'
import { strings } from '../session/pg-text'
import { parseAclItem } from './acl-items'
import { quoteIdent } from './quote'
import type { TocEntry } from './toc-entry'

export interface AclTarget {
  /** GRANT object type keyword: TABLE, SEQUENCE, FUNCTION, SCHEMA, … */
  type: string
  /** Object name, already quoted (for functions: name and argument list). */
  name: string
  /** Column name, already quoted, for column privileges. */
  subname?: string | null
  /** Schema of the object (unquoted), or null. */
  schema: string | null
  owner: string | null
  /** Prefix for every command (ALTER DEFAULT PRIVILEGES …). */
  prefix?: string
  /** pg_dump before 18 printed `ON TABLES  TO` (two spaces) when the name is empty. */
  legacySpacing?: boolean
}

/** Returns the commands, or '' when the object has its default privileges. */
export function buildAclCommands(target: AclTarget, dacl: DumpableAcl, serverMajor: number): string {
  let acls = dacl.acl
  let base = dacl.aclDefault
  if (dacl.initPrivs) {
    base = dacl.initPrivs
    if (!acls) acls = dacl.aclDefault
  }
  if (acls === null || acls === '') return ''
  const items = strings(acls)
  const baseItems = strings(base)
  const grants = items.filter((i) => !baseItems.includes(i))
  const revokes = baseItems.filter((i) => !items.includes(i))
  const owner = target.owner || null
  const prefix = target.prefix ?? ''
  const on = `ON ${target.type} ${target.schema ? `${quoteIdent(target.schema)}.` : ''}${target.name || target.legacySpacing ? `${target.name} ` : ''}`
  const subname = target.subname ?? null
  let first = ''
  let second = ''
  for (const item of revokes) {
    const parsed = parse(item, target, subname, serverMajor, false)
    if (parsed.privs) first += `${prefix}REVOKE ${parsed.privs} ${on}FROM ${parsed.grantee === '' ? 'PUBLIC' : quoteIdent(parsed.grantee)};\n`
  }
  for (const item of grants) {
    const parsed = parse(item, target, subname, serverMajor, true)
    if (!parsed.privs && !parsed.privsWithGrant) continue
    const grantor = parsed.grantor || owner || ''
    const ownGrant = owner !== null && parsed.grantee === owner && grantor === owner
    const otherGrantor = grantor !== '' && grantor !== owner
    let sql = ''
    if (otherGrantor) sql += `SET SESSION AUTHORIZATION ${quoteIdent(grantor)};\n`
    const to = parsed.grantee === '' ? 'PUBLIC' : quoteIdent(parsed.grantee)
    if (parsed.privs) sql += `${prefix}GRANT ${parsed.privs} ${on}TO ${to};\n`
    if (parsed.privsWithGrant) sql += `${prefix}GRANT ${parsed.privsWithGrant} ${on}TO ${to} WITH GRANT OPTION;\n`
    if (otherGrantor) sql += 'RESET SESSION AUTHORIZATION;\n'
    if (ownGrant) first += sql
    else second += sql
  }
  return first + second
}

function parse(item: string, target: AclTarget, subname: string | null, serverMajor: number, keepGrantOption: boolean) {
  const parsed = parseAclItem(item, target.type, subname, serverMajor, keepGrantOption)
  if (!parsed) throw new PgkeepError('CATALOG_QUERY_FAILED', `unable to parse ACL item "${item}" of ${target.type.toLowerCase()} ${target.name}`)
  return parsed
}

/** An ACL entry for an object, or nothing when its privileges are the default. */
export function aclEntries(
  ctx: { noPrivileges: boolean; dumpSchema: boolean; aclMajor: number },
  target: AclTarget,
  dacl: DumpableAcl,
  tag?: string,
): TocEntry[] {
  if (ctx.noPrivileges) return []
  if (!ctx.dumpSchema && target.type !== 'LARGE OBJECT') return []
  const sql = buildAclCommands(target, dacl, ctx.aclMajor)
  if (sql === '') return []
  return [{
    section: 'NONE',
    tag: tag ?? (target.subname ? `COLUMN ${target.name}.${target.subname}` : `${target.type} ${target.name}`),
    desc: 'ACL',
    namespace: target.schema,
    owner: target.owner,
    defn: sql,
  }]
}
