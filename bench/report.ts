// Summarises repeated measurements (median time, highest peak RSS) and prints them as a Markdown table.
// Units are decimal: 1 MB = 10^6 bytes, so "MB/s" and the 100 MB memory limit mean what they say.
import type { Measurement } from './measure'
import { TOOLS, type ToolId } from './tools'

export interface Summary {
  tool: ToolId
  runs: number
  /** Median wall time. */
  seconds: number
  /** Highest peak RSS over the runs (sum over a pipeline's processes), in bytes. */
  maxRss: number
  cpuSeconds: number
  outputBytes: number
  /** Per process of the pipeline: highest peak RSS, bytes. */
  processes: { name: string; maxRss: number }[]
  /** Uncompressed dump bytes per second (the same tool's plain output size / seconds). */
  bytesPerSecond: number
}

export function summarise(tool: ToolId, runs: Measurement[], plainBytes: number): Summary {
  const seconds = median(runs.map((r) => r.seconds))
  const names = runs[0]!.processes.map((p) => p.name)
  return {
    tool,
    runs: runs.length,
    seconds,
    maxRss: Math.max(...runs.map((r) => r.maxRssKiB)) * 1024,
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    outputBytes: runs[runs.length - 1]!.outputBytes,
    processes: names.map((name, i) => ({ name, maxRss: Math.max(...runs.map((r) => r.processes[i]!.maxRssKiB)) * 1024 })),
    bytesPerSecond: plainBytes / seconds,
  }
}

export function renderTable(summaries: Summary[]): string {
  const byTool = new Map(summaries.map((s) => [s.tool, s]))
  const header = ['command', 'seconds', 'MB/s', 'peak RSS MB', 'CPU s', 'output MB', 'time / pg_dump', 'RSS / pg_dump']
  const rows = summaries.map((s) => {
    const base = TOOLS[s.tool].baseline ? byTool.get(TOOLS[s.tool].baseline!) : undefined
    const rss = s.processes.length > 1 ? `${mb(s.maxRss)} (${s.processes.map((p) => `${p.name} ${mb(p.maxRss)}`).join(' + ')})` : mb(s.maxRss)
    return [
      TOOLS[s.tool].label,
      s.seconds.toFixed(2),
      (s.bytesPerSecond / 1e6).toFixed(1),
      rss,
      s.cpuSeconds.toFixed(2),
      mb(s.outputBytes),
      base ? `${(s.seconds / base.seconds).toFixed(2)}×` : '',
      base ? `${(s.maxRss / base.maxRss).toFixed(2)}×` : '',
    ]
  })
  return markdown(header, rows, [false, true, true, true, true, true, true, true])
}

export function markdown(header: string[], body: string[][], right: boolean[]): string {
  // a | inside a cell would end it
  const rows = body.map((r) => r.map((c) => c.replaceAll('|', '\\|')))
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

export function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
