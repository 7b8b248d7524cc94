// Parsers for values the session receives as raw text (the session turns pg's type parsing off so
// every value arrives exactly as the server printed it, as libpq hands it to pg_dump).

export function bool(value: string | null | undefined): boolean {
  return value === 't' || value === 'true'
}

export function int(value: string | null | undefined): number {
  if (value == null || value === '') return 0
  const n = Number(value)
  if (!Number.isFinite(n)) throw new TypeError(`not a number: ${value}`)
  return n
}

export function bigint(value: string | null | undefined): bigint {
  return value == null || value === '' ? 0n : BigInt(value)
}

/** `{1,2,3}` or an int2vector/oidvector `1 2 3` into numbers. */
export function intList(value: string | null | undefined): number[] {
  if (value == null || value === '' || value === '{}') return []
  const body = value.startsWith('{') ? value.slice(1, -1) : value
  return body.split(/[\s,]+/).filter(Boolean).map(Number)
}

/**
 * Parses a one-dimensional PostgreSQL array literal of text into its elements, honouring double
 * quotes and backslash escapes (the inverse of array_out). NULL elements become null.
 */
export function textArray(value: string | null | undefined): (string | null)[] {
  if (value == null || value === '') return []
  if (!value.startsWith('{') || !value.endsWith('}')) throw new TypeError(`not an array literal: ${value}`)
  const out: (string | null)[] = []
  let i = 1
  const end = value.length - 1
  if (i === end) return out
  while (i <= end) {
    let item = ''
    let quoted = false
    if (value[i] === '"') {
      quoted = true
      i++
      while (i < end && value[i] !== '"') {
        if (value[i] === '\\') i++
        item += value[i]
        i++
      }
      i++ // closing quote
    } else {
      while (i < end && value[i] !== ',') {
        if (value[i] === '\\') i++
        item += value[i]
        i++
      }
    }
    out.push(!quoted && item === 'NULL' ? null : item)
    i++ // the comma (or the closing brace)
  }
  return out
}

/** Like textArray, for arrays known to hold no NULLs. */
export function strings(value: string | null | undefined): string[] {
  return textArray(value).map((v) => v ?? '')
}

/** A catalog row's identity, from its `tableoid` and `oid` columns. */
export function catIdOf(row: { tableoid?: string | null; oid?: string | null }): { tableoid: number; oid: number } {
  return { tableoid: Number(row.tableoid), oid: Number(row.oid) }
}
