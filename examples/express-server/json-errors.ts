// The example's last two handlers: a route nobody serves is a JSON 404, and any error that reaches
// Express (a body parser or a route of your own) is answered as JSON `{ statusCode, message }`, never
// with Express's HTML error page, which outside production shows the stack trace and server paths. 4xx
// errors of Express and its parsers keep their message (they mark it `expose`); anything else is
// "internal error", logged on the server.
import type { NextFunction, Request, Response } from 'express'

export function notFound(_req: Request, res: Response): void {
  res.status(404).json({ statusCode: 404, message: 'not found' })
}

export function jsonErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error) // half sent: Express closes the connection
  const status = statusOf(error)
  if (status >= 500) console.error(error)
  const e = error as { expose?: unknown; message?: unknown } | null
  const message = status < 500 && e?.expose === true && typeof e.message === 'string' ? e.message : status < 500 ? 'bad request' : 'internal error'
  res.status(status).json({ statusCode: status, message })
}

/** The HTTP status an error carries (http-errors' `status` or `statusCode`, 400–599), else 500. */
function statusOf(error: unknown): number {
  const e = error as { status?: unknown; statusCode?: unknown } | null
  const candidate = e?.status ?? e?.statusCode
  return typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 400 && candidate <= 599 ? candidate : 500
}
