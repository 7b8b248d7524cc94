// Notifications in the style of healthchecks.io: a small JSON POST to the `start`, `success` or `failure`
// URL of a backup, with a timeout and retries. Deliveries run one after another, in the order of the
// events, beside the backup and never inside it: a webhook that fails or hangs never changes a backup's
// outcome or its duration; once its retries are spent it raises an `alert` (kind 'webhook-failed').
import { PGKEEP_VERSION } from '../version'
import type { ManagerContext } from './context'
import { createDeliveryQueue, withRetries } from './deliveries'
import { webhookTarget, withoutUrl } from './webhooks-url'

export type WebhookHook = 'start' | 'success' | 'failure'

/** The body of every webhook: small, flat, with nothing secret in it. */
export interface WebhookBody {
  event: WebhookHook
  type: 'manual' | 'scheduled'
  createdBy: string | null
  at: string
  backup?: { id: string; filename: string; size: number; durationMs: number }
  error?: { code: string; message: string }
  pgkeep: string
}

/** Subscribes the webhooks of the manager's options to its backup events. */
export function attachWebhooks(ctx: ManagerContext): void {
  const o = ctx.options.webhooks
  if (!o) return
  const queue = createDeliveryQueue()
  const enqueue = (hook: WebhookHook, body: WebhookBody) => {
    const url = o[hook]
    if (!url || !o.types.includes(body.type)) return
    queue(() => deliver(ctx, hook, url, body, o.timeoutMs, o.retries))
  }
  ctx.events.on('backup:start', (e) => enqueue('start', { event: 'start', type: e.type, createdBy: e.actor, at: e.at.toISOString(), pgkeep: PGKEEP_VERSION }))
  ctx.events.on('backup:success', ({ record: r }) => enqueue('success', {
    event: 'success', type: r.type, createdBy: r.createdBy, at: ctx.now().toISOString(), pgkeep: PGKEEP_VERSION,
    backup: { id: r.id, filename: r.filename, size: r.size, durationMs: r.metadata.duration },
  }))
  ctx.events.on('backup:failure', (e) => enqueue('failure', {
    event: 'failure', type: e.type, createdBy: e.actor, at: e.at.toISOString(), pgkeep: PGKEEP_VERSION,
    error: { code: e.code, message: e.message },
  }))
}

// --- internal ---

async function deliver(ctx: ManagerContext, hook: WebhookHook, url: string, body: WebhookBody, timeoutMs: number, retries: number): Promise<void> {
  const payload = JSON.stringify(body)
  // The URL's userinfo, path and query often hold the check's secret token: only the host is ever named.
  const target = webhookTarget(url)
  const failed = await withRetries(retries, async () => {
    try {
      const response = await fetch(target.fetchUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': `pgkeep/${PGKEEP_VERSION}`, ...target.headers },
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
      })
      await response.body?.cancel().catch(() => {})
      return response.ok ? null : `HTTP ${response.status}`
    } catch (error) {
      return withoutUrl(describeFetchError(error, timeoutMs), url, target)
    }
  })
  if (!failed) return
  const host = target.host
  ctx.events.emit('alert', {
    kind: 'webhook-failed',
    message: `the ${hook} webhook to ${host} failed after ${failed.attempts} attempt(s): ${failed.error}`,
    at: ctx.now(),
    detail: { hook, host, attempts: failed.attempts, error: failed.error, backupType: body.type, ...(body.backup ? { backupId: body.backup.id } : {}) },
  })
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined
  if (cause?.code) return cause.code
  return error instanceof Error ? error.message : String(error)
}
