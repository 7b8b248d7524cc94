// A global setup that cannot start its servers must fail the run, never end it as a quiet success.
// (The s3rver child is unref'd once ready: stopping it on that failure path used to leave nothing
// holding node's event loop, so the run ended with status 0 and no test.) Runs Vitest as a user does.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))

describe('the global setup', () => {
  it('fails the run with exit status 1 and the reason when the test server cannot be reached', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TEST_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2', PGKEEP_TEST_MAJORS: 'none' }
    delete env.CI
    const child = spawn(`${root}/node_modules/.bin/vitest`, ['run', '--config', 'vitest.workspace.ts', 'packages/core/test/unit/options.test.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')))
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    expect(output).toContain('unable to connect to TEST_DATABASE_URL')
    expect(code).toBe(1)
  }, 120_000)
})
