// The shared folder is the sibling named `shared` of the repository root, and pagila is found in it.
import { existsSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { findSharedDir, pagilaFixture } from '../src/index'
import { noPagila } from '../src/skip-reasons'

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) dir = dirname(dir)
  return dir
}

describe('findSharedDir', () => {
  it('is the sibling of the repository root named shared, when it exists', () => {
    const expected = join(dirname(repoRoot()), 'shared')
    expect(findSharedDir()).toBe(existsSync(expected) ? expected : undefined)
  })

  it('finds the pagila scripts in it', (ctx) => {
    const missing = noPagila()
    ctx.skip(missing !== undefined, missing)
    const pagila = pagilaFixture()!
    expect(basename(pagila.schema)).toBe('pagila-schema.sql')
    expect(basename(pagila.data)).toBe('pagila-data.sql')
    expect(existsSync(pagila.schema) && existsSync(pagila.data)).toBe(true)
  })
})
