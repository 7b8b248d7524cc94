// The two session settings that change how the rest of a script is read: standard_conforming_strings
// (whether '…' strings take backslash escapes, psqlscan.l's std_strings) and client_encoding (the bytes'
// encoding). psql follows the values the server reports after each statement; the splitter has no server,
// so it reads them off the statements that set them: SET [SESSION] name {=|TO} value, RESET name, RESET ALL
// and SELECT [pg_catalog.]set_config('name', 'value', false). SET LOCAL (undone at commit) is not followed.

export interface SettingChange {
  standardConformingStrings?: boolean
  /** The name as written, e.g. `UTF8`, `latin1`; DEFAULT and RESET give `DEFAULT`. */
  clientEncoding?: string
}

/** What a statement changes, or null. Cheap to call: bails out unless the text starts with SET, RESET or SELECT. */
export function readSettingChange(sql: string): SettingChange | null {
  const text = stripLeadingComments(sql)
  const set = SET.exec(text)
  if (set) return change(set[1]!, unquote(set[2]!))
  const reset = RESET.exec(text)
  if (reset) {
    const name = reset[1]!.toLowerCase()
    if (name === 'all') return { standardConformingStrings: true, clientEncoding: 'DEFAULT' }
    return change(name, 'DEFAULT')
  }
  const config = SET_CONFIG.exec(text)
  if (config && config[3]!.toLowerCase() === 'false') return change(unquote(config[1]!), unquote(config[2]!))
  return null
}

// --- internal ---

const VALUE = String.raw`('(?:[^']|'')*'|[^\s;]+)`
const SET = new RegExp(String.raw`^set\s+(?:session\s+)?(standard_conforming_strings|client_encoding)(?:\s*=\s*|\s+to\s+)${VALUE}\s*;?\s*$`, 'i')
const RESET = /^reset\s+(standard_conforming_strings|client_encoding|all)\s*;?\s*$/i
const SET_CONFIG = new RegExp(String.raw`^select\s+(?:pg_catalog\s*\.\s*)?set_config\s*\(\s*('(?:standard_conforming_strings|client_encoding)')\s*,\s*${VALUE}\s*,\s*(true|false)\s*\)\s*;?\s*$`, 'i')

function change(name: string, value: string): SettingChange | null {
  const key = name.toLowerCase()
  if (key === 'client_encoding') return { clientEncoding: value }
  if (key !== 'standard_conforming_strings') return null
  const v = value.toLowerCase()
  if (v === 'default') return { standardConformingStrings: true }
  if (['on', 'true', 'yes', '1', 't', 'y'].includes(v)) return { standardConformingStrings: true }
  if (['off', 'false', 'no', '0', 'f', 'n'].includes(v)) return { standardConformingStrings: false }
  return null
}

function unquote(value: string): string {
  return value.startsWith("'") && value.endsWith("'") && value.length >= 2 ? value.slice(1, -1).replace(/''/g, "'") : value
}

function stripLeadingComments(sql: string): string {
  let text = sql
  for (;;) {
    const trimmed = text.replace(/^\s+/, '')
    if (trimmed.startsWith('--')) {
      const nl = trimmed.search(/[\r\n]/)
      text = nl < 0 ? '' : trimmed.slice(nl)
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/')
      text = end < 0 ? '' : trimmed.slice(end + 2)
    } else {
      return trimmed
    }
  }
}
