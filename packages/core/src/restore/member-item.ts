// A table's data that a parallel restore of a pgkeep backup reads from its own gzip member (by ranged
// reads) in a worker, instead of from the script the leader scans. The leader's script holds a marker
// line where each such member was (`\pgkeepmember <nonce> <index>`, a backslash command, so the splitter
// yields it in script order); withMembers() turns the markers into member items. The nonce is drawn per
// restore: a marker the backup's own bytes hold is not one, and is refused as any other backslash command.
import type { EntryHeader, ScriptItem } from './script-item'

/** One table's data, read by whoever applies it: `open()` gives the member's gzip bytes. */
export interface MemberItem {
  kind: 'member'
  /** The table's data entry, from the manifest (the owner is known only once the member is read). */
  entry: EntryHeader
  /** Line of the marker in the leader's script. */
  line: number
  /** The member, for messages: `table:public.bills (bytes 672-809)`. */
  where: string
  /** Bytes the member inflates to (the manifest's `uncompressed`). */
  uncompressed: number
  open: () => Promise<NodeJS.ReadableStream>
}

/** The members a script's markers stand for, and the nonce its markers carry. */
export interface RangedMembers {
  nonce: string
  members: readonly Omit<MemberItem, 'kind' | 'line'>[]
}

export const MEMBER_COMMAND = 'pgkeepmember'

/** The marker line for member `index` (at the start of a line, outside any statement). */
export function memberMarker(nonce: string, index: number): string {
  return `\\${MEMBER_COMMAND} ${nonce} ${index}\n`
}

/** The items, with each marker of `ranged` replaced by its member item. */
export async function* withMembers(items: AsyncIterable<ScriptItem>, ranged: RangedMembers): AsyncGenerator<ScriptItem | MemberItem> {
  for await (const item of items) {
    if (item.kind === 'meta' && item.command === MEMBER_COMMAND) {
      const [nonce, index] = item.args.split(' ')
      const member = nonce === ranged.nonce && /^\d+$/.test(index ?? '') ? ranged.members[Number(index)] : undefined
      if (member) {
        yield { kind: 'member', line: item.line, ...member }
        continue
      }
    }
    yield item
  }
}
