// `pgkeep archive`: the change archiver for point-in-time recovery in the foreground, for a container or a
// systemd service. Prints a line per stored segment (or a JSON object per line). SIGTERM or SIGINT stores
// what is pending, confirms it to the server and exits 0; a second signal ends the process at once (what
// was not stored is sent again by the server on the next start: nothing is lost). `--drop` runs no
// archiver: it drops the archive's slot, so that the server stops keeping WAL for it.
import { Command } from 'commander'
import { managerFor, storageOptions, type Io, type StorageFlags } from '../backup-manager'
import { integer } from '../collect'
import { ExitStatus } from '../exit-status'

interface ArchiveFlags extends StorageFlags {
  dbname?: string
  slot?: string
  publication?: string
  segmentSeconds?: number
  segmentBytes?: number
  allowPlainSegments?: boolean
  drop?: boolean
  json?: boolean
}

export function archiveCommand(io: Io): Command {
  return storageOptions(new Command('archive'))
    .description('archive the database\'s committed transactions (logical replication) beside a base backup, for restores to a point in time; runs until SIGTERM or SIGINT (stores what is pending, exits 0)')
    .argument('[connection]', 'the database (connection URL or "key=value …"); PG* variables and PGKEEP_DATABASE_URL fill the gaps')
    .option('-d, --dbname <connection>', 'same as the connection argument')
    .option('--slot <name>', 'the replication slot (or PGKEEP_ARCHIVE_SLOT; default pgkeep_<database>)')
    .option('--publication <name>', 'the publication to read (or PGKEEP_ARCHIVE_PUBLICATION; default pgkeep_archive, created for all tables)')
    .option('--segment-seconds <n>', 'close a segment once its first transaction is this many seconds old (or PGKEEP_ARCHIVE_SEGMENT_SECONDS; default 60)', integer(1, 86_400))
    .option('--segment-bytes <n>', 'or once it holds this many bytes of changes (or PGKEEP_ARCHIVE_SEGMENT_BYTES; default 16 MiB)', integer(1024, 1024 ** 3))
    .option('--allow-plain-segments', 'no longer needed, without effect: segments are encrypted as the backups are (or PGKEEP_ARCHIVE_ALLOW_PLAIN_SEGMENTS=1)')
    .option('--drop', 'run no archiver: drop the archive\'s replication slot and, once no logical slot of the database is left, pgkeep\'s own publication pgkeep_archive (refused while an archiver runs); the stored chains stay restorable up to where they end')
    .option('--json', 'log one JSON object per line')
    .action(async (connection: string | undefined, flags: ArchiveFlags) => {
      const conn = connection ?? flags.dbname
      const backups = await managerFor(io, flags, { ...(conn ? { connection: conn } : {}), rateLimit: false }, { writes: true, logsAlerts: true })
      const log = (event: string, fields: Record<string, unknown>, text: string) => {
        const at = new Date().toISOString()
        io.stdout.write(flags.json ? `${JSON.stringify({ at, event, ...fields })}\n` : `${at} ${text}\n`)
      }
      const options = {
        ...(flags.slot ? { slot: flags.slot } : {}),
        ...(flags.publication ? { publication: flags.publication } : {}),
        ...(flags.segmentSeconds !== undefined ? { segmentSeconds: flags.segmentSeconds } : {}),
        ...(flags.segmentBytes !== undefined ? { segmentBytes: flags.segmentBytes } : {}),
        ...(flags.allowPlainSegments ? { allowPlainSegments: true } : {}),
      }

      if (flags.drop) {
        const result = await backups.dropArchiveSlot({ ...(flags.slot ? { slot: flags.slot } : {}) })
        const kept = result.chain
          ? `the newest chain (base backup ${result.chain.id}) stays in storage, restorable up to ${result.chain.until?.toISOString() ?? 'its base backup'}${result.chain.untilLsn ? ` (${result.chain.untilLsn})` : ''}; the next pgkeep archive begins a new chain with a new base backup`
          : 'no chain of this archive is stored'
        const publication = result.publicationDropped ? `; dropped the publication ${result.publicationDropped}` : ''
        log('dropped', { slots: result.dropped, publication: result.publicationDropped, chain: result.chain },
          `${result.dropped.length ? `dropped the replication slot ${result.dropped.join(', ')}` : 'the archive has no replication slot: nothing to drop'}${publication}; ${kept}`)
        return
      }

      if (!io.signal) throw new Error('pgkeep archive needs the signals of a process to stop')
      backups.on('backup:start', (e) => log('base-backup-start', { id: e.id }, `base backup ${e.id} started`))
      backups.on('backup:success', ({ record: r }) => log('base-backup-stored', { id: r.id, storagePath: r.storagePath, size: r.size }, `base backup ${r.id} stored: ${r.storagePath}, ${r.size} bytes`))
      backups.on('archive:chain', (e) => log('chain', { reason: e.reason, chainId: e.chainId, slot: e.slot, previousChain: e.previousChain ?? null, pitrGap: e.pitrGap }, `chain: ${e.message}`))
      backups.on('archive:start', (e) => log('started', { slot: e.slot, publication: e.publication, chainId: e.chainId, resumed: e.resumed },
        `archiving into chain ${e.chainId} (${e.resumed ? 'resumed' : 'new'}) from slot ${e.slot}, publication ${e.publication}`))
      backups.on('archive:segment', (e) => log('segment', { chainId: e.chainId, firstCommitLsn: e.firstCommitLsn, endLsn: e.endLsn, lastCommitAt: e.lastCommitAt.toISOString(), transactions: e.transactions, size: e.size },
        `segment ${e.firstCommitLsn}..${e.endLsn}: ${e.transactions} transactions up to ${e.lastCommitAt.toISOString()}, ${e.size} bytes`))
      backups.on('archive:error', (e) => {
        if (e.willRetry) log('error', { code: e.code, message: e.message, retryInSeconds: e.retryInSeconds }, `error: ${e.message} [${e.code}]; trying again in ${e.retryInSeconds} s`)
      })
      backups.on('alert', (e) => log('alert', { kind: e.kind, message: e.message }, `alert ${e.kind}: ${e.message}`))

      const handle = backups.archive(options)
      const signal = io.signal
      const stopped = new Promise<string>((resolve) => (signal.aborted ? resolve('signal') : signal.addEventListener('abort', () => resolve('signal'), { once: true })))
      const ended = await Promise.race([stopped, handle.done.then(() => 'done', () => 'failed')])
      if (ended === 'signal') {
        log('stopping', {}, 'stopping: storing what is pending')
        await handle.stop()
      }
      const summary = await handle.done // a failure is reported as any command's error
      log('stopped', { ...summary, archivedUpToTime: summary.archivedUpToTime?.toISOString() ?? null },
        `stopped: ${summary.segments} segments, ${summary.transactions} transactions stored; chain ${summary.chainId ?? '-'} archived up to ${summary.archivedUpTo ?? '-'}`)
      if (ended !== 'signal') throw new ExitStatus(1)
    })
}
