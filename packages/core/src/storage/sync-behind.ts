// Writes a file's data to disk while the rest of it is still being written. A file is fsynced before it
// is renamed into place, and the kernel keeps what was written in its page cache until then (it writes
// dirty pages back only after 30 s or past a tenth of the memory): the final fsync then wrote the whole
// file at once, 0.33 s for a 505 MB dump on this project's machine, while the dump waited. Starting an
// fdatasync after every 32 MiB instead lets the disk write behind the dump, and leaves the final fsync
// only the last few megabytes (0.01 s). At most one runs at a time, on node's thread pool. A file shorter
// than the step is synced once, at the end, as before.
import { fdatasync } from 'node:fs'

/** Bytes written between two background syncs. */
export const SYNC_BEHIND_BYTES = 32 * 1024 * 1024

export class SyncBehind {
  private since = 0
  private running: Promise<void> | null = null
  private failure: Error | null = null
  private settled = false

  /**
   * @param fd the file's descriptor, or null while it is not open yet (no sync is started then)
   * @param every bytes between two syncs
   * @param sync what syncs a descriptor: node's fdatasync
   */
  constructor(
    private readonly fd: () => number | null | undefined,
    private readonly every = SYNC_BEHIND_BYTES,
    private readonly sync: (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void = fdatasync,
  ) {}

  /**
   * Counts bytes handed to the file; starts a background sync once `every` bytes came since the last
   * one. Throws a failed sync's error as node gave it (the caller maps it as it maps a failed write).
   */
  wrote(bytes: number): void {
    if (this.failure) throw this.failure
    this.since += bytes
    if (this.since < this.every || this.running || this.settled) return
    const fd = this.fd()
    if (typeof fd !== 'number') return
    this.since = 0
    this.running = new Promise<void>((resolve) => {
      this.sync(fd, (error) => {
        if (error) this.failure ??= error
        this.running = null
        resolve()
      })
    })
  }

  /**
   * Waits for the sync in progress and starts no other: call it before the final fsync and before the
   * file is closed (a sync must not outlive its descriptor). Throws a failed sync's error.
   */
  async settle(): Promise<void> {
    this.settled = true
    await this.running
    if (this.failure) throw this.failure
  }
}
