// `pgkeep --version` answers without loading the library: the built command (one bundle, the library
// in the chunk of its program), run in a process where resolving that chunk fails, prints the version;
// any other command needs the program and then fails with the resolver's error.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { assertBuilt } from '@pgkeep/testkit'
import { PGKEEP_VERSION } from '@pgkeep/core'
import { beforeAll, describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

/** A module-resolution hook that refuses the program's chunk (and with it @pgkeep/core, pg and zod). */
const hooks = `export async function resolve(specifier, context, next) {
  if (/^\\.\\/program-\\w+\\.js$/.test(specifier)) throw new Error('the program is blocked in this test')
  return next(specifier, context)
}`
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)})`
const blocked = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, bin, ...args], { timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )

beforeAll(() => assertBuilt('core', 'cli'))

describe('pgkeep --version', () => {
  it('prints the version without loading @pgkeep/core; any other command loads it', async () => {
    for (const flag of ['--version', '-V']) expect(await blocked([flag])).toEqual({ code: 0, stdout: `${PGKEEP_VERSION}\n`, stderr: '' })
    const help = await blocked(['--help'])
    expect(help.code).not.toBe(0)
    expect(help.stderr).toContain('the program is blocked in this test')
  })
})
