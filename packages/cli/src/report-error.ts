// How the command line shows a failure: `pgkeep: error: <message> [CODE]` plus the hint, and never
// a password (the core keeps them out of messages; this scrubs known secrets once more).
import { isPgkeepError, scrubSecrets } from '@pgkeep/core/engine'

export function formatError(error: unknown, secrets: readonly (string | undefined)[] = []): string {
  const scrub = (text: string) => scrubSecrets(text, secrets)
  if (isPgkeepError(error)) {
    let text = `pgkeep: error: ${scrub(error.message)} [${error.code}]\n`
    if (error.hint) text += `pgkeep: hint: ${scrub(error.hint)}\n`
    return text
  }
  const message = error instanceof Error ? error.message : String(error)
  return `pgkeep: error: ${scrub(message)}\n`
}

/** The failure as one JSON document (for --json): `{ "error": { "code", "message", "hint"? } }`. */
export function formatErrorJson(error: unknown, secrets: readonly (string | undefined)[] = []): string {
  const scrub = (text: string) => scrubSecrets(text, secrets)
  const body = isPgkeepError(error)
    ? { code: error.code, message: scrub(error.message), ...(error.hint ? { hint: scrub(error.hint) } : {}) }
    : { code: 'INTERNAL', message: scrub(error instanceof Error ? error.message : String(error)) }
  return `${JSON.stringify({ error: body })}\n`
}
