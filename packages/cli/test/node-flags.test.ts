// The installed command runs node with the flags its memory was measured with: the built bin is started
// as a program (its shebang picks node and the flags, as when a user types `pgkeep`), and a preload
// reports the node flags the process got.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { assertBuilt, commandNodeFlags } from '@pgkeep/testkit'
import { beforeAll, describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const report = `process.on('exit', () => process.stderr.write('execArgv: ' + JSON.stringify(process.execArgv) + '\\n'))`

beforeAll(() => assertBuilt('cli'))

describe('the command\'s node flags', () => {
  it('the built command, started by its shebang, runs with a 1 MB young generation and a 20 % old-generation growth', async () => {
    const { stderr } = await promisify(execFile)(bin, ['--help'], {
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(report)}` },
    })
    const execArgv = JSON.parse(/execArgv: (.*)/.exec(stderr)![1]!) as string[]
    expect(commandNodeFlags()).toEqual(['--max-semi-space-size=1', '--heap-growing-percent=20'])
    expect(execArgv).toEqual(expect.arrayContaining(commandNodeFlags()))
  })
})
