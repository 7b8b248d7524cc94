// Integer connection options read the way libpq's parse_int_param does: optional surrounding
// whitespace and sign, decimal digits, within 32 bits. Invariant: anything else is undefined.

export function parseIntParam(value: string): number | undefined {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) return undefined
  const n = Number.parseInt(value.trim(), 10)
  return n >= -2147483648 && n <= 2147483647 ? n : undefined
}
