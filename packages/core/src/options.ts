// The dump options: one zod schema, the one place defaults live. Invalid options fail with
// OPTIONS_INVALID and a message that names the field.
import { availableParallelism } from 'node:os'
import * as z from 'zod/mini'
import { PgkeepError } from './errors'
import { parseOptions } from './parse-options'
import { ConnectionSchema } from './connection/connection-schema'

const patternList = z._default(z.array(z.string().check(z.minLength(1, 'a pattern must not be empty'))), [])

/** The fields, without the checks across fields (zod cannot omit() or partial() a refined object). */
export const DumpOptionsObject = z.strictObject({
  /** Connection string (URI or key=value) or libpq-style parameters; PG* variables fill the gaps. */
  connection: z.optional(ConnectionSchema),
  /** Alias of `connection` for a connection string. */
  connectionString: z.optional(z.string()),
  /** Dump only schemas matching these patterns (pg_dump -n). */
  schemas: patternList,
  /** Leave out schemas matching these patterns (pg_dump -N). */
  excludeSchemas: patternList,
  /** Dump only tables matching these patterns (pg_dump -t). */
  tables: patternList,
  /** Leave out tables matching these patterns (pg_dump -T). */
  excludeTables: patternList,
  /** Keep these tables' definitions but not their rows (pg_dump --exclude-table-data). */
  excludeTableData: patternList,
  /** Definitions only, no data. @default false */
  schemaOnly: z._default(z.boolean(), false),
  /** Data only, no definitions. @default false */
  dataOnly: z._default(z.boolean(), false),
  /** No ALTER … OWNER TO; restore as whoever runs the script. @default false */
  noOwner: z._default(z.boolean(), false),
  /** No GRANT/REVOKE. @default false */
  noPrivileges: z._default(z.boolean(), false),
  /** No COMMENT ON. @default false */
  noComments: z._default(z.boolean(), false),
  /** No publications. @default false */
  noPublications: z._default(z.boolean(), false),
  /** No subscriptions. @default false */
  noSubscriptions: z._default(z.boolean(), false),
  /** No SECURITY LABEL. @default false */
  noSecurityLabels: z._default(z.boolean(), false),
  /** No SET default_tablespace. @default false */
  noTablespaces: z._default(z.boolean(), false),
  /** Leave out the rows of unlogged tables. @default false */
  noUnloggedTableData: z._default(z.boolean(), false),
  /** Include large objects; default: when dumping the whole database with data. */
  largeObjects: z.optional(z.boolean()),
  /** Start with DROP statements for everything the dump creates. @default false */
  clean: z._default(z.boolean(), false),
  /** With clean: DROP … IF EXISTS. @default false */
  ifExists: z._default(z.boolean(), false),
  /** Load partitions through their root table. @default false */
  loadViaPartitionRoot: z._default(z.boolean(), false),
  /** Milliseconds to wait for each table lock before failing (at most 2147483647, lock_timeout's limit); default: wait. */
  lockWaitTimeout: z.optional(z.number().check(z.int(), z.positive(), z.maximum(2_147_483_647, 'must be at most 2147483647 ms (the server\'s lock_timeout limit)'))),
  /** Run in the snapshot another session exported (pg_export_snapshot). */
  snapshot: z.optional(z.string().check(z.regex(/^[0-9A-F]+-[0-9A-F]+-[0-9]+$/i, 'must be a snapshot id from pg_export_snapshot()'))),
  /**
   * The `\restrict` key wrapping the script (psql refuses meta-commands inside); `false` omits it
   * for psql older than the August 2025 releases. Default: a fresh random key.
   */
  restrictKey: z.optional(z.union([z.string().check(z.regex(/^[A-Za-z0-9]+$/, 'must be letters and digits only')), z.literal(false)])),
  /** Major version of the server the dump will be restored into; older than 17 omits SET transaction_timeout. */
  targetVersion: z.optional(z.number().check(z.int(), z.minimum(13), z.maximum(18))),
  /** Which pg_dump's output style to write (13..18); default: the source server's major version. */
  styleVersion: z.optional(z.number().check(z.int(), z.minimum(13), z.maximum(18))),
  /**
   * Sessions that copy table data at once (1..16), largest table first, each table compressed off the
   * main thread when the destination is gzip members (a backup, GzipMembers). Above 1 the dump uses
   * `jobs + 1` connections (a leader holds the snapshot and the locks; the workers import its
   * snapshot). 1 copies every table in the leader's session, one after the other.
   * @default the number of CPU cores, at most 4, for gzip members; into plain text (any other
   * stream) the data is copied serially unless `jobs` is given (workers only add work there), and
   * the default only opens the catalog's second session
   */
  jobs: z._default(z.number({ message: 'must be a whole number from 1 to 16' }).check(z.int('must be a whole number from 1 to 16'),
    z.minimum(1, 'must be a whole number from 1 to 16'), z.maximum(16, 'must be a whole number from 1 to 16')), defaultJobs),
  /** application_name of the dump connection. @default 'pgkeep' */
  applicationName: z._default(z.string(), 'pgkeep'),
})

/** The default of `jobs`: the number of CPU cores, at most 4. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), 4))
}

type DumpChecked = { schemaOnly?: boolean; dataOnly?: boolean; clean?: boolean; ifExists?: boolean; connection?: unknown; connectionString?: unknown }

/** The checks across fields, shared with the manager's `dump` option. */
export function checkDumpOptions(o: DumpChecked, ctx: z.core.$RefinementCtx): void {
  if (o.schemaOnly && o.dataOnly) ctx.addIssue({ code: 'custom', path: ['dataOnly'], message: 'schemaOnly and dataOnly cannot be used together' })
  if (o.clean && o.dataOnly) ctx.addIssue({ code: 'custom', path: ['clean'], message: 'clean and dataOnly cannot be used together' })
  if (o.ifExists && !o.clean) ctx.addIssue({ code: 'custom', path: ['ifExists'], message: 'ifExists requires clean' })
  if (o.connection !== undefined && o.connectionString !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['connectionString'], message: 'give either connection or connectionString, not both' })
  }
}

export const DumpOptionsSchema = DumpOptionsObject.check(z.superRefine(checkDumpOptions))

export type DumpOptions = z.input<typeof DumpOptionsSchema>
export type ResolvedDumpOptions = Readonly<z.output<typeof DumpOptionsSchema>>

export function resolveDumpOptions(input: unknown): ResolvedDumpOptions {
  if (input === null || typeof input !== 'object') {
    throw new PgkeepError('OPTIONS_INVALID', 'dump options must be an object')
  }
  return Object.freeze(parseOptions(DumpOptionsSchema, input, 'dump'))
}
