// Progress on stderr: a redrawn bar when stderr is a terminal (percent from the catalog's size
// estimates, bytes, rate, time left, the current table), plain lines every few seconds when it is not
// (logs, cron mail), nothing with --quiet. Pure output logic: the commands feed it updates.

export interface ProgressStream {
  write(chunk: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface ProgressUpdate {
  /** Bytes done so far (uncompressed data copied, or script bytes read). */
  done: number
  /** The estimate of the total, when one is known (0 or undefined: no percent). */
  total?: number
  /** What is being worked on now: a table, an entry. */
  item?: string
}

export interface Progress {
  update(update: ProgressUpdate): void
  /** A step without byte counts ("reading the catalog"): a line in line mode, the bar's label otherwise. */
  step(text: string): void
  /** Clears the bar; `line` (a summary) is printed in every mode but quiet. */
  end(line?: string): void
}

export interface ProgressOptions {
  quiet?: boolean
  /** The command's name, starting each line. @default 'pgkeep' */
  name?: string
  now?: () => number
  /** Least time between two redraws of the bar. @default 100 */
  redrawMs?: number
  /** Least time between two plain lines. @default 5000 */
  lineMs?: number
  /** No plain line before this much time has passed (short runs print none). @default 0 */
  firstLineAfterMs?: number
  /** Plain lines for step(): false keeps steps as labels only. @default true */
  stepLines?: boolean
}

export function createProgress(stream: ProgressStream, o: ProgressOptions = {}): Progress {
  const name = o.name ?? 'pgkeep'
  if (o.quiet) return { update() {}, step() {}, end() {} }
  const now = o.now ?? (() => performance.now())
  const tty = stream.isTTY === true
  const started = now()
  let last: ProgressUpdate = { done: 0 }
  let label = ''
  let shownAt = tty ? -Infinity : started + (o.firstLineAfterMs ?? 0) - (o.lineMs ?? 5000)
  let drawn = false

  const describe = (u: ProgressUpdate): string => {
    const elapsed = (now() - started) / 1000
    const rate = elapsed > 0.2 ? u.done / elapsed : 0
    const parts: string[] = []
    const total = u.total && u.total > 0 ? u.total : undefined
    if (total) parts.push(`${String(percent(u.done, total)).padStart(3)}%`)
    parts.push(total ? `${formatBytes(u.done)} / ${formatBytes(total)}` : formatBytes(u.done))
    if (rate > 0) parts.push(`${formatBytes(rate)}/s`)
    if (total && rate > 0 && u.done < total) parts.push(`ETA ${formatDuration((total - u.done) / rate)}`)
    const item = u.item ?? label
    if (item) parts.push(item)
    return parts.join('  ')
  }
  const draw = () => {
    // a terminal that does not know its size (a pty with no window: 0 columns) counts as 80 wide
    const width = Math.max(20, (stream.columns && stream.columns > 0 ? stream.columns : 80) - 1)
    const total = last.total && last.total > 0 ? last.total : undefined
    const barWidth = Math.min(24, Math.max(8, Math.floor(width / 5)))
    const filled = total ? Math.round((percent(last.done, total) / 100) * barWidth) : 0
    const bar = total ? `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ` : ''
    stream.write(`\r\x1b[K${clip(`${name} ${bar}${describe(last)}`, width)}`)
    drawn = true
  }
  const show = (force: boolean) => {
    const t = now()
    if (!force && t - shownAt < (tty ? (o.redrawMs ?? 100) : (o.lineMs ?? 5000))) return
    shownAt = t
    if (tty) draw()
    else stream.write(`${name}: ${describe(last)}\n`)
  }
  return {
    update(u) {
      const changedItem = u.item !== undefined && u.item !== last.item
      last = u
      show(tty && changedItem)
    },
    step(text) {
      label = text
      if (tty) show(true)
      else if (o.stepLines !== false) stream.write(`${name}: ${text}\n`)
    },
    end(line) {
      if (tty && drawn) stream.write('\r\x1b[K')
      if (line) stream.write(`${name}: ${line}\n`)
    },
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = n / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

// --- internal ---

/** Never 100 before the end: estimates are estimates. */
function percent(done: number, total: number): number {
  return Math.min(99, Math.floor((done / total) * 100))
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`
}
