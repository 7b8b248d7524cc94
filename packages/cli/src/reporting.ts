// How a command reports progress on stderr, from its flags and where stderr goes: the redrawn bar on a
// terminal, plain lines every 10 s elsewhere (so short runs in cron print nothing), nothing with --quiet.
// --verbose keeps its own step-by-step lines and takes the place of the bar.
import { createProgress, type Progress } from './progress'

export interface ReportingFlags {
  quiet?: boolean
  verbose?: boolean
}

export function progressFor(stderr: NodeJS.WritableStream, flags: ReportingFlags): Progress {
  const stream = stderr as NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  if (flags.quiet || flags.verbose) return createProgress(stream, { quiet: true })
  return createProgress({ write: (c: string) => stream.write(c), isTTY: stream.isTTY === true, ...(stream.columns ? { columns: stream.columns } : {}) }, { lineMs: 10_000, firstLineAfterMs: 10_000, stepLines: false })
}
