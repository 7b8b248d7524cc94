// `pgkeep list` and `pgkeep download`: the backup history in a folder or S3, and one backup's file.
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Command } from 'commander'
import { checkAlertsAtEnd } from '../alert-warnings'
import { managerFor, storageOptions, type Io, type StorageFlags } from '../backup-manager'
import { resolveBackupRef } from '../backup-ref'
import { integer } from '../collect'
import { openFileDestination } from '../file-destination'

export function listCommand(io: Io): Command {
  return storageOptions(new Command('list'))
    .description('list the backups in a folder or S3, newest first: id, time, type, size, signature, key, and for a base backup of the change archive the window it can be restored to. The signature is checked with PGKEEP_SIGNING_KEY (and PGKEEP_SIGNING_KEYS_OLD): signed, unsigned, TAMPERED (the manifest does not match its signature) UNKNOWN-KEY (signed with a key not configured) or NO-CHECKSUMS (signed, but the manifest holds no member checksums, so its bytes cannot be checked); without a key, a signed one shows as unchecked')
    .option('--limit <n>', 'at most this many', integer(1, 1_000_000))
    .option('--json', 'print the records as JSON')
    .action(async (flags: StorageFlags & { limit?: number; json?: boolean }) => {
      // A manifest that is not valid is skipped by the listing, and said as a warning (once per key), as every alert is.
      const backups = await managerFor(io, flags)
      const records = await backups.list(flags.limit ? { limit: flags.limit } : {})
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(records, null, 2)}\n`)
        return
      }
      for (const r of records) {
        io.stdout.write(`${r.id}  ${r.createdAt.toISOString()}  ${r.type.padEnd(9)}  ${String(r.size).padStart(12)}  ${signatureColumn(r)}  ${r.storagePath}${copiesColumn(r.copies)}${recoverableColumn(r.recoverable)}\n`)
      }
    })
}

/** `signed  `, `unsigned`, `TAMPERED`, `UNKNOWN-KEY`, `NO-CHECKSUMS` (signed, but no member checksums to check the bytes by), or `unchecked` (signed, and no key to check it with). */
function signatureColumn(r: { signed: boolean; signature?: string }): string {
  switch (r.signature) {
    case undefined:
      return r.signed ? 'signed  ' : 'unsigned'
    case 'valid':
      return 'signed  '
    case 'tampered':
    case 'unknown-key':
      return r.signature.toUpperCase()
    case 'no-member-checksums':
      // refused as the two above are: said the same way, short
      return 'NO-CHECKSUMS'
    default:
      return r.signature.padEnd(8)
  }
}

/** `  recoverable 2026-12-04T10:00:00.000Z to 2026-12-04T14:32:05.123Z (16/B374D848, 42 segments)` for a base backup of the change archive. */
function recoverableColumn(w: { from: Date; until: Date | null; untilLsn: string | null; segments: number } | undefined): string {
  if (!w) return ''
  if (!w.until) return `  recoverable to ${w.from.toISOString()} only (nothing archived yet)`
  return `  recoverable ${w.from.toISOString()} to ${w.until.toISOString()} (${w.untilLsn}, ${w.segments} segment${w.segments === 1 ? '' : 's'})`
}

/** `  copies: replica-1 ok, far-away FAILED` (nothing without replicas). */
function copiesColumn(copies: { storage: string; status: string }[]): string {
  if (copies.length === 0) return ''
  return `  copies: ${copies.map((c) => `${c.storage} ${c.status === 'failed' ? 'FAILED' : c.status}`).join(', ')}`
}

export function replicateCommand(io: Io): Command {
  return storageOptions(new Command('replicate'))
    .description('make the missing copies of every backup in the replicas (PGKEEP_REPLICA_<n>_* variables): failed ones, and older backups for a new replica')
    .option('--check', 'also read every copy in place and compare its sha256 with the manifest (damaged copies are made again)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StorageFlags & { check?: boolean; json?: boolean }) => {
      const backups = await managerFor(io, flags)
      const result = await backups.replicate({ check: flags.check ?? false })
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
      } else {
        for (const d of result.damaged) io.stdout.write(`damaged ${d.id} in ${d.storage}\n`)
        for (const c of result.copied) io.stdout.write(`copied ${c.id} to ${c.storage}\n`)
        for (const f of result.failed) io.stdout.write(`FAILED ${f.id} to ${f.storage}: ${f.error?.code} ${f.error?.message}\n`)
        // under a signing key, backups restore would refuse are not copied: named, so that a planted one is seen
        const skipped = result.skipped ?? []
        for (const u of skipped) io.stdout.write(`skipped ${u.id}: not copied, restore would refuse it (${u.reason})\n`)
        io.stdout.write(`${result.backups} backups: ${result.copied.length} copied, ${result.inPlace} in place, ${result.failed.length} failed${skipped.length > 0 ? `, ${skipped.length} skipped (untrusted)` : ''}\n`)
      }
      if (result.failed.length > 0) throw new Error(`${result.failed.length} copies failed`)
    })
}

export function downloadCommand(io: Io): Command {
  return storageOptions(new Command('download'))
    .description('write a backup\'s .sql.gz to a file or stdout')
    .argument('<id>', 'the backup id (uuid), or "latest": the newest full backup restore would use')
    .option('-o, --output <file>', 'write here instead of stdout (appears only when complete)')
    .action(async (ref: string, flags: StorageFlags & { output?: string }) => {
      const download = async () => {
        const backups = await managerFor(io, flags)
        return backups.download(await resolveBackupRef(backups, ref, io))
      }
      if (!flags.output) {
        const stream = await download()
        await pipeline(stream, io.stdout as NodeJS.WritableStream, { end: false })
        return
      }
      // the backup's bytes as stored (already gzip): on disk before the rename, under the name only when
      // whole; the path is checked before the backup is looked for
      const destination = await openFileDestination(flags.output, { gzip: false, cwd: io.cwd })
      try {
        const stream = await download()
        await pipeline(stream, destination.stream as Writable, { end: false })
        await destination.commit()
      } catch (error) {
        await destination.discard()
        throw error
      }
    })
}

export function cleanupCommand(io: Io): Command {
  return storageOptions(new Command('cleanup'))
    .description('delete old backups by the retention policy (default: older than 30 days; the newest always stays)')
    .argument('[connection]', 'the database whose backups these are (for the lock that keeps cleanup away from a backup being written); PG* variables fill the gaps')
    .option('--days <n>', 'keep backups younger than this many days', integer(0, 100_000))
    .option('--keep-last <n>', 'also keep the newest n backups', integer(0, 1_000_000))
    .option('--orphan-age <minutes>', 'sweep objects left without a manifest and unfinished writes of killed processes (.partial files) once this old', integer(0, 1_000_000), 60)
    .option('--dry-run', 'say what would be deleted, delete nothing')
    .option('--json', 'print the result as JSON')
    .action(async (connection: string | undefined, flags: StorageFlags & { days?: number; keepLast?: number; orphanAge: number; dryRun?: boolean; json?: boolean }) => {
      const retention = { maxAgeDays: flags.days ?? 30, ...(flags.keepLast !== undefined ? { keepLast: flags.keepLast } : {}) }
      const backups = await managerFor(io, flags, { retention, ...(connection ? { connection } : {}) })
      const result = await backups.cleanup({ dryRun: flags.dryRun ?? false, orphanAgeMinutes: flags.orphanAge })
      // the manager's checks after a cleanup (not after a dry run, as the manager's own): their alerts are said on stderr
      if (!flags.dryRun) await checkAlertsAtEnd(backups)
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
        return
      }
      if (result.busy) {
        io.stdout.write('a backup is being written; nothing was deleted\n')
        return
      }
      // With a signing key and backups it would not use: which backups the guarantees keep, and why the others are not counted.
      const untrusted = new Map((result.untrusted ?? []).map((u) => [u.id, u.reason]))
      const why = (id: string) => (untrusted.has(id) ? `  (untrusted: ${untrusted.get(id)})` : '')
      for (const r of result.deleted) io.stdout.write(`${flags.dryRun ? 'would delete' : 'deleted'} ${r.id}  ${r.createdAt.toISOString()}  ${r.storagePath}${why(r.id)}\n`)
      if (untrusted.size > 0) {
        for (const k of result.kept) io.stdout.write(`${flags.dryRun ? 'would keep' : 'kept'} ${k.id}  (${k.reasons.join(', ')})${why(k.id)}\n`)
        // only when no backup at all is trusted does an untrusted one stay as the newest
        const noneTrusted = result.kept.some((k) => untrusted.has(k.id) && k.reasons.includes('newest'))
        io.stdout.write(noneTrusted
          ? 'no backup is trusted (is PGKEEP_SIGNING_KEY the key that signed them?): the newest is kept all the same\n'
          : `${untrusted.size} untrusted backup(s), which restore refuses, never count as the newest (verified) backup; they are kept or deleted by the policy alone\n`)
      }
      for (const key of result.orphans) io.stdout.write(`${flags.dryRun ? 'would delete' : 'deleted'} orphan ${key} (no manifest)\n`)
      for (const name of result.incomplete) io.stdout.write(`${flags.dryRun ? 'would delete' : 'deleted'} unfinished ${name} (left by a killed process)\n`)
      for (const name of result.scratch.databases) io.stdout.write(`${flags.dryRun ? 'would drop' : 'dropped'} scratch database ${name} (left by a verify that did not finish)\n`)
      for (const name of result.scratch.roles) io.stdout.write(`${flags.dryRun ? 'would drop' : 'dropped'} scratch role ${name}\n`)
      for (const left of result.scratch.left) io.stderr.write(`pgkeep: warning: scratch ${left.kind} ${left.name} left: ${left.reason}\n`)
      io.stdout.write(`${result.deleted.length} ${flags.dryRun ? 'to delete' : 'deleted'}, ${result.kept.length} kept\n`)
      if (result.failed.length > 0) throw new Error(`${result.failed.length} backups could not be deleted: ${result.failed.map((f) => `${f.id} (${f.code})`).join(', ')}`)
    })
}
