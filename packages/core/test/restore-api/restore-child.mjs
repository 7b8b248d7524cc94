// Runs restore() of the built library in a node process of its own and prints, as one JSON line, how it
// ended and the process's peak resident memory (getrusage's maxRSS, which counts from the process's start):
// for memory-bound.test.ts. Arguments: the source file and the options as JSON.
import { restore } from '../../dist/index.js'

const [source, options] = [process.argv[2], JSON.parse(process.argv[3] ?? '{}')]
let outcome
try {
  const summary = await restore(source, options)
  outcome = { ok: true, statements: summary.statements }
} catch (error) {
  outcome = { ok: false, code: error.code, message: error.message, hint: error.hint }
}
outcome.peakRss = process.resourceUsage().maxRSS * 1024
process.stdout.write(`${JSON.stringify(outcome)}\n`)
