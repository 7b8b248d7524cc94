// `pgkeep schedule`: the manager's schedule in the foreground, for a container or a systemd service.
// Logs every run (a line each, or a JSON object per line). SIGTERM (systemctl stop, docker stop) lets a
// running backup finish and exits 0; SIGINT (Ctrl-C) aborts it, nothing half written is kept, exit 130.
import { connect, isPgkeepError, resolveConnection } from '@pgkeep/core/engine'
import { Command } from 'commander'
import { managerFor, storageOptions, type Io, type StorageFlags } from '../backup-manager'
import { collect, integer } from '../collect'
import { ExitStatus } from '../exit-status'
import { INTERRUPTED, interruptOf } from '../interrupt'

interface ScheduleFlags extends StorageFlags {
  dbname?: string
  backup?: string
  cleanup?: string
  timezone?: string
  days: number
  keepLast?: number
  namePrefix: string
  json?: boolean
}

export function scheduleCommand(io: Io): Command {
  return storageOptions(new Command('schedule'))
    .description('run scheduled backups and cleanups in the foreground until SIGTERM (finish the running backup, exit 0) or SIGINT (abort it, exit 130)')
    .argument('[connection]', 'the database (connection URL or "key=value …"); PG* variables and PGKEEP_DATABASE_URL fill the gaps')
    .option('-d, --dbname <connection>', 'same as the connection argument')
    // without the flags backups.schedule() takes core's DEFAULT_BACKUP_CRON and DEFAULT_CLEANUP_CRON (the
    // command does not load core's schedule before a command runs); engine-start-up.test.ts holds this text to them
    .option('--backup <cron>', 'when to back up (cron pattern, in --timezone), or "off" (default: "0 2 * * *", every day at 02:00)')
    .option('--cleanup <cron>', 'when to apply retention, or "off" (default: "0 3 * * 0", Sundays at 03:00)')
    .option('--timezone <zone>', 'IANA time zone of the patterns (default: the machine\'s)')
    .option('--days <n>', 'retention: keep backups younger than this many days (the newest always stays)', integer(0, 100_000), 30)
    .option('--keep-last <n>', 'retention: also keep the newest n backups', integer(1, 1_000_000))
    .option('--name-prefix <prefix>', 'file names <prefix>-YYYY-MM-DD-<ms>-<id8>.sql.gz', 'backup')
    .option('--recipient <age-public-key>', 'encrypt to this age recipient, as pgkeep backup does (repeatable; or PGKEEP_ENCRYPTION_RECIPIENTS, or a passphrase in PGKEEP_ENCRYPTION_PASSPHRASE)', collect)
    .option('--json', 'log one JSON object per line')
    .action(async (connection: string | undefined, flags: ScheduleFlags) => {
      if (!io.signal) throw new Error('pgkeep schedule needs the signals of a process to stop')
      const conn = connection ?? flags.dbname
      const backups = await managerFor(io, flags, {
        ...(conn ? { connection: conn } : {}),
        namePrefix: flags.namePrefix,
        rateLimit: false,
        retention: { maxAgeDays: flags.days, ...(flags.keepLast ? { keepLast: flags.keepLast } : {}) },
      }, { writes: true, logsAlerts: true })
      const log = (event: string, fields: Record<string, unknown>, text: string) => {
        const at = new Date().toISOString()
        io.stdout.write(flags.json ? `${JSON.stringify({ at, event, ...fields })}\n` : `${at} ${text}\n`)
      }
      backups.on('backup:start', (e) => {
        if (e.type === 'scheduled') log('backup-start', { id: e.id }, `backup ${e.id} started`)
      })
      backups.on('backup:success', ({ record: r }) => log('backup-success', { id: r.id, storagePath: r.storagePath, size: r.size, rows: r.metadata.recordCount, durationMs: r.metadata.duration },
        `backup ${r.id} stored: ${r.storagePath}, ${r.size} bytes, ${r.metadata.recordCount} rows, ${r.metadata.duration} ms`))
      backups.on('backup:failure', (e) => log('backup-failure', { code: e.code, message: e.message }, `backup failed: ${e.message} [${e.code}]`))
      backups.on('cleanup', (e) => log('cleanup', { deleted: e.deleted.map((r) => r.id), kept: e.kept }, `cleanup: deleted ${e.deleted.length}, kept ${e.kept}`))
      backups.on('schedule:run', (e) => {
        if (e.outcome === 'ran' || e.outcome === 'failed') return
        const why = e.outcome === 'busy' ? 'a backup was being written' : 'another instance runs or ran it'
        log('skipped', { job: e.job, scheduledFor: e.scheduledFor.toISOString(), outcome: e.outcome }, `${e.job} of ${e.scheduledFor.toISOString()} skipped: ${why}`)
      })
      backups.on('alert', (e) => log('alert', { kind: e.kind, message: e.message }, `alert ${e.kind}: ${e.message}`))

      const handle = backups.schedule({
        ...(flags.backup === undefined ? {} : { backup: flags.backup === 'off' ? false : flags.backup }),
        ...(flags.cleanup === undefined ? {} : { cleanup: flags.cleanup === 'off' ? false : flags.cleanup }),
        ...(flags.timezone ? { timezone: flags.timezone } : {}),
        actor: 'pgkeep schedule',
      })
      const next = handle.nextRuns(1)
      log('started', { backup: handle.backup, cleanup: handle.cleanup, timezone: handle.timezone, nextBackup: next.backup[0]?.toISOString() ?? null, nextCleanup: next.cleanup[0]?.toISOString() ?? null },
        `schedule started (${handle.timezone}): backup ${handle.backup === false ? 'off' : `"${handle.backup}"`}, cleanup ${handle.cleanup === false ? 'off' : `"${handle.cleanup}"`}; next backup ${next.backup[0]?.toISOString() ?? '-'}`)

      const signal = io.signal
      // A wrong database or a server that is down would otherwise show only at the first backup, maybe
      // hours from now: look once at start, say what was found, and keep running either way (the server
      // may come up later; each backup connects again).
      const checked = checkDatabase(conn ?? (io.env.PGKEEP_DATABASE_URL || io.env.DATABASE_URL || undefined), io.env, signal, log)
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })))
      const which = interruptOf(signal) ?? 'SIGTERM'
      const busy = backups.running()
      if (which === 'SIGINT') {
        log('stopping', { signal: which, aborting: busy.map((b) => b.id) }, busy.length ? `SIGINT: aborting backup ${busy.map((b) => b.id).join(', ')}` : 'SIGINT: stopping')
        await handle.stop({ abort: true })
      } else {
        log('stopping', { signal: which, waitingFor: busy.map((b) => b.id) }, busy.length ? `SIGTERM: letting backup ${busy.map((b) => b.id).join(', ')} finish` : 'SIGTERM: stopping')
        await handle.stop()
      }
      await checked
      log('stopped', {}, 'schedule stopped')
      if (which === 'SIGINT') throw new ExitStatus(INTERRUPTED)
    })
}


/** Connects once to the database the schedule backs up and logs `database-ok` or `database-unreachable`; never throws. */
async function checkDatabase(connection: string | undefined, env: NodeJS.ProcessEnv, signal: AbortSignal,
  log: (event: string, fields: Record<string, unknown>, text: string) => void): Promise<void> {
  let where = 'the database'
  try {
    const resolved = resolveConnection(connection, env)
    where = resolved.describe()
    const client = await connect(resolved, { applicationName: 'pgkeep schedule', signal })
    await client.end().catch(() => {})
    log('database-ok', { database: where }, `database ${where} answers`)
  } catch (error) {
    // stopped while connecting: the stop is what the log says next
    if (signal.aborted) return
    const code = isPgkeepError(error) ? error.code : 'CONNECT_FAILED'
    const message = error instanceof Error ? error.message : String(error)
    log('database-unreachable', { database: where, code, message },
      `database check failed: ${message} [${code}]; the schedule keeps running and connects again at each backup`)
  }
}
