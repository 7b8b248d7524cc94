// Runs the pgkeep command in-process, as the tests use it: arguments, environment, working folder and
// stdin in; exit code, stdout (as text and as bytes) and stderr out.
import { tmpdir } from 'node:os'
import { PassThrough, type Readable } from 'node:stream'
import { runCli } from '../src/index'

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  /** @default the system's temporary folder */
  cwd?: string
  stdin?: Readable
}

export interface RunResult {
  code: number
  stdout: string
  /** stdout as the bytes written (downloads, gzip). */
  out: Buffer
  stderr: string
}

export async function run(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: Buffer[] = []
  const err: Buffer[] = []
  stdout.on('data', (c: Buffer) => out.push(c))
  stderr.on('data', (c: Buffer) => err.push(c))
  const code = await runCli(args, { stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? tmpdir(), ...(options.stdin ? { stdin: options.stdin } : {}) })
  const bytes = Buffer.concat(out)
  return { code, stdout: bytes.toString('utf8'), out: bytes, stderr: Buffer.concat(err).toString('utf8') }
}
