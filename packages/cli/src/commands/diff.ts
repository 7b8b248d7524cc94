// `pgkeep diff <a> <b>`: what changed between two backups (ids, compared from their manifests and
// definition members without reading rows) or dump files (read whole), as text or --json.
import { resolve } from 'node:path'
import { Command } from 'commander'
import type { BackupDiff, DiffSide } from '@pgkeep/core'
import { managerFor, storageOptions, type Io, type StorageFlags } from '../backup-manager'
import { isBackupRef, resolveBackupRef } from '../backup-ref'
import { ExitStatus } from '../exit-status'
import { library } from '../library'

export function diffCommand(io: Io): Command {
  return storageOptions(new Command('diff'), { identity: true, when: 'for backup ids' })
    .description('compare two backups (ids) or dump files (.sql or .sql.gz): schema objects added, removed or changed, rows and sequences')
    .argument('<a>', 'the older backup: an id, "latest", or a dump file')
    .argument('<b>', 'the newer backup: an id, "latest" (the newest full backup restore would use), or a dump file')
    .option('--json', 'print the comparison as JSON')
    .option('--exit-code', 'exit with 3 when the two differ (as `git diff --exit-code` does)')
    .action(async (a: string, b: string, flags: StorageFlags & { json?: boolean; exitCode?: boolean }) => {
      const diff = await compare(io, flags, a, b)
      const { formatDiff } = await library()
      io.stdout.write(flags.json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiff(diff))
      if (flags.exitCode && !diff.identical) throw new ExitStatus(DIFFERENT)
    })
}

/** The exit status of `diff --exit-code` when the two differ. */
export const DIFFERENT = 3

// --- internal ---

async function compare(io: Io, flags: StorageFlags, a: string, b: string): Promise<BackupDiff> {
  if (isBackupRef(a) && isBackupRef(b)) {
    const backups = await managerFor(io, flags)
    return backups.compare(await resolveBackupRef(backups, a, io), await resolveBackupRef(backups, b, io))
  }
  const { diffBackups, fileSide } = await library()
  const side = async (arg: string): Promise<DiffSide> => {
    if (!isBackupRef(arg)) return fileSide(resolve(io.cwd, arg), arg)
    // an id beside a file: its dump is read whole, as the file's is
    const backups = await managerFor(io, flags)
    const id = await resolveBackupRef(backups, arg, io)
    return fileSide(await backups.download(id), id)
  }
  const [x, y] = await Promise.all([side(a), side(b)])
  return diffBackups(x, y)
}
