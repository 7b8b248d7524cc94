#!/usr/bin/env -S node --max-semi-space-size=1
// Entry point of the `pgkeep` command. `pgkeep --version` answers from the version module alone; every
// other command loads the program (and with it @pgkeep/core, pg and zod: ~30 MB and ~0.2 s of CPU).
import { PGKEEP_VERSION } from '@pgkeep/core/version'
import { listenForInterrupts } from './interrupt'
import { provideNavigator } from './node-navigator'

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${PGKEEP_VERSION}\n`)
} else {
  provideNavigator()
  const interrupts = listenForInterrupts()
  const { runCli } = await import('./program')
  const code = await runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: interrupts.signal })
  interrupts.dispose()
  process.exitCode = code
}
