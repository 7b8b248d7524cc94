// One transaction the archiver is receiving, held until its commit decides where it goes (its segment,
// or nowhere: a resend the archive holds, or the transaction a changed table definition cut off). Its
// change lines (segment-lines.ts) stay in memory up to a budget, then go to a file of the archive's
// temporary folder; discard() removes the file, and the archiver removes the folder on every exit path.
import { open, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { changedRelations, encodeLine, type RowChange } from './segment-lines'
import type { Lsn } from './lsn'

/** Bytes of change lines a transaction holds in memory before spilling to a file. @default 4 MiB */
export const TRANSACTION_MEMORY_BUDGET = 4 * 1024 * 1024
/** Bytes gathered before each write to (and read from) the file. */
const FILE_CHUNK = 256 * 1024

export class TransactionSpill {
  /** Bytes of its change lines (JSON, newlines included). */
  bytes = 0
  /** Changes per table oid (a truncate counts once for each table it names). */
  readonly rows = new Map<number, number>()
  private lines: string[] = []
  private linesBytes = 0
  private file: { handle: FileHandle; path: string } | null = null
  private discarded = false

  constructor(
    readonly begin: { xid: number; commitLsn: Lsn; commitTime: bigint },
    /** Creates (once) and returns the temporary folder the file goes in. */
    private readonly folder: () => Promise<string>,
    private readonly budget = TRANSACTION_MEMORY_BUDGET,
  ) {}

  /** Whether its lines went to a file (tests and the bench report it). */
  get spilled(): boolean {
    return this.file !== null
  }

  async add(change: RowChange): Promise<void> {
    const line = `${encodeLine(change)}\n`
    const size = Buffer.byteLength(line)
    this.lines.push(line)
    this.linesBytes += size
    this.bytes += size
    for (const oid of changedRelations(change)) this.rows.set(oid, (this.rows.get(oid) ?? 0) + 1)
    if (this.file ? this.linesBytes >= FILE_CHUNK : this.linesBytes >= this.budget) await this.writeOut()
  }

  /** Its change lines in order, in chunks: from the file, then what is still in memory. */
  async *chunks(): AsyncGenerator<string | Buffer, void, undefined> {
    if (this.file) {
      const buffer = Buffer.alloc(FILE_CHUNK)
      for (let position = 0; ;) {
        const { bytesRead } = await this.file.handle.read(buffer, 0, FILE_CHUNK, position)
        if (bytesRead === 0) break
        position += bytesRead
        yield Buffer.from(buffer.subarray(0, bytesRead))
      }
    }
    if (this.lines.length > 0) yield this.lines.join('')
  }

  /** Frees its memory and removes its file; safe to call more than once. */
  async discard(): Promise<void> {
    this.discarded = true
    this.lines = []
    this.linesBytes = 0
    const file = this.file
    this.file = null
    if (file) {
      await file.handle.close().catch(() => {})
      await unlink(file.path).catch(() => {})
    }
  }

  private async writeOut(): Promise<void> {
    if (this.discarded) return
    if (!this.file) {
      const path = join(await this.folder(), `tx-${this.begin.xid}-${this.begin.commitLsn.toString(16)}`)
      this.file = { handle: await open(path, 'w+', 0o600), path }
    }
    const data = this.lines.join('')
    this.lines = []
    this.linesBytes = 0
    await this.file.handle.write(data)
  }
}
