// The node flags the installed `pgkeep` command runs with: the ones its entry point's shebang names
// (packages/cli/src/bin.ts). Tests and the bench that measure "as the command runs" take them from there,
// so that they cannot drift from what users get.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../cli/src/bin.ts', import.meta.url))
const SHEBANG = /^#!\/usr\/bin\/env -S node((?: --[a-z-]+(?:=\S+)?)*)\s*$/

export function commandNodeFlags(): string[] {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0]!
  const match = SHEBANG.exec(first)
  if (!match) throw new Error(`packages/cli/src/bin.ts does not start with "#!/usr/bin/env -S node [flags]": ${first}`)
  return match[1]!.trim().split(/\s+/).filter(Boolean)
}
