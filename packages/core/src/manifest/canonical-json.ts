// A canonical serialisation of JSON values, for signing: object keys sorted by code unit, no
// whitespace, properties whose value is undefined left out (as JSON.stringify leaves them out), so
// that an object and the same object read back from its JSON text serialise to the same bytes.

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value)
    if (text === undefined) throw new TypeError(`cannot serialise a value of type ${typeof value}`)
    return text
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`
}
