// Follows the events route (server-sent events) while the card's backup runs and hands on its progress:
// percent, bytes, the table being copied. Backups already running when the stream opened (a scheduled
// one) are ignored; the first backup that starts or reports after that is the card's own.

export interface CardProgress {
  id?: string
  /** 0–100, when the server knows the total. */
  percent?: number
  bytes: number
  totalBytes?: number
  table?: string
}

interface ProgressData {
  id?: string
  percent?: number
  bytes?: number
  totalBytes?: number
  table?: string
  // the manager's own field names, in case the route passes them through
  bytesDone?: number
  bytesTotal?: number
}

export interface ProgressFollower {
  /** Settles once the stream has said which backups were running (or failed, or took over `READY_WAIT_MS`). */
  ready: Promise<void>
  stop: () => void
}

/** How long the card waits for the events route before it starts the backup anyway (no progress then). */
const READY_WAIT_MS = 2000

/** Starts following `url`. Without EventSource (old browsers) it follows nothing. */
export function followProgress(url: string, onProgress: (progress: CardProgress) => void): ProgressFollower {
  if (typeof EventSource === 'undefined') return { ready: Promise.resolve(), stop: () => {} }
  const source = new EventSource(url, { withCredentials: true })
  const earlier = new Set<string>()
  let mine: string | undefined
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, READY_WAIT_MS)
    markReady = () => {
      clearTimeout(timer)
      resolve()
    }
  })
  // A refused or missing events route must not hold the backup up.
  source.addEventListener('error', () => markReady())

  const isMine = (id: string | undefined): boolean => {
    if (id === undefined) return mine === undefined
    if (earlier.has(id)) return false
    mine ??= id
    return id === mine
  }
  const parse = (event: MessageEvent): unknown => {
    try {
      return JSON.parse(String(event.data))
    } catch {
      return undefined
    }
  }

  source.addEventListener('running', (event) => {
    const data = parse(event as MessageEvent) as { backups?: Array<{ id?: string }> } | undefined
    for (const backup of data?.backups ?? []) if (backup.id && backup.id !== mine) earlier.add(backup.id)
    markReady()
  })
  source.addEventListener('start', (event) => {
    const data = parse(event as MessageEvent) as { id?: string } | undefined
    if (data && isMine(data.id)) onProgress({ id: data.id, percent: 0, bytes: 0 })
  })
  source.addEventListener('progress', (event) => {
    const data = parse(event as MessageEvent) as ProgressData | undefined
    if (!data || !isMine(data.id)) return
    const bytes = numberOr(data.bytes, data.bytesDone) ?? 0
    const totalBytes = numberOr(data.totalBytes, data.bytesTotal)
    let percent = numberOr(data.percent)
    if (percent === undefined && totalBytes) percent = (bytes / totalBytes) * 100
    onProgress({
      id: data.id,
      bytes,
      ...(totalBytes !== undefined ? { totalBytes } : {}),
      ...(percent !== undefined ? { percent: Math.min(100, Math.max(0, percent)) } : {}),
      ...(data.table ? { table: data.table } : {}),
    })
  })
  return {
    ready,
    stop: () => {
      markReady()
      source.close()
    },
  }
}

function numberOr(...values: Array<number | undefined>): number | undefined {
  return values.find((v) => typeof v === 'number' && Number.isFinite(v))
}
