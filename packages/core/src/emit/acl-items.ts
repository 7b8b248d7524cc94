// Parsing of aclitem text (`grantee=privs/grantor`) into GRANT keyword lists, as dumputils.c's
// parseAclItem: privilege letters become keywords, `*` marks WITH GRANT OPTION, and a full set
// becomes ALL.

export interface ParsedAclItem {
  /** Empty string means PUBLIC. */
  grantee: string
  grantor: string
  /** Privileges without grant option, comma-separated, or ''. */
  privs: string
  /** Privileges with grant option, or ''. */
  privsWithGrant: string
}

/** Privilege letters and keywords per GRANT object type, in pg_dump's order. */
function privilegeTable(type: string, hasSubname: boolean, serverMajor: number): [string, string][] | null {
  switch (type) {
    case 'TABLE': case 'TABLES': {
      const list: [string, string][] = [['r', 'SELECT'], ['a', 'INSERT'], ['x', 'REFERENCES']]
      if (!hasSubname) {
        list.push(['d', 'DELETE'], ['t', 'TRIGGER'], ['D', 'TRUNCATE'])
        if (serverMajor >= 17) list.push(['m', 'MAINTAIN'])
      }
      list.push(['w', 'UPDATE'])
      return list
    }
    case 'SEQUENCE': case 'SEQUENCES':
      return [['r', 'SELECT'], ['U', 'USAGE'], ['w', 'UPDATE']]
    case 'FUNCTION': case 'FUNCTIONS': case 'PROCEDURE': case 'PROCEDURES':
      return [['X', 'EXECUTE']]
    case 'LANGUAGE': case 'TYPE': case 'TYPES': case 'FOREIGN DATA WRAPPER': case 'FOREIGN SERVER':
      return [['U', 'USAGE']]
    case 'SCHEMA': case 'SCHEMAS':
      return [['C', 'CREATE'], ['U', 'USAGE']]
    case 'DATABASE':
      return [['C', 'CREATE'], ['c', 'CONNECT'], ['T', 'TEMPORARY']]
    case 'TABLESPACE':
      return [['C', 'CREATE']]
    case 'FOREIGN TABLE':
      return [['r', 'SELECT']]
    case 'LARGE OBJECT': case 'LARGE OBJECTS':
      return [['r', 'SELECT'], ['w', 'UPDATE']]
    default:
      return null
  }
}

export function parseAclItem(item: string, type: string, subname: string | null, serverMajor: number, keepGrantOption = true): ParsedAclItem | null {
  const [grantee, afterGrantee] = dequoteRole(item, 0)
  if (item[afterGrantee] !== '=') return null
  const slash = item.indexOf('/', afterGrantee + 1)
  if (slash < 0) return null
  const codes = item.slice(afterGrantee + 1, slash)
  const [grantor, end] = dequoteRole(item, slash + 1)
  if (end !== item.length) return null
  const table = privilegeTable(type, subname !== null, serverMajor)
  if (!table) return null
  const privs: string[] = []
  const withGrant: string[] = []
  let allWithGrant = true
  let allWithoutGrant = true
  const withSub = (kw: string) => (subname ? `${kw}(${subname})` : kw)
  for (const [code, keyword] of table) {
    const at = codes.indexOf(code)
    if (at < 0) {
      allWithGrant = allWithoutGrant = false
      continue
    }
    if (codes[at + 1] === '*' && keepGrantOption) {
      withGrant.push(withSub(keyword))
      allWithoutGrant = false
    } else {
      privs.push(withSub(keyword))
      allWithGrant = false
    }
  }
  let p = privs.join(',')
  let g = withGrant.join(',')
  if (allWithGrant) {
    p = ''
    g = withSub('ALL')
  } else if (allWithoutGrant) {
    g = ''
    p = withSub('ALL')
  }
  return { grantee, grantor, privs: p, privsWithGrant: g }
}

/** Reads a role name as aclitem prints it (double-quoted when it has special characters). */
function dequoteRole(text: string, start: number): [string, number] {
  let out = ''
  let i = start
  while (i < text.length && text[i] !== '=') {
    if (text[i] !== '"') {
      out += text[i]
      i++
      continue
    }
    i++
    while (i < text.length && !(text[i] === '"' && text[i + 1] !== '"')) {
      if (text[i] === '"' && text[i + 1] === '"') i++
      out += text[i]
      i++
    }
    i++
  }
  return [out, i]
}

/** Quotes a role name the way aclitem output does (putid): only letters, digits and _ go bare. */
export function quoteAclRole(role: string): string {
  if (/^[A-Za-z0-9_]*$/.test(role)) return role
  return `"${role.replaceAll('"', '""')}"`
}
