// Programmatic entry to the command line (for tests and wrappers).
export { runCli, type CliIo } from './program'
