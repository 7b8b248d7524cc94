// For tests that run a program in its own process (the built command, the example script): start it
// with a small environment, collect its output, wait for a condition, and list the files it left.
import { spawn, type ChildProcess } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

export interface ProcessResult {
  code: number
  stdout: string
  stderr: string
}

export interface Started {
  process: ChildProcess
  done: Promise<ProcessResult>
  /** What it printed on stdout so far. */
  stdout(): string
}

/** Starts `file` with PATH and HOME of this process plus `env`; a signal death counts as exit 128. */
export function start(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(file, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout!.on('data', (c: Buffer) => out.push(c))
  child.stderr!.on('data', (c: Buffer) => err.push(c))
  const done = new Promise<ProcessResult>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }))
  })
  return { process: child, done, stdout: () => Buffer.concat(out).toString('utf8') }
}

export function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  return start(file, args, env).done
}

/** The files under `dir`, as paths relative to it. */
export async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
}

/** Whether a backup's dump is being written under `dir` (its temporary file exists). */
export async function writingDump(dir: string): Promise<boolean> {
  return (await files(dir)).some((f) => /\.sql\.gz\.[^/]*partial$/.test(f))
}

/** Polls `check` every 10 ms until it holds; throws after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition')
    await new Promise((r) => setTimeout(r, 10))
  }
}
