// How PGKEEP_SIGNING_KEYS_OLD lists its keys, for the manager's options and for the command's list of
// secrets to keep out of messages (which must split them the same way).
/**
 * PGKEEP_SIGNING_KEYS_OLD's keys: one per line when the value has line breaks (so that a key of text
 * may hold spaces and commas), else separated by spaces or commas.
 */
export function splitKeyList(value: string | undefined): string[] {
  if (!value) return []
  const parts = /\n/.test(value) ? value.split(/\r?\n/) : value.split(/[\s,]+/)
  return parts.map((k) => k.trim()).filter(Boolean)
}
