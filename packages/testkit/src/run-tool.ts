// Runs a local client program (psql, pg_dump) to completion: input streamed to its stdin, output collected.
// Never passes data on the command line, so inputs of any size work.
import { spawn } from 'node:child_process'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface ToolResult {
  code: number
  stdout: string
  stderr: string
}

export function runTool(file: string, args: string[], input?: string | Buffer | Readable): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout?.on('data', (c: Buffer) => stdout.push(c))
    child.stderr?.on('data', (c: Buffer) => stderr.push(c))
    child.once('error', (err) => reject(new Error(`unable to run ${file}`, { cause: err })))
    if (input !== undefined && child.stdin) {
      const source = input instanceof Readable ? input : Readable.from([typeof input === 'string' ? Buffer.from(input) : input])
      // the tool may stop reading early (psql with ON_ERROR_STOP): its exit status tells what happened
      pipeline(source, child.stdin).catch(() => {})
    }
    child.once('close', (code, signal) => {
      resolve({
        code: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      })
    })
  })
}

/** Whether a program answers `--version`; undefined output when it is missing. */
export async function toolVersion(file: string): Promise<string | undefined> {
  try {
    const result = await runTool(file, ['--version'])
    return result.code === 0 ? result.stdout.trim() : undefined
  } catch {
    return undefined
  }
}
