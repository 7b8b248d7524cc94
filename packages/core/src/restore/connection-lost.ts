// What a broken connection means, for messages: a socket error (a write that found the connection
// closed, a reset) says only that the session is gone, not why.

/** An error of the connection itself rather than one the server sent. */
export function isSocketError(error: { code?: string; message?: string }): boolean {
  return error.code === 'EPIPE' || error.code === 'ECONNRESET' || error.message === 'Connection terminated unexpectedly'
}

/** The error's message, or for a socket error what it means. */
export function describeConnectionError(error: { code?: string; message?: string }): string {
  const message = error.message ?? String(error)
  if (!isSocketError(error)) return message
  return `the server closed the connection (${message}): its backend was terminated, the server stopped, or the network failed`
}
