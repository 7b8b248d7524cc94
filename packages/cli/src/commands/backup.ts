// `pgkeep backup`: one managed backup (gzip, a member per table, manifest written last) into a folder or
// S3, configured by flags and PGKEEP_* variables; prints the record.
import type { BackupProgress } from '@pgkeep/core'
import { Command, InvalidArgumentError } from 'commander'
import { collect, integer } from '../collect'
import { checkAlertsAtEnd } from '../alert-warnings'
import { managerFor, storageOptions, type Io, type StorageFlags } from '../backup-manager'
import { progressFor } from '../reporting'
import { selectionOptions, type SelectionFlags } from '../selection-options'

interface BackupFlags extends StorageFlags, SelectionFlags {
  type: 'manual' | 'scheduled'
  actor?: string
  /** The old name of --actor. */
  createdBy?: string
  namePrefix: string
  compress: number
  maxSize?: number
  jobs?: number
  json?: boolean
  verbose?: boolean
  quiet?: boolean
}

export function backupCommand(io: Io): Command {
  return selectionOptions(storageOptions(new Command('backup')))
    .description('make a backup (.sql.gz + manifest) in a folder or S3 and print its record')
    .option('--recipient <age-public-key>', 'encrypt to this age recipient (repeatable; or PGKEEP_ENCRYPTION_RECIPIENTS, or a passphrase in PGKEEP_ENCRYPTION_PASSPHRASE)', collect)
    .option('--type <type>', 'manual or scheduled', (v) => {
      if (v !== 'manual' && v !== 'scheduled') throw new InvalidArgumentError(`expected manual or scheduled, got "${v}"`)
      return v
    }, 'manual')
    .option('--actor <who>', "who asks: recorded as the backup's createdBy and in the audit trail")
    .option('--created-by <who>', 'the old name of --actor')
    .option('--name-prefix <prefix>', 'file names <prefix>-YYYY-MM-DD-<ms>-<id8>.sql.gz', 'backup')
    .option('--compress <level>', 'gzip level 1 (fast) to 9 (small)', integer(1, 9), 6)
    .option('--max-size <bytes>', 'fail instead of storing a backup larger than this', integer(1, Number.MAX_SAFE_INTEGER))
    .option('-j, --jobs <n>', 'tables copied and compressed at once (jobs + 1 connections; or PGKEEP_JOBS); default: the CPU cores, at most 4', integer(1, 16))
    .option('--json', 'print the record as JSON')
    .option('-v, --verbose', 'report each table on stderr')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (connection: string | undefined, flags: BackupFlags) => {
      const conn = connection ?? flags.dbname
      const backups = await managerFor(io, flags, {
        ...(conn ? { connection: conn } : {}),
        namePrefix: flags.namePrefix,
        compressionLevel: flags.compress,
        ...(flags.maxSize ? { maxSizeBytes: flags.maxSize } : {}),
        ...(flags.jobs !== undefined ? { dump: { jobs: flags.jobs } } : {}),
        // The app's limit on manual backups guards a button; an operator's command is not limited.
        rateLimit: false,
      }, { writes: true })
      const progress = progressFor(io.stderr, flags)
      let lastTable = ''
      progress.step('reading the catalog')
      const record = await backups.create({
        type: flags.type,
        ...(io.signal ? { signal: io.signal } : {}),
        ...(flags.actor ?? flags.createdBy ? { actor: flags.actor ?? flags.createdBy } : {}),
        ...(flags.table ? { tables: flags.table } : {}),
        ...(flags.excludeTable ? { excludeTables: flags.excludeTable } : {}),
        ...(flags.schema ? { schemas: flags.schema } : {}),
        ...(flags.excludeSchema ? { excludeSchemas: flags.excludeSchema } : {}),
        ...(flags.excludeTableData ? { excludeTableData: flags.excludeTableData } : {}),
        onProgress: (p: BackupProgress) => {
          if (p.phase === 'finishing') progress.step('writing the manifest')
          if (p.phase !== 'data' || !p.table) return
          progress.update({ done: p.bytesDone, total: p.bytesTotal, item: p.table })
          if (flags.verbose && p.table !== lastTable) {
            lastTable = p.table
            const percent = p.bytesTotal > 0 ? Math.min(100, Math.round((p.bytesDone / p.bytesTotal) * 100)) : 0
            io.stderr.write(`pgkeep: ${String(percent).padStart(3)}% ${p.table} (${p.tablesDone + 1}/${p.tablesTotal})\n`)
          }
        },
      }).catch(async (error: unknown) => {
        // the manager's checks after a failed backup too (no recent success, …); the failure is what the command says of itself
        progress.end()
        await checkAlertsAtEnd(backups, { sayCheckFailure: false })
        throw error
      })
      progress.end()
      // the manager's checks after the backup (a cron job's view of the archive's lag, the quota, …)
      await checkAlertsAtEnd(backups)
      if (flags.json) io.stdout.write(`${JSON.stringify(record, null, 2)}\n`)
      else io.stdout.write(`${record.id} ${backups.storage.kind}:${record.storagePath} ${record.size} bytes, ${record.metadata.recordCount} rows, ${record.metadata.duration} ms\n`)
    })
}
