#!/usr/bin/env -S node --max-semi-space-size=1 --heap-growing-percent=20
// The node flags (measured in the README, "Memory and speed"): a 1 MB young generation, collected every
// megabyte instead of growing to 32 MB; and the next full collection due once the old generation grew
// 20 % over what the last one left (V8 picks a factor of up to 4 itself), so that buffers which reached
// it while a busy thread pool held them are freed before ~60 MB of them pile up (a backup with jobs 4:
// 104–111 MB instead of 116–150 MB, at the same CPU time; a parallel plain dump spends ~9 % more).
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
