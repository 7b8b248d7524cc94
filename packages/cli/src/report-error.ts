// How the command line shows a failure: `pgkeep: error: <message> [CODE]` plus the hint, and never
// a password (the core keeps them out of messages; this scrubs known secrets once more).
import { isPgkeepError, scrubSecrets } from '@pgkeep/core'

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
