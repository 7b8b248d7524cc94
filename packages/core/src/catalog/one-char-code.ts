// How the compact catalog rows (column-row.ts, table-row.ts) pack a one-character code from pg_catalog
// (a relkind, a storage, an identity) into a few bits of a small integer.

/** 0 for '', the character's code for one ASCII character, -1 for anything else (kept as text). */
export function codeOf(text: string): number {
  if (text === '') return 0
  const code = text.charCodeAt(0)
  return text.length === 1 && code < 128 ? code : -1
}
