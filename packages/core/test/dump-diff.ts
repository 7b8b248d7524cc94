// Comparing two plain-format dumps line by line: the lines that legitimately differ between pg_dump and
// pgkeep (the random \restrict key and the producer line) are dropped, then a line diff lists what is
// left as `-` (only in pg_dump's output) and `+` (only in pgkeep's), with line numbers of pg_dump's side.

/** Lines that differ on every run or by producer: `\restrict KEY`, `\unrestrict KEY`, `-- Dumped by …`. */
const VARIABLE_LINE = /^(\\restrict [A-Za-z0-9]+|\\unrestrict [A-Za-z0-9]+|-- Dumped by .*)$/

/** The dump's lines without the three that are expected to differ. */
export function comparableLines(script: string): string[] {
  return script.split('\n').filter((line) => !VARIABLE_LINE.test(line))
}

export interface LineDiff {
  /** `-` only in the expected dump, `+` only in the actual one. */
  sign: '-' | '+'
  /** 1-based line number in the expected (sign `-`) or actual (sign `+`) comparable lines. */
  line: number
  text: string
}

/**
 * The lines that differ between `expected` and `actual`, in order. Uses Myers' diff on what remains after
 * the common head and tail; past `maxEdits` edits it falls back to the lines whose counts differ (a
 * multiset difference), which is enough to tell what is missing or extra.
 */
export function diffLines(expected: readonly string[], actual: readonly string[], maxEdits = 4000): LineDiff[] {
  let head = 0
  while (head < expected.length && head < actual.length && expected[head] === actual[head]) head++
  let tail = 0
  while (
    tail < expected.length - head && tail < actual.length - head &&
    expected[expected.length - 1 - tail] === actual[actual.length - 1 - tail]
  ) tail++
  const a = expected.slice(head, expected.length - tail)
  const b = actual.slice(head, actual.length - tail)
  if (a.length === 0 && b.length === 0) return []
  const edits = myers(a, b, maxEdits) ?? countDifference(a, b)
  return edits.map((e) => ({ ...e, line: e.line + head }))
}

/** A diff as text, at most `limit` lines of at most `width` characters, for assertion messages and reports. */
export function formatDiff(diff: readonly LineDiff[], limit = 60, width = 160): string {
  const cut = (text: string) => (text.length > width ? `${text.slice(0, width)}… (${text.length} chars)` : text)
  const shown = diff.slice(0, limit).map((d) => `${d.sign}${String(d.line).padStart(6)} | ${cut(d.text)}`)
  if (diff.length > limit) shown.push(`… and ${diff.length - limit} more differing lines`)
  return shown.join('\n')
}

// --- internal ---

/** Myers' O(ND) diff; undefined when more than `maxEdits` edits are needed. Line numbers are 1-based. */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): LineDiff[] | undefined {
  const n = a.length
  const m = b.length
  const max = Math.min(n + m, maxEdits)
  const offset = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) return backtrack(trace, a, b, d, offset)
    }
  }
  return undefined
}

function backtrack(trace: Int32Array[], a: readonly string[], b: readonly string[], dEnd: number, offset: number): LineDiff[] {
  const out: LineDiff[] = []
  let x = a.length
  let y = b.length
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d]!
    const k = x - y
    const prevK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1
    const prevX = v[offset + prevK]!
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      x--
      y--
    }
    if (x === prevX) out.push({ sign: '+', line: prevY + 1, text: b[prevY]! })
    else out.push({ sign: '-', line: prevX + 1, text: a[prevX]! })
    x = prevX
    y = prevY
  }
  return out.reverse()
}

function countDifference(a: readonly string[], b: readonly string[]): LineDiff[] {
  const counts = new Map<string, number>()
  for (const line of b) counts.set(line, (counts.get(line) ?? 0) + 1)
  const out: LineDiff[] = []
  a.forEach((line, i) => {
    const c = counts.get(line) ?? 0
    if (c > 0) counts.set(line, c - 1)
    else out.push({ sign: '-', line: i + 1, text: line })
  })
  const left = new Map<string, number>()
  for (const line of a) left.set(line, (left.get(line) ?? 0) + 1)
  b.forEach((line, i) => {
    const c = left.get(line) ?? 0
    if (c > 0) left.set(line, c - 1)
    else out.push({ sign: '+', line: i + 1, text: line })
  })
  return out
}
