// The whole stored object of a signed plain backup, passed on member by member: each gzip member's bytes
// are held until the last of them arrived and their sha256 matched the one its signed manifest lists, and
// only then go out. So `download | gunzip | psql` never gets a byte of a changed member: the stream fails
// with BACKUP_UNTRUSTED naming the member instead, and its bytes are dropped. (Checking the whole object's
// sha256 alone, at its end, let every byte but the last chunk out first.)
//
// A member is a part of the file (the definitions before the data, one table's rows, the large objects,
// the definitions after it), as compress/gzip-members.ts records them: a table's member is all of its
// compressed rows, with no upper bound. So a member is held in memory up to HELD_MEMORY_BYTES and in a
// temporary file of the OS temp folder beyond that (write/member-spool.ts), which is removed as soon as
// the member went out or the download ended: memory stays bounded, the temporary disk space is the
// largest member (the largest table's compressed rows).
//
// Written by GzipMembers, the members tile the object: the first at offset 0, each where the one before
// ended, the last at the object's end. Where a manifest's do not (a gap, an overlap, a member past the
// end), every byte from there on is held until the source ended, that is until the whole object's size
// and sha256 (checked by the source, checked-source.ts) passed.
import { createHash, type Hash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { Readable } from 'node:stream'
import { isPgkeepError, PgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'
import { tampered } from '../backup/checked-source'
import { MemberSpool, SpoolFiles } from '../write/member-spool'

/** Bytes of a held member kept in memory, per download; the rest of a larger member waits in a temporary file. */
export const HELD_MEMORY_BYTES = 4 * 1024 * 1024

/** A stretch of the object: a member checked by its own sha256, or (no sha256) the rest, checked by the whole object's. */
interface Stretch {
  offset: number
  length: number
  sha256?: string
  /** How the member is named in an error: its number among the members. */
  name: string
  label?: string | null
}

/**
 * `source` (the stored object, already checked whole against the signed size and sha256 as it passes)
 * as a stream that lets each member out only once it was checked. Destroying it destroys `source`.
 */
export function memberGate(source: Readable, manifest: BackupManifest): Readable {
  return new MemberGate(source, manifest)
}

/** The members as stretches in order, and one unchecked stretch for the rest where they stop tiling the object. */
export function stretchesOf(manifest: BackupManifest): Stretch[] {
  const stretches: Stretch[] = []
  const members = manifest.members
  let at = 0
  for (const [i, m] of members.entries()) {
    if (m.length === 0) continue
    if (m.offset !== at || m.sha256 === undefined || at + m.length > manifest.size) break
    stretches.push({ offset: at, length: m.length, sha256: m.sha256, name: `${i + 1} of ${members.length}`, label: m.label })
    at += m.length
  }
  if (at < manifest.size) stretches.push({ offset: at, length: manifest.size - at, name: 'the rest' })
  return stretches
}

class MemberGate extends Readable {
  private readonly files = new SpoolFiles({ budget: HELD_MEMORY_BYTES })
  private readonly stretches: Stretch[]
  private index = 0
  private inStretch = 0
  private hash: Hash = createHash('sha256')
  private held: MemberSpool
  /** _read() was called since the last push: the consumer wants more. */
  private asked = false
  private onAsk: (() => void) | null = null
  private started = false

  constructor(private readonly source: Readable, private readonly manifest: BackupManifest) {
    super()
    this.stretches = stretchesOf(manifest)
    this.held = new MemberSpool(this.files)
  }

  override _read(): void {
    this.asked = true
    // The source is read once the stream is, when something listens for its errors.
    if (!this.started) {
      this.started = true
      void this.pump()
    }
    this.wakeUp()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.source.destroy()
    this.held.destroy(error ?? new Error('the download was closed'))
    this.wakeUp()
    this.files.dispose().then(() => callback(error), () => callback(error))
  }

  private async pump(): Promise<void> {
    try {
      for await (const chunk of this.source as AsyncIterable<Buffer>) {
        await this.hold(chunk)
        if (this.destroyed) return
      }
      // The source ended: the whole object's size and sha256 matched. A member not yet complete cannot be
      // (the sizes add up to the object's), but is no reason to let its bytes out unchecked.
      const stretch = this.stretches[this.index]
      if (stretch?.sha256 !== undefined) throw tampered(this.manifest, `it ends inside member ${stretch.name}, of which the signed manifest lists ${stretch.length} bytes`)
      if (stretch) await this.passOn()
      if (!this.destroyed) this.push(null)
    } catch (error) {
      if (!this.destroyed) this.destroy(error instanceof Error ? error : new Error(String(error)))
    } finally {
      await this.files.dispose().catch(() => {})
    }
  }

  /** Holds `chunk`'s bytes, passing on each member it completes once checked. */
  private async hold(chunk: Buffer): Promise<void> {
    let at = 0
    while (at < chunk.length && !this.destroyed) {
      const stretch = this.stretches[this.index]
      if (!stretch) throw tampered(this.manifest, `the stored object is longer than the signed ${this.manifest.size} bytes`)
      const piece = chunk.subarray(at, at + Math.min(chunk.length - at, stretch.length - this.inStretch))
      if (piece.length === 0) throw tampered(this.manifest, `the stored object is longer than the signed ${this.manifest.size} bytes`)
      at += piece.length
      this.inStretch += piece.length
      if (stretch.sha256 !== undefined) this.hash.update(piece)
      await this.spooled(() => this.held.write(piece))
      if (this.inStretch < stretch.length || stretch.sha256 === undefined) continue
      const digest = this.hash.digest('hex')
      if (digest !== stretch.sha256) {
        // The words that matter first: an audit event keeps 200 characters of a message.
        throw tampered(this.manifest, `member ${stretch.name} does not match its signed sha256 (${stretch.label ?? 'definitions'}, offset ${stretch.offset}, ${stretch.length} bytes); none of its bytes went out`)
      }
      await this.passOn()
      this.index += 1
      this.inStretch = 0
      this.hash = createHash('sha256')
      this.held = new MemberSpool(this.files)
    }
  }

  /** Passes on what is held, as fast as the consumer takes it. */
  private async passOn(): Promise<void> {
    this.held.end()
    await this.spooled(async () => {
      for await (const chunk of this.held.read()) {
        if (this.destroyed) return
        this.asked = false
        if (this.push(chunk) || this.asked) continue
        await new Promise<void>((resolve) => (this.onAsk = resolve))
      }
    })
  }

  /** A failure of the temporary file (a full disk) as OUTPUT_FAILED, saying where; none once the download was closed. */
  private async spooled(step: () => Promise<void>): Promise<void> {
    try {
      await step()
    } catch (error) {
      if (this.destroyed || isPgkeepError(error)) throw error
      const where = (await this.files.folder()) ?? tmpdir()
      throw new PgkeepError('OUTPUT_FAILED', `unable to hold a member of backup ${this.manifest.id} (${this.manifest.filename}) until it is checked, in ${where}: ${(error as Error).message}`, {
        cause: error,
        hint: `a download of a signed backup holds each member until its signed sha256 matched, up to ${HELD_MEMORY_BYTES / 1024 / 1024} MiB in memory and the rest in the OS temp folder (TMPDIR): it needs room there for the largest member (table)`,
      })
    }
  }

  private wakeUp(): void {
    const resolve = this.onAsk
    this.onAsk = null
    resolve?.()
  }
}
