// What a spool's one producer and one consumer share: the end and failure states, and the two waits
// (the reader for bytes, the writer for room) that every change wakes. MemberSpool (a parallel dump's
// table waiting for its turn) and CopySpill (a restore's COPY block on its way to a worker) keep their
// bytes differently; the signalling is this.

export abstract class OneWayQueue {
  protected ended = false
  protected failure: Error | null = null
  private wakeReader: (() => void) | null = null
  private wakeWriter: (() => void) | null = null

  /** No more bytes will come. */
  end(): void {
    this.ended = true
    this.onEnd()
    this.wake()
  }

  /** Stops both sides: the reader and the writer reject with `error`; what is held is given back. */
  destroy(error: Error): void {
    if (this.failure) return
    this.failure = error
    this.release()
    this.wake()
  }

  /** Gives back what is held (memory, files), once read or failed. */
  protected abstract release(): void

  /** Called by end() before the reader is woken. */
  protected onEnd(): void {}

  /** Settles at the next change the reader waits for (bytes, the end, a failure). */
  protected readerWait(): Promise<void> {
    return new Promise<void>((resolve) => (this.wakeReader = resolve))
  }

  /** Settles at the next change the writer waits for (room, a failure). */
  protected writerWait(): Promise<void> {
    return new Promise<void>((resolve) => (this.wakeWriter = resolve))
  }

  protected wake(): void {
    const reader = this.wakeReader
    const writer = this.wakeWriter
    this.wakeReader = null
    this.wakeWriter = null
    reader?.()
    writer?.()
  }
}
