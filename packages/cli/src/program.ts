// The `pgkeep` command line: commander program with exit codes 0 (done), 1 (failed), 2 (usage).
import { Command, CommanderError } from 'commander'
import { PGKEEP_VERSION } from '@pgkeep/core/version'
import { splitKeyList } from '@pgkeep/core/engine'
import { backupCommand } from './commands/backup'
import { cleanupCommand, downloadCommand, listCommand, replicateCommand } from './commands/backups'
import { restoreCommand, verifyCommand } from './commands/restore'
import { dumpCommand, UsageError } from './commands/dump'
import { keygenCommand } from './commands/keygen'
import { diffCommand } from './commands/diff'
import { ExitStatus } from './exit-status'
import { INTERRUPTED, interruptOf } from './interrupt'
import { scheduleCommand } from './commands/schedule'
import { archiveCommand } from './commands/archive'
import { formatError, formatErrorJson } from './report-error'
import { outputReaderGone, READER_GONE, watchReader, type ReaderWatch } from './closed-reader'

export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
  /** Where relative paths and the default backup folder start. @default process.cwd() */
  cwd?: string
  /** What `pgkeep restore -` reads. @default process.stdin */
  stdin?: NodeJS.ReadableStream
  /** Aborted by SIGINT/SIGTERM (see interrupt.ts): the running command stops and the exit status is 130. */
  signal?: AbortSignal
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = new Command('pgkeep')
    .description('PostgreSQL dumps and backups without the pg_dump binary')
    .version(PGKEEP_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)')
  program.addCommand(dumpCommand(io).copyInheritedSettings(program))
  const withCwd = { ...io, cwd: io.cwd ?? process.cwd(), stdin: io.stdin ?? process.stdin }
  program.addCommand(backupCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(listCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(downloadCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(cleanupCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(replicateCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(restoreCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(verifyCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(keygenCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(diffCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(scheduleCommand(withCwd).copyInheritedSettings(program))
  program.addCommand(archiveCommand(withCwd).copyInheritedSettings(program))
  // `pgkeep dump | head`: once head has closed the pipe, the command ends quietly with 141, as pg_dump would
  const reader = watchReader(io.stdout)
  try {
    const code = await runProgram(program, argv, io, reader)
    // `pgkeep list | head`: the reader may close the pipe after the command's last write was handed over,
    // so wait for stdout to take every write (or fail) before telling the status, with the listener still on
    await reader.settled()
    return reader.gone ? READER_GONE : code
  } finally {
    reader.dispose()
  }
}

async function runProgram(program: Command, argv: string[], io: CliIo, reader: ReaderWatch): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (reader.gone || outputReaderGone(error)) return READER_GONE
    if (error instanceof ExitStatus) return error.code
    if (error instanceof CommanderError) {
      // Help and version requests exit 0; commander has already printed usage errors.
      return error.exitCode === 0 ? 0 : 2
    }
    if (error instanceof UsageError) {
      io.stderr.write(`pgkeep: error: ${error.message}\n`)
      return 2
    }
    const interrupted = interruptOf(io.signal)
    if (interrupted) {
      io.stderr.write(`pgkeep: interrupted by ${interrupted}; nothing half written was kept\n`)
      return INTERRUPTED
    }
    const secrets = secretsOf(argv, io.env)
    io.stderr.write(argv.includes('--json') ? formatErrorJson(error, secrets) : formatError(error, secrets))
    return 1
  }
}

/** Passwords the user handed us, to scrub from any message. */
function secretsOf(argv: string[], env: NodeJS.ProcessEnv): string[] {
  const secrets = [env.PGPASSWORD, env.PGKEEP_ENCRYPTION_PASSPHRASE, env.PGKEEP_DECRYPTION_PASSPHRASE, env.PGKEEP_S3_SECRET_KEY, env.PGKEEP_SIGNING_KEY, ...splitKeyList(env.PGKEEP_SIGNING_KEYS_OLD)].filter((s): s is string => !!s)
  // connection strings may come from the environment as well as from the command line
  for (const arg of [...argv, env.PGKEEP_DATABASE_URL ?? '', env.DATABASE_URL ?? '']) {
    const uri = /^postgres(?:ql)?:\/\/[^:/@]*:([^@/]*)@/.exec(arg)
    if (uri?.[1]) secrets.push(decodeURIComponentSafe(uri[1]))
    const kv = /(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/.exec(arg)
    if (kv?.[1]) secrets.push(kv[1].replace(/^'|'$/g, '').replace(/\\(.)/g, '$1'))
  }
  return secrets
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
