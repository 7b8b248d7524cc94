// For tests that run what `pnpm build` made (the command and the library in their own node processes):
// the builds must exist and be newer than their sources, or the test would measure old code.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGES = fileURLToPath(new URL('../..', import.meta.url))

/** Throws, naming the command to run, when packages/<name>/dist is missing or older than packages/<name>/src. */
export function assertBuilt(...names: string[]): void {
  for (const name of names) {
    const root = join(PACKAGES, name)
    const entry = join(root, 'dist/index.js')
    if (!existsSync(entry)) throw new Error(`packages/${name}/dist is missing: run \`pnpm build\` first`)
    const built = statSync(entry).mtimeMs
    const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    const newest = Math.max(...sources.map((f) => statSync(join(root, 'src', f)).mtimeMs))
    if (newest > built) throw new Error(`packages/${name}/dist is older than its sources: run \`pnpm build\` first`)
  }
}
