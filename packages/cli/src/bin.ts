#!/usr/bin/env -S node --max-semi-space-size=1
// Entry point of the `pgkeep` command.
import { listenForInterrupts } from './interrupt'
import { runCli } from './program'

const interrupts = listenForInterrupts()
const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: interrupts.signal })
interrupts.dispose()
process.exitCode = code
