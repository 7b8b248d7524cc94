// The command does not load node's fetch implementation (undici) at start-up: pg's check for Cloudflare
// Workers would load it through a fetch Response where `navigator` is missing (Node 20), for nothing.
// The built command runs with a preload that reports, at exit, which of node's own modules were loaded.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { assertBuilt } from '@pgkeep/testkit'
import { beforeAll, describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const probe = `process.on('exit', () => process.stderr.write('loaded: ' + JSON.stringify(process.moduleLoadList.filter((m) => m.includes('undici'))) + '\\n'))`

async function loadedBy(args: string[]): Promise<{ undici: string[]; navigator: string }> {
  const show = `process.on('exit', () => process.stderr.write('navigator: ' + JSON.stringify(globalThis.navigator?.userAgent ?? null) + '\\n'))`
  const preload = (code: string) => ['--import', `data:text/javascript,${encodeURIComponent(code)}`]
  const { stderr } = await promisify(execFile)(process.execPath, [...preload(probe), ...preload(show), bin, ...args], { timeout: 60_000 })
  return {
    undici: JSON.parse(/loaded: (.*)/.exec(stderr)![1]!) as string[],
    navigator: JSON.parse(/navigator: (.*)/.exec(stderr)![1]!) as string,
  }
}

beforeAll(() => assertBuilt('core', 'cli'))

describe('start-up of the command', () => {
  it('loads the library without loading fetch (undici), and its navigator is what Node 21+ would give', async () => {
    // --help loads the whole program: @pgkeep/core, pg and the commands
    const loaded = await loadedBy(['--help'])
    expect(loaded.undici).toEqual([])
    expect(loaded.navigator).toMatch(/^Node\.js\/\d+$/)
  })

  it('fetch still works on demand', async () => {
    const script = `import(${JSON.stringify(bin)}).then(() => setTimeout(() => { const r = new Response('ok'); r.text().then((t) => process.stderr.write('fetch: ' + t + '\\n')) }, 0))`
    const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, '--', '--help'], { timeout: 60_000 }).catch((e: { stderr: string }) => ({ stderr: e.stderr }))
    expect(stderr).toContain('fetch: ok')
  })
})
