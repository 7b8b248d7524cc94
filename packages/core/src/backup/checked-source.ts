// The bytes of a signed backup, checked against the checksums its signed manifest holds while they are
// read: the stored object's size and sha256 for a whole read of a plain backup, each gzip member's
// sha256 for the members of a selective restore and for the decrypted stream of an encrypted backup.
// A mismatch fails the stream with BACKUP_UNTRUSTED, at the latest at its end.
import { createHash, type Hash } from 'node:crypto'
import { pipeline, Transform, type TransformCallback } from 'node:stream'
import { PgkeepError } from '../errors'
import type { BackupManifest } from '../manifest/manifest'

type Opener = () => Promise<NodeJS.ReadableStream>
type Member = BackupManifest['members'][number]

/** The whole backup as read: the stored object (plain) or the decrypted gzip stream (encrypted). */
export function checkedWhole(open: Opener, manifest: BackupManifest): Opener {
  return manifest.encryption ? checkedMembers(open, manifest, manifest.members) : checkedStored(open, manifest)
}

/** The stored object, read whole (encrypted or not), against the signed size and sha256. */
export function checkedStored(open: Opener, manifest: BackupManifest): Opener {
  return async () => through(await open(), new WholeCheck(manifest))
}

/** A stream that is exactly `members`, in order, one after the other (what selective reads yield). */
export function checkedMembers(open: Opener, manifest: BackupManifest, members: readonly Member[]): Opener {
  const wanted = members.filter((m) => m.length > 0)
  return async () => through(await open(), new MemberCheck(manifest, wanted))
}

/** Reads a checked source to its end, so that nothing is applied before every byte has been checked. */
export async function readThrough(open: Opener): Promise<void> {
  for await (const _chunk of (await open()) as AsyncIterable<Buffer>) { /* the check runs as the bytes pass */ }
}

export function tampered(manifest: BackupManifest, what: string): PgkeepError {
  return new PgkeepError('BACKUP_UNTRUSTED', `backup ${manifest.id} (${manifest.filename}) was tampered with: ${what}`, {
    hint: 'the stored object is not the one the signed manifest describes: someone who can write the storage changed it, or it was damaged; do not restore it',
  })
}

/** `check` fed by `source`: a source error fails the check, closing the check closes the source. */
function through(source: NodeJS.ReadableStream, check: Transform): Transform {
  pipeline(source, check, () => {})
  return check
}

class WholeCheck extends Transform {
  private readonly hash = createHash('sha256')
  private size = 0

  constructor(private readonly manifest: BackupManifest) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length
    if (this.size > this.manifest.size) return done(tampered(this.manifest, `the stored object is longer than the signed ${this.manifest.size} bytes`))
    this.hash.update(chunk)
    done(null, chunk)
  }

  override _flush(done: TransformCallback): void {
    if (this.size !== this.manifest.size) return done(tampered(this.manifest, `the stored object has ${this.size} bytes, not the signed ${this.manifest.size}`))
    if (this.hash.digest('hex') !== this.manifest.sha256) return done(tampered(this.manifest, 'the stored object does not match its signed sha256'))
    done()
  }
}

class MemberCheck extends Transform {
  private index = 0
  private inMember = 0
  private hash: Hash = createHash('sha256')

  constructor(private readonly manifest: BackupManifest, private readonly members: readonly Member[]) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let at = 0
    while (at < chunk.length) {
      const member = this.members[this.index]
      if (!member) return done(tampered(this.manifest, 'it holds bytes after the last member its signed manifest lists'))
      const take = Math.min(chunk.length - at, member.length - this.inMember)
      this.hash.update(chunk.subarray(at, at + take))
      this.inMember += take
      at += take
      if (this.inMember === member.length) {
        const problem = this.finishMember(member)
        if (problem) return done(problem)
      }
    }
    done(null, chunk)
  }

  override _flush(done: TransformCallback): void {
    const member = this.members[this.index]
    done(member ? tampered(this.manifest, `it ends inside or before member ${nameOf(member)}, of which the signed manifest lists ${member.length} bytes`) : null)
  }

  private finishMember(member: Member): PgkeepError | null {
    const digest = this.hash.digest('hex')
    this.index += 1
    this.inMember = 0
    this.hash = createHash('sha256')
    if (member.sha256 === undefined) return tampered(this.manifest, `its signed manifest holds no checksum for member ${nameOf(member)}`)
    return digest === member.sha256 ? null : tampered(this.manifest, `member ${nameOf(member)} (offset ${member.offset}, ${member.length} bytes) does not match its signed sha256`)
  }
}

function nameOf(member: Member): string {
  return member.label ?? 'script'
}
