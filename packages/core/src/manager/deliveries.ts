// What webhooks and e-mails share: deliveries run one after another, in the order of the events, beside
// the backups and never inside them; each is tried a few times with a short, doubling wait between
// attempts; once its attempts are spent the caller raises an alert. Nothing here ever throws.

/** First wait between attempts; it doubles each time, up to MAX_BACKOFF_MS. */
export const BACKOFF_MS = 250
export const MAX_BACKOFF_MS = 5000

/** Runs tasks one after another, in the order given; a task that fails does not stop the next. */
export function createDeliveryQueue(): (task: () => Promise<void>) => void {
  let queue: Promise<void> = Promise.resolve()
  return (task) => {
    queue = queue.then(task).catch(() => {})
  }
}

/** How a delivery ended after its attempts: null when one succeeded, else the last error and the count. */
export type DeliveryFailure = { attempts: number; error: string } | null

/**
 * Calls `attempt` up to `retries + 1` times, waiting BACKOFF_MS, then twice that, … between tries.
 * `attempt` resolves to null on success or to a short description of what went wrong (it may also throw;
 * the error's message is taken).
 */
export async function withRetries(retries: number, attempt: (n: number) => Promise<string | null>): Promise<DeliveryFailure> {
  let lastError = ''
  for (let n = 0; n <= retries; n++) {
    if (n > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(BACKOFF_MS * 2 ** (n - 1), MAX_BACKOFF_MS)))
    try {
      const error = await attempt(n)
      if (error === null) return null
      lastError = error
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error)
    }
  }
  return { attempts: retries + 1, error: lastError }
}
