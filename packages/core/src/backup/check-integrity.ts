// Does the stored object still match its manifest? Size and sha256 of the whole object first; when they
// differ, each gzip member is read and inflated on its own, to say which table (or which part of the
// script) is damaged and how.
import { createHash } from 'node:crypto'
import { createGunzip } from 'node:zlib'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'
import type { BackupManifest } from '../manifest/manifest'
import type { StorageDriver } from '../storage/driver'
import { decryptedMemberDamage } from '../crypto/decrypted-members'

export interface IntegrityReport {
  ok: boolean
  size: number
  expectedSize: number
  sha256: string
  expectedSha256: string
  /** The members that do not inflate, or end short: `table:public.bills`, `large objects`, or `script` for unlabelled ones. */
  damaged: { member: string; offset: number; length: number; problem: string }[]
}

/**
 * `decrypted` opens the decrypted object of an encrypted backup: its members are then checked on the
 * decrypted stream (their offsets are positions in it), not by ranged reads of the stored object.
 */
export async function checkIntegrity(storage: StorageDriver, manifest: BackupManifest, decrypted?: () => Promise<NodeJS.ReadableStream> | NodeJS.ReadableStream): Promise<IntegrityReport> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of (await storage.get(manifest.storagePath)) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    size += chunk.length
  }
  const report: IntegrityReport = { ok: false, size, expectedSize: manifest.size, sha256: hash.digest('hex'), expectedSha256: manifest.sha256, damaged: [] }
  report.ok = size === manifest.size && report.sha256 === manifest.sha256
  if (report.ok) return report
  if (manifest.encryption) {
    if (decrypted) report.damaged = await decryptedMemberDamage(decrypted, manifest.members)
    return report
  }
  for (const member of manifest.members) {
    const name = member.label ?? 'script'
    if (member.offset + member.length > size) {
      report.damaged.push({ member: name, offset: member.offset, length: member.length, problem: member.offset >= size ? 'missing: the object ends before it' : `cut short: the object ends ${size - member.offset} bytes into it` })
      continue
    }
    const problem = await inflateProblem(storage, manifest.storagePath, member)
    if (problem) report.damaged.push({ member: name, offset: member.offset, length: member.length, problem })
  }
  return report
}

async function inflateProblem(storage: StorageDriver, key: string, member: { offset: number; length: number; uncompressed: number }): Promise<string | null> {
  let inflated = 0
  try {
    await pipeline(
      (await storage.get(key, { start: member.offset, end: member.offset + member.length - 1 })) as NodeJS.ReadableStream,
      createGunzip(),
      new Writable({ write: (chunk: Buffer, _e, done) => { inflated += chunk.length; done() } }),
    )
  } catch (error) {
    return `does not inflate: ${(error as Error).message}`
  }
  return inflated === member.uncompressed ? null : `inflates to ${inflated} bytes instead of ${member.uncompressed}`
}
