// How the commands that take a stored backup name it: its id, or `latest` for the newest backup a restore
// would use (BackupManager.latest(): partial and, under a signing key, untrusted backups passed over), so
// that a cron job or a runbook can say `pgkeep verify latest` without listing first. The backup `latest`
// stands for is named on stderr before the command goes on.
import { PgkeepError } from '@pgkeep/core/engine'
import type { BackupManager } from '@pgkeep/core'
import type { Io } from './backup-manager'
import type { UntilValue } from './until-option'

/** The word that stands for the newest backup restore would use. */
export const LATEST = 'latest'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether the argument names a stored backup: an id, or `latest`. */
export function isBackupRef(arg: string): boolean {
  return arg === LATEST || UUID.test(arg)
}

/**
 * The id the argument names: an id as it is; for `latest` the newest backup restore would use (with
 * `until`, restore --until's point: the newest base backup of the change archive whose window starts at
 * or before it), said on stderr ("pgkeep: latest is <id> …"), or BACKUP_NOT_FOUND when the storage holds none.
 */
export async function resolveBackupRef(backups: BackupManager, ref: string, io: Pick<Io, 'stderr'>, until?: UntilValue): Promise<string> {
  if (ref !== LATEST) return ref
  const record = await backups.latest(until !== undefined ? { until } : {})
  const vouched = backups.checksDownloads ? ' that the signing key vouches for' : ''
  if (!record && until !== undefined) {
    throw new PgkeepError('BACKUP_NOT_FOUND', `no backup for "latest" with --until ${describeUntil(until)}: the storage holds no base backup of the change archive${vouched} whose window starts at or before it`, {
      hint: 'pgkeep list shows each base backup\'s window ("recoverable … to …"); a point before the first base backup cannot be reached',
    })
  }
  if (!record) {
    throw new PgkeepError('BACKUP_NOT_FOUND', `no backup for "latest": the storage holds no full backup${vouched}`, {
      hint: `pgkeep list shows what it holds; partial backups (-t, -n, -s, -a${backups.checksDownloads ? ', and untrusted ones' : ''}) are never "latest": name one by its id`,
    })
  }
  io.stderr.write(`pgkeep: latest is ${record.id} (${record.createdAt.toISOString()}, ${record.storagePath})\n`)
  return record.id
}

// --- internal ---

function describeUntil(until: UntilValue): string {
  if (until instanceof Date) return until.toISOString()
  return 'lsn' in until ? until.lsn : `xid:${until.xid}`
}
