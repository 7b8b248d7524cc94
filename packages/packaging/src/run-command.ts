// Runs a command to its end and collects its output, in the environment a user's shell would give it:
// the variables a package manager sets for its scripts (npm_*, pnpm's) are left out, so that npm and
// npx in the scratch project behave as when a user types them, not as children of `pnpm test`.
import { spawn } from 'node:child_process'

export interface CommandResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  cwd: string
  env?: NodeJS.ProcessEnv
}

/** The current environment without package-manager script variables. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_)/i.test(key)) env[key] = value
  }
  return { ...env, ...extra }
}

export function runCommand(command: string, args: string[], options: RunOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', (err) => reject(new Error(`unable to run ${command}`, { cause: err })))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Like runCommand, but a non-zero exit is an error that carries the command's output. */
export async function runChecked(command: string, args: string[], options: RunOptions): Promise<CommandResult> {
  const result = await runCommand(command, args, options)
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd}) exited with ${result.code}\n${result.stdout}\n${result.stderr}`)
  }
  return result
}
