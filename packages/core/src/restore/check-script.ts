// The scan pass of strict restore when the restore is not one transaction: reads the whole script and
// refuses it (SCRIPT_REFUSED, or SCRIPT_INVALID for a psql command) before anything is applied, since
// statements already committed could not be taken back.
import { refuseMeta } from './apply-script'
import { splitScript, type SplitScriptOptions } from './split-script'
import type { StatementPolicy } from './statement-policy'

export async function checkScript(input: AsyncIterable<Buffer>, policy: StatementPolicy, options: SplitScriptOptions = {}): Promise<void> {
  for await (const item of splitScript(input, options)) {
    if (item.kind === 'meta') {
      refuseMeta(item)
      continue
    }
    policy.check(item)
    if (item.kind === 'copy') for await (const _ of item.data) { /* the rows are not checked: COPY text is data */ }
  }
  policy.finish()
}
