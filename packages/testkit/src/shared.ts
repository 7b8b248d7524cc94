// Finds the `shared` folder that sits beside the repository (the folder holding pnpm-workspace.yaml),
// and the fixtures in it. Tests that need it skip when it is absent.
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** `<repo>/../shared`, when it exists. */
export function findSharedDir(): string | undefined {
  const root = findRepoRoot(dirname(fileURLToPath(import.meta.url))) ?? findRepoRoot(process.cwd())
  if (!root) return undefined
  const shared = join(dirname(root), 'shared')
  return isDir(shared) ? shared : undefined
}

/** Absolute paths of the pagila schema and data scripts, when both are present. */
export function pagilaFixture(): { schema: string; data: string } | undefined {
  const shared = findSharedDir()
  if (!shared) return undefined
  const dir = join(shared, 'fixtures', 'pagila')
  const schema = join(dir, 'pagila-schema.sql')
  const data = join(dir, 'pagila-data.sql')
  return existsSync(schema) && existsSync(data) ? { schema, data } : undefined
}

// --- internal ---

function findRepoRoot(start: string): string | undefined {
  let dir = start
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
