// Where a table's finished bytes wait until the script reaches the table's place. A parallel dump
// copies several tables at once but writes one script in order, so every table's block goes through a
// spool: one producer (the worker copying the table) appends, one consumer (the leader writing the
// script) reads, in order. Bytes are held in memory up to a budget shared by every spool of the dump,
// then in a temporary file of the OS temp folder; `SpoolFiles.dispose()` removes those files on every
// exit path. While the leader reads a spool, its producer is held back instead of spilling to disk.
import { open, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { TempFolder } from '../storage/temp-folder'
import { OneWayQueue } from './one-way-queue'

/**
 * Memory the spools of one dump hold at most, all together, before spilling to temporary files. 1 MiB:
 * measured on a 500 MB database, 16 MiB made a backup with jobs 2 peak about 30 MB higher in a plain
 * node process than 4 MiB (the budget fills with compressed blocks while the leader writes the largest
 * table), and 1 MiB another 2–5 MB lower than 4 MiB, in the same time (bench/README.md, 2026-12-07,
 * evening): what waits there outlives the pacer's young collections and is freed only by a full one.
 * Blocks past the budget cost one sequential write and read of a temporary file.
 */
export const SPOOL_MEMORY_BUDGET = 1024 * 1024
/** Bytes a spool the leader is reading may hold unread before its producer waits. */
const READ_AHEAD = 1024 * 1024
/** Size of each read from a spool's file. */
const FILE_CHUNK = 256 * 1024

export interface SpoolFilesOptions {
  /** Bytes the spools may hold in memory together before they write to files. @default SPOOL_MEMORY_BUDGET */
  budget?: number
  /** The folder the temporary folder is made in. @default the OS temp folder */
  parent?: string
  /**
   * Hears of every read from a spool's file, with its size: each is a buffer of its own that is garbage
   * once written on, and the files are read back from the page cache as fast as the output takes them (a
   * dump's GcPacer counts them, see dump.ts).
   */
  onFileRead?: (bytes: number) => void
}

/** The memory budget and the temporary files of one dump's spools. */
export class SpoolFiles {
  used = 0
  /** Most bytes that were ever in temporary files at once (reported by tests and the bench). */
  peakDiskBytes = 0
  private diskBytes = 0
  private readonly dir: TempFolder
  private readonly open = new Map<FileHandle, string>()
  private count = 0
  private disposed = false

  readonly budget: number
  readonly onFileRead: ((bytes: number) => void) | undefined

  constructor(options: SpoolFilesOptions = {}) {
    this.budget = options.budget ?? SPOOL_MEMORY_BUDGET
    this.onFileRead = options.onFileRead
    this.dir = new TempFolder('spool', options.parent)
  }

  /** The folder the files are in, once one was created (null before). */
  async folder(): Promise<string | null> {
    return this.dir.created()
  }

  async createFile(): Promise<FileHandle> {
    if (this.disposed) throw new Error('the spool files were already removed')
    const dir = await this.dir.path()
    const path = join(dir, String(this.count++))
    const handle = await open(path, 'w+', 0o600)
    if (this.disposed) {
      await handle.close().catch(() => {})
      throw new Error('the spool files were already removed')
    }
    this.open.set(handle, path)
    return handle
  }

  /** Closes and removes one spool's file as soon as it was read (or failed). */
  async closeFile(handle: FileHandle, bytes: number): Promise<void> {
    const path = this.open.get(handle)
    if (path === undefined) return
    this.open.delete(handle)
    this.addDisk(-bytes)
    await handle.close().catch(() => {})
    await unlink(path).catch(() => {})
  }

  addDisk(bytes: number): void {
    this.diskBytes += bytes
    if (this.diskBytes > this.peakDiskBytes) this.peakDiskBytes = this.diskBytes
  }

  /** Closes every file and removes the folder; safe to call more than once. */
  async dispose(): Promise<void> {
    this.disposed = true
    const handles = [...this.open.keys()]
    this.open.clear()
    await Promise.all(handles.map((h) => h.close().catch(() => {})))
    await this.dir.remove()
  }
}

export class MemberSpool extends OneWayQueue {
  /** Bytes appended in all. */
  written = 0
  private readonly chunks: Buffer[] = []
  private memoryBytes = 0
  private file: FileHandle | null = null
  private fileOpening: Promise<FileHandle> | null = null
  private fileWritten = 0
  private fileRead = 0
  private reading = false

  constructor(private readonly files: SpoolFiles) {
    super()
  }

  /** Appends a chunk; resolves when it is held (in memory or on disk) and the next may come. */
  async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure
    if (chunk.length === 0) return
    while (this.reading && this.unread() >= READ_AHEAD) {
      await this.writerWait()
      if (this.failure) throw this.failure
    }
    this.written += chunk.length
    // Once a spool spilled, later bytes follow on disk too, so that they are read back in order.
    if (!this.file && !this.fileOpening && (this.reading || this.files.used + chunk.length <= this.files.budget)) {
      this.chunks.push(chunk)
      this.memoryBytes += chunk.length
      this.files.used += chunk.length
    } else {
      this.fileOpening ??= this.files.createFile()
      this.file ??= await this.fileOpening
      let done = 0
      while (done < chunk.length) {
        const { bytesWritten } = await this.file.write(chunk, done, chunk.length - done, this.fileWritten + done)
        done += bytesWritten
      }
      this.fileWritten += chunk.length
      this.files.addDisk(chunk.length)
      // The dump may have failed while the file was written: stop the producer here, not at its next chunk.
      if (this.failure) throw this.failure
    }
    this.wake()
  }

  /** Every byte, in order, as it arrives; ends after end(), throws after destroy(). */
  async *read(): AsyncGenerator<Buffer> {
    this.reading = true
    this.wake()
    try {
      for (;;) {
        if (this.failure) throw this.failure
        const chunk = this.chunks.shift()
        if (chunk) {
          this.memoryBytes -= chunk.length
          this.files.used -= chunk.length
          this.wake()
          yield chunk
          continue
        }
        if (this.file && this.fileRead < this.fileWritten) {
          const length = Math.min(FILE_CHUNK, this.fileWritten - this.fileRead)
          const buffer = Buffer.allocUnsafe(length)
          const { bytesRead } = await this.file.read(buffer, 0, length, this.fileRead)
          if (bytesRead === 0) throw new Error('a spool file ended early')
          this.fileRead += bytesRead
          this.files.onFileRead?.(bytesRead)
          this.wake()
          yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead)
          continue
        }
        if (this.ended) return
        await this.readerWait()
      }
    } finally {
      this.release()
    }
  }

  private unread(): number {
    return this.memoryBytes + (this.fileWritten - this.fileRead)
  }

  /** Gives back the memory and the file, once the spool was read or failed. */
  protected release(): void {
    this.files.used -= this.memoryBytes
    this.memoryBytes = 0
    this.chunks.length = 0
    const file = this.file
    const bytes = this.fileWritten
    this.file = null
    if (file) void this.files.closeFile(file, bytes)
  }
}
