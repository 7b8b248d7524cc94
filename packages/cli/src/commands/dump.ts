// `pgkeep dump`: pg_dump's plain format, to stdout or to a file (gzip when it ends in .gz).
import { dump, type DumpOptions, type DumpProgress } from '@pgkeep/core/engine'
import { Command, Option } from 'commander'
import { integer } from '../collect'
import { openFileDestination } from '../file-destination'
import { progressFor } from '../reporting'
import { selectionOptions, type SelectionFlags } from '../selection-options'

interface DumpFlags extends SelectionFlags {
  file?: string
  schemaOnly?: boolean
  dataOnly?: boolean
  owner: boolean
  privileges: boolean
  comments: boolean
  publications: boolean
  subscriptions: boolean
  securityLabels: boolean
  tablespaces: boolean
  unloggedTableData: boolean
  largeObjects?: boolean
  clean?: boolean
  ifExists?: boolean
  loadViaPartitionRoot?: boolean
  lockWaitTimeout?: number
  snapshot?: string
  restrictKey?: string | false
  targetVersion?: number
  styleVersion?: number
  jobs?: number
  verbose?: boolean
  quiet?: boolean
  json?: boolean
}

export function dumpCommand(io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv; signal?: AbortSignal; cwd?: string }): Command {
  return selectionOptions(new Command('dump'))
    .description('write a plain-SQL dump of one database (pg_dump -Fp compatible)')
    .option('-f, --file <path>', 'write to this file instead of stdout (gzip-compressed when it ends in .gz)')
    .option('-s, --schema-only', 'definitions only, no data')
    .option('-a, --data-only', 'data only, no definitions')
    .option('-c, --clean', 'start with DROP statements for the objects the dump creates')
    .option('--if-exists', 'with --clean: DROP … IF EXISTS')
    .option('-O, --no-owner', 'no ALTER … OWNER TO')
    .option('-x, --no-privileges', 'no GRANT/REVOKE')
    .option('--no-comments', 'no COMMENT ON')
    .option('--no-publications', 'no publications')
    .option('--no-subscriptions', 'no subscriptions')
    .option('--no-security-labels', 'no SECURITY LABEL')
    .option('--no-tablespaces', 'no SET default_tablespace')
    .option('--no-unlogged-table-data', 'leave out the rows of unlogged tables')
    .addOption(new Option('-b, --large-objects', 'include large objects (default when dumping the whole database)'))
    .addOption(new Option('-B, --no-large-objects', 'leave out large objects'))
    .option('--load-via-partition-root', 'load partitions through their root table')
    .option('--lock-wait-timeout <ms>', 'fail instead of waiting longer than this for a table lock', integer(1, 2_147_483_647))
    .option('--snapshot <id>', 'dump in a snapshot exported by pg_export_snapshot()')
    .option('--restrict-key <key>', 'the \\restrict key psql uses to refuse meta-commands inside the dump (default: random)')
    .option('--no-restrict-key', 'omit \\restrict/\\unrestrict (for psql older than the August 2025 releases)')
    .option('--target-version <major>', 'major version of the server the dump will be restored into', integer(13, 18))
    .option('--style-version <major>', 'write the output style of this pg_dump major version (default: the server\'s)', integer(13, 18))
    .option('-j, --jobs <n>', 'tables copied at once, each by its own session (jobs + 1 connections); default: the CPU cores, at most 4, for a .gz file, 1 for plain SQL', integer(1, 16))
    .option('-v, --verbose', 'report each step and a summary on stderr')
    .option('-q, --quiet', 'no progress on stderr')
    .option('--json', 'with --file: print the summary (tables, rows, bytes, warnings) as JSON on stdout')
    .action(async (connection: string | undefined, flags: DumpFlags) => {
      if (connection !== undefined && flags.dbname !== undefined) {
        throw usage('give the connection either as an argument or with --dbname, not both')
      }
      const options: DumpOptions = {
        ...(connection ?? flags.dbname ? { connection: connection ?? flags.dbname } : {}),
        schemas: flags.schema ?? [],
        excludeSchemas: flags.excludeSchema ?? [],
        tables: flags.table ?? [],
        excludeTables: flags.excludeTable ?? [],
        excludeTableData: flags.excludeTableData ?? [],
        schemaOnly: flags.schemaOnly ?? false,
        dataOnly: flags.dataOnly ?? false,
        clean: flags.clean ?? false,
        ifExists: flags.ifExists ?? false,
        noOwner: !flags.owner,
        noPrivileges: !flags.privileges,
        noComments: !flags.comments,
        noPublications: !flags.publications,
        noSubscriptions: !flags.subscriptions,
        noSecurityLabels: !flags.securityLabels,
        noTablespaces: !flags.tablespaces,
        noUnloggedTableData: !flags.unloggedTableData,
        loadViaPartitionRoot: flags.loadViaPartitionRoot ?? false,
        ...(flags.largeObjects !== undefined ? { largeObjects: flags.largeObjects } : {}),
        ...(flags.lockWaitTimeout !== undefined ? { lockWaitTimeout: flags.lockWaitTimeout } : {}),
        ...(flags.snapshot !== undefined ? { snapshot: flags.snapshot } : {}),
        ...(flags.restrictKey !== undefined ? { restrictKey: flags.restrictKey } : {}),
        ...(flags.targetVersion !== undefined ? { targetVersion: flags.targetVersion } : {}),
        ...(flags.styleVersion !== undefined ? { styleVersion: flags.styleVersion } : {}),
        ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
      }
      const report = flags.verbose ? progressReporter(io.stderr) : undefined
      if (flags.json && !flags.file) throw usage('--json needs --file: without it, stdout is the dump')
      const progress = progressFor(io.stderr, flags)
      const onProgress = (p: DumpProgress) => {
        if (p.phase === 'catalog') progress.step('reading the catalog')
        if (p.phase === 'data') {
          progress.update({ done: p.totalBytes, total: p.totalEstimatedBytes, item: `${p.schema}.${p.table}` })
        }
        report?.(p)
      }
      const destination = flags.file ? await openFileDestination(flags.file, { cwd: io.cwd }) : null
      try {
        const summary = await dump(options, destination?.stream ?? io.stdout, { env: io.env, onProgress, ...(io.signal ? { signal: io.signal } : {}) })
        await destination?.commit()
        progress.end()
        if (flags.json) {
          const rows = summary.tables.reduce((n, t) => n + t.rows, 0)
          io.stdout.write(`${JSON.stringify({ file: flags.file, tables: summary.tables.length, rows, bytes: summary.bytes, durationMs: summary.durationMs, warnings: summary.warnings }, null, 2)}\n`)
        }
        for (const warning of summary.warnings) io.stderr.write(`pgkeep: warning: ${warning}\n`)
        if (flags.verbose) {
          const rows = summary.tables.reduce((n, t) => n + t.rows, 0)
          io.stderr.write(`pgkeep: dumped ${summary.tables.length} tables, ${rows} rows, ${summary.bytes} bytes in ${summary.durationMs} ms\n`)
        }
      } catch (error) {
        progress.end()
        await destination?.discard()
        throw error
      }
    })
}

export class UsageError extends Error {}

function usage(message: string): UsageError {
  return new UsageError(message)
}

function progressReporter(stderr: NodeJS.WritableStream): (p: DumpProgress) => void {
  let lastTable = ''
  return (p) => {
    if (p.phase === 'catalog') stderr.write('pgkeep: reading the catalog\n')
    else if (p.phase === 'schema') stderr.write(`pgkeep: ${p.entries} entries to write\n`)
    else if (p.phase === 'data') {
      const key = `${p.schema}.${p.table}`
      if (key !== lastTable) {
        lastTable = key
        stderr.write(`pgkeep: dumping data of table ${key} (${p.tableIndex + 1}/${p.tableCount})\n`)
      }
    }
  }
}
