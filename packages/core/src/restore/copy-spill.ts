// A COPY block on its way from a one-scan parallel restore's scan to the worker loading it. The scan is
// at most `runAhead` bytes ahead of that worker while every other worker is busy: reading on would only
// queue. Once another worker is idle, the scan writes the rest of the block to a temporary file instead,
// so that it reaches the next block and hands it to that worker; the loading worker reads the file after
// what was held in memory. Without this, a plain script's tables loaded one after the other whatever
// `jobs` was: the scan could not pass a table before its worker had taken nearly all of it.
// A file that cannot be created or written (a full disk) is not a failure: what it holds is read as it
// is, and the rest of the block waits for the worker in memory, as it would without a file. Each file is
// removed as soon as it was read (or the restore failed), and the folder by SpoolFiles.dispose() on
// every exit path.
import type { FileHandle } from 'node:fs/promises'
import type { SpoolFiles } from '../write/member-spool'
import { OneWayQueue } from '../write/one-way-queue'

/** Size of each read from a file. */
const FILE_CHUNK = 256 * 1024

export interface SpillPolicy {
  /** Whether the scan should pass the block now (another worker waits for work). */
  mayPass(): boolean
  /** Settles when what mayPass() answers may have changed (a worker became free, the restore failed). */
  changed(): Promise<void>
  /** Throws the restore's failure, if there was one. */
  check(): void
}

interface MemorySegment {
  kind: 'memory'
  chunks: Buffer[]
}

interface FileSegment {
  kind: 'file'
  handle: FileHandle
  written: number
  read: number
  /** No more bytes go to this file (the block ended, or a write failed). */
  sealed: boolean
}

export class CopySpill extends OneWayQueue {
  /** The block's bytes in order: runs held in memory, and at most one file being written (the last). */
  private readonly segments: (MemorySegment | FileSegment)[] = []
  private memoryBytes = 0
  private fileBytes = 0
  /** A file could not be created or written: the rest of the block waits in memory. */
  private noFile = false

  constructor(
    private readonly files: SpoolFiles,
    private readonly runAhead: number,
    private readonly policy: SpillPolicy,
  ) {
    super()
  }

  /** Bytes that went through a temporary file (0: the scan never passed this block). */
  get spilled(): number {
    return this.fileBytes
  }

  /** Appends a chunk; resolves when the scan may read on. */
  async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure
    if (chunk.length === 0) return
    while (!this.openFile() && this.memoryBytes >= this.runAhead) {
      this.policy.check()
      if (!this.noFile && this.policy.mayPass()) {
        await this.startFile()
        continue
      }
      await Promise.race([this.writerWait(), this.policy.changed()])
      if (this.failure) throw this.failure
      this.policy.check()
    }
    const file = this.openFile()
    if (!(file && (await this.append(file, chunk)))) {
      const last = this.segments.at(-1)
      if (last?.kind === 'memory') last.chunks.push(chunk)
      else this.segments.push({ kind: 'memory', chunks: [chunk] })
      this.memoryBytes += chunk.length
    }
    this.wake()
  }

  /** The file being written can take no more: the reader drops it once read. */
  protected override onEnd(): void {
    const file = this.openFile()
    if (file) file.sealed = true
  }

  /** Every byte, in order, as it arrives; ends after end(), throws after destroy(). */
  async *read(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        if (this.failure) throw this.failure
        const segment = this.segments[0]
        if (segment?.kind === 'memory' && segment.chunks.length > 0) {
          const chunk = segment.chunks.shift()!
          this.memoryBytes -= chunk.length
          this.wake()
          yield chunk
          continue
        }
        if (segment?.kind === 'file' && segment.read < segment.written) {
          const length = Math.min(FILE_CHUNK, segment.written - segment.read)
          const buffer = Buffer.allocUnsafe(length)
          const { bytesRead } = await segment.handle.read(buffer, 0, length, segment.read)
          if (bytesRead === 0) throw new Error('a restore spool file ended early')
          segment.read += bytesRead
          yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead)
          continue
        }
        // the first segment is used up: drop it if more follows (or it can take no more)
        if (segment && (this.segments.length > 1 || (segment.kind === 'file' && segment.sealed))) {
          this.segments.shift()
          if (segment.kind === 'file') void this.files.closeFile(segment.handle, segment.written)
          continue
        }
        if (this.ended) return
        await this.readerWait()
      }
    } finally {
      this.release()
      // a reader that stopped early (its COPY failed) lets a waiting writer see the failure
      this.wake()
    }
  }

  /** The file being written, if the block is spilling. */
  private openFile(): FileSegment | null {
    const last = this.segments.at(-1)
    return last?.kind === 'file' && !last.sealed ? last : null
  }

  private async startFile(): Promise<void> {
    try {
      this.segments.push({ kind: 'file', handle: await this.files.createFile(), written: 0, read: 0, sealed: false })
    } catch {
      this.noFile = true
    }
  }

  /** Writes `chunk` to the file; false when it could not (the file is sealed, the chunk goes to memory). */
  private async append(file: FileSegment, chunk: Buffer): Promise<boolean> {
    try {
      let done = 0
      while (done < chunk.length) {
        const { bytesWritten } = await file.handle.write(chunk, done, chunk.length - done, file.written + done)
        done += bytesWritten
      }
    } catch {
      file.sealed = true
      this.noFile = true
      return false
    }
    file.written += chunk.length
    this.fileBytes += chunk.length
    this.files.addDisk(chunk.length)
    return true
  }

  /** Gives back the memory and the files, once the block was read or failed. */
  protected release(): void {
    for (const segment of this.segments.splice(0)) {
      if (segment.kind === 'file') void this.files.closeFile(segment.handle, segment.written)
    }
    this.memoryBytes = 0
  }
}
