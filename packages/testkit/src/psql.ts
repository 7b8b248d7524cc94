// The local PostgreSQL client programs as test helpers: restore a script with psql, run psql or pg_dump,
// and tell whether psql is there and which major the local pg_dump is (it refuses servers newer than itself).
import type { Readable } from 'node:stream'
import { runTool, toolVersion } from './run-tool'

export type PsqlInput = string | Buffer | Readable | { file: string }

/** Whether `psql` is on PATH. */
export async function hasPsql(): Promise<boolean> {
  return (psqlVersion ??= toolVersion('psql')).then((v) => v !== undefined)
}

/** The major version of the local `pg_dump` (e.g. 15), or undefined when there is none. */
export async function localPgDumpMajor(): Promise<number | undefined> {
  const version = await (pgDumpVersion ??= toolVersion('pg_dump'))
  const match = version?.match(/\)\s+(\d+)/)
  return match ? Number(match[1]) : undefined
}

/**
 * Restores a plain SQL script with `psql -X -q -v ON_ERROR_STOP=1`; input goes through stdin or `-f file`.
 * Rejects with psql's first ERROR line.
 */
export async function restoreWithPsql(url: string, input: PsqlInput): Promise<void> {
  const fromFile = typeof input === 'object' && !Buffer.isBuffer(input) && 'file' in input
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', fromFile ? input.file : '-']
  const result = await runTool('psql', args, fromFile ? undefined : input)
  if (result.code === 0) return
  const first = firstErrorLine(result.stderr) ?? (result.stderr.trim() || `exit code ${result.code}`)
  throw new Error(`unable to restore into ${describe(url)} with psql: ${first}`)
}

/** Runs `psql -X -d URL ...args` and returns its stdout; rejects with its first ERROR line on failure. */
export async function runPsql(url: string, args: string[], input?: string | Buffer | Readable): Promise<string> {
  const result = await runTool('psql', ['-X', '-d', url, ...args], input)
  if (result.code === 0) return result.stdout
  const first = firstErrorLine(result.stderr) ?? (result.stderr.trim() || `exit code ${result.code}`)
  throw new Error(`unable to run psql on ${describe(url)}: ${first}`)
}

/** Runs `pg_dump ...args -d URL` and returns the dump it writes to stdout; rejects with pg_dump's first message. */
export async function runPgDump(url: string, args: string[] = []): Promise<string> {
  const result = await runTool('pg_dump', [...args, '-d', url])
  if (result.code === 0) return result.stdout
  const first = result.stderr.split('\n').find((l) => l.trim() !== '')?.trim() ?? `exit code ${result.code}`
  throw new Error(`unable to dump ${describe(url)} with pg_dump: ${first}`)
}

// --- internal ---

let psqlVersion: Promise<string | undefined> | undefined
let pgDumpVersion: Promise<string | undefined> | undefined

function firstErrorLine(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => /\b(ERROR|FATAL|PANIC):/.test(l))?.trim()
}

/** The database part of a URL, for messages (no credentials). */
function describe(url: string): string {
  try {
    const u = new URL(url)
    return `database "${decodeURIComponent(u.pathname.slice(1))}" at ${u.host || 'local socket'}`
  } catch {
    return 'the database'
  }
}
