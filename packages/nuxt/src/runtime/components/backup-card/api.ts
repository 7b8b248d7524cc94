// The card's calls to the backup routes with the browser's fetch (same-origin cookies): JSON answers,
// the backup file as a Blob, and every refusal turned into a RouteFailure that the card words for people.
import { filenameFromDisposition, retryMinutes } from './format'
import type { CardTexts } from './texts'

/** A route's refusal or failure, from its JSON error body `{ statusCode, message, code }` and headers. */
export class RouteFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    /** Minutes from the Retry-After header of a 429. */
    readonly retryMinutes?: number,
  ) {
    super(message)
    this.name = 'RouteFailure'
  }
}

/** The fetch failed before any answer (offline, server down). */
export class NetworkFailure extends Error {
  constructor(options?: { cause?: unknown }) {
    super('network failure', options)
    this.name = 'NetworkFailure'
  }
}

export interface BackupFile {
  blob: Blob
  filename: string
  id: string | undefined
}

export async function getJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await send(url, init)
  return (await response.json()) as T
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  return getJson<T>(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

/** POSTs for a new backup and reads the `.sql.gz` attachment it answers with. */
export async function postForFile(url: string, body: unknown, onHeaders: (id: string | undefined) => void): Promise<BackupFile> {
  const response = await send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/gzip, application/json' },
    body: JSON.stringify(body),
  })
  const id = response.headers.get('x-backup-id') ?? undefined
  onHeaders(id)
  const blob = await response.blob()
  const filename = filenameFromDisposition(response.headers.get('content-disposition')) ?? `backup-${id ?? Date.now()}.sql.gz`
  return { blob, filename, id }
}

/** Saves a Blob through a temporary link, the way a browser saves any attachment. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  followLink(url, filename)
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** Opens a download URL (a presigned S3 URL or the module's signed one) without leaving the page. */
export function followLink(url: string, filename?: string): void {
  const link = document.createElement('a')
  link.href = url
  if (filename) link.download = filename
  link.rel = 'noopener'
  link.style.display = 'none'
  document.body.appendChild(link)
  link.click()
  link.remove()
}

/** What to tell the user about a failed call; `forbidden` is the 403 text for this action. */
export function reasonOf(error: unknown, texts: CardTexts, forbidden = texts.forbidden): string {
  if (error instanceof NetworkFailure) return texts.network
  if (!(error instanceof RouteFailure)) return error instanceof Error ? error.message : String(error)
  switch (error.status) {
    case 401:
      return texts.unauthorized
    case 403:
      return forbidden
    case 429:
      return texts.rateLimited(error.retryMinutes)
    case 409:
      return texts.busy
    default:
      return error.message || texts.unknown(error.status)
  }
}

async function send(url: string, init: RequestInit): Promise<Response> {
  let response: Response
  try {
    response = await fetch(url, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...init.headers } })
  } catch (cause) {
    throw new NetworkFailure({ cause })
  }
  if (!response.ok) throw await failureOf(response)
  return response
}

async function failureOf(response: Response): Promise<RouteFailure> {
  let message = ''
  let code: string | undefined
  try {
    const body = (await response.json()) as { message?: unknown; code?: unknown }
    if (typeof body.message === 'string') message = body.message
    if (typeof body.code === 'string') code = body.code
  } catch {
    // not JSON (a proxy's error page): the status speaks for itself
  }
  return new RouteFailure(response.status, message, code, retryMinutes(response.headers.get('retry-after')))
}
