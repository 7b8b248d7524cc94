// Ctrl-C and `kill`: the first SIGINT or SIGTERM aborts what the command is doing through an
// AbortSignal (a backup or dump is cancelled and leaves nothing half written; `pgkeep schedule` tells
// the two apart), a second one ends the process at once. Exit status 130 for an interrupted command.

export const INTERRUPTED = 130

export type InterruptSignal = 'SIGINT' | 'SIGTERM'

/** The abort reason the command sees. */
export class Interrupt extends Error {
  constructor(readonly signal: InterruptSignal) {
    super(`interrupted by ${signal}`)
    this.name = 'Interrupt'
  }
}

/** Which signal aborted `signal`, if one did. */
export function interruptOf(signal: AbortSignal | undefined): InterruptSignal | undefined {
  return signal?.aborted && signal.reason instanceof Interrupt ? signal.reason.signal : undefined
}

/** Listens for SIGINT and SIGTERM for the life of a command; returns its signal and the function that stops listening. */
export function listenForInterrupts(proc: NodeJS.Process = process): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  const handler = (name: InterruptSignal) => {
    if (controller.signal.aborted) proc.exit(INTERRUPTED)
    controller.abort(new Interrupt(name))
  }
  const onInt = () => handler('SIGINT')
  const onTerm = () => handler('SIGTERM')
  proc.on('SIGINT', onInt)
  proc.on('SIGTERM', onTerm)
  return {
    signal: controller.signal,
    dispose() {
      proc.off('SIGINT', onInt)
      proc.off('SIGTERM', onTerm)
    },
  }
}
