// Runs one dump command under GNU time (`/usr/bin/time -v`) and reads back its wall time and peak resident
// memory. Each process of a pipeline gets its own `time`, so `pg_dump | gzip` reports both processes; the
// pipeline's memory is their sum (they run at the same time).
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface ProcessUsage {
  name: string
  /** "Maximum resident set size (kbytes)": GNU time's kbytes are KiB. */
  maxRssKiB: number
  cpuSeconds: number
}

export interface Measurement {
  seconds: number
  /** Sum of the peak RSS of the pipeline's processes. */
  maxRssKiB: number
  cpuSeconds: number
  processes: ProcessUsage[]
  outputBytes: number
}

export interface DumpCommand {
  /** bash text; `$T0`, `$T1`… are the time output files, `$OUT` the dump file (for a backup: its JSON record); other variables come from `env`. */
  script: string
  /** Process names, in the order of `$T0`, `$T1`…. */
  processes: string[]
  env: Record<string, string>
}

export const TIME = '/usr/bin/time'

/**
 * Runs `command` and measures it. `outputSize` reads what it produced from `$OUT` before that is removed:
 * by default the file's size; `pnpm bench --backup-memory` reads the stored size from the record there.
 */
export async function measure(
  command: DumpCommand,
  workDir: string,
  output: string,
  outputSize: (file: string) => number = (file) => statSync(file).size,
): Promise<Measurement> {
  const timeFiles = command.processes.map((_, i) => join(workDir, `time-${i}.txt`))
  const env: NodeJS.ProcessEnv = { ...process.env, ...command.env, OUT: output }
  timeFiles.forEach((file, i) => (env[`T${i}`] = file))
  rmSync(output, { force: true })

  const started = process.hrtime.bigint()
  const { code, stderr } = await run(command.script, env)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (code !== 0) {
    const tail = stderr.trim().split('\n').slice(-8).join('\n')
    throw new Error(`the command failed with exit code ${code}: ${command.script}\n${tail}`)
  }
  const processes = command.processes.map((name, i) => ({ name, ...readTimeFile(timeFiles[i]!) }))
  const outputBytes = outputSize(output)
  rmSync(output, { force: true })
  return {
    seconds,
    maxRssKiB: processes.reduce((n, p) => n + p.maxRssKiB, 0),
    cpuSeconds: processes.reduce((n, p) => n + p.cpuSeconds, 0),
    processes,
    outputBytes,
  }
}

// --- internal ---

function run(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-20_000)
    })
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stderr }))
  })
}

function readTimeFile(file: string): { maxRssKiB: number; cpuSeconds: number } {
  const text = readFileSync(file, 'utf8')
  const field = (label: string) => {
    const match = new RegExp(`^\\s*${label.replace(/[()]/g, '\\$&')}:\\s*([\\d.]+)`, 'm').exec(text)
    if (!match) throw new Error(`unable to read "${label}" from ${TIME} -v output:\n${text}`)
    return Number(match[1])
  }
  return {
    maxRssKiB: field('Maximum resident set size (kbytes)'),
    cpuSeconds: field('User time (seconds)') + field('System time (seconds)'),
  }
}
