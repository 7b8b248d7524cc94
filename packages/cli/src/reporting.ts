// How a command reports progress on stderr, from its flags and where stderr goes: the redrawn bar on a
// terminal, plain lines every 10 s elsewhere (so short runs in cron print nothing), nothing with --quiet.
// --verbose keeps its own step-by-step lines and takes the place of the bar.
import { createProgress, type Progress, type ProgressStream } from './progress'

export interface ReportingFlags {
  quiet?: boolean
  verbose?: boolean
}

export function progressFor(stderr: NodeJS.WritableStream, flags: ReportingFlags): Progress {
  // a terminal's stderr (tty.WriteStream) has isTTY and a live columns, read at each redraw
  const stream = stderr as NodeJS.WritableStream & ProgressStream
  return createProgress(stream, flags.quiet || flags.verbose ? { quiet: true } : { lineMs: 10_000, firstLineAfterMs: 10_000, stepLines: false })
}
