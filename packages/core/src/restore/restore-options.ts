// Options of restore(), validated once; invalid ones fail with OPTIONS_INVALID naming the field.
import { constants } from 'node:buffer'
import * as z from 'zod/mini'
import { PgkeepError } from '../errors'
import { parseOptions } from '../parse-options'
import { ConnectionSchema } from '../connection/connection-schema'
import { DEFAULT_MAX_STATEMENT_BYTES } from './split-script'

const names = z.array(z.string().check(z.minLength(1, 'a name must not be empty')))

const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/
/** A point to restore to: a time, a WAL position, a transaction id. ISO strings (from JSON) must carry a time zone. */
export const UntilSchema = z.union([
  z.date({ message: 'must be a valid Date' }),
  z.pipe(z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time with a time zone (2026-12-04T14:32:05Z)' }), z.transform((s) => new Date(s))),
  z.strictObject({ lsn: z.string().check(z.regex(LSN, 'must be a WAL position as PostgreSQL prints it (16/B374D848)')) }),
  z.strictObject({ xid: z.number().check(z.int(), z.minimum(3, 'must be a normal transaction id (3 or more)'), z.maximum(0xffffffff, 'must fit in 32 bits')) }),
], { message: 'must be a Date, an ISO time, { lsn: "16/B374D848" } or { xid: 1234 }' })

/** backups.latest()'s options: the point a restore is to reach, as restore()'s `until`. */
export const LatestOptionsSchema = z.strictObject({ until: z.optional(UntilSchema) })

/** Sessions a restore applies the script in (restore's and verify's `jobs`). */
export const JobsSchema = z.number({ message: 'must be a whole number from 1 to 16' }).check(z.int('must be a whole number from 1 to 16'),
  z.minimum(1, 'must be a whole number from 1 to 16'), z.maximum(16, 'must be a whole number from 1 to 16'))

export const RestoreOptionsSchema = z.pipe(z.strictObject({
  /** The database to restore into (connection string or libpq keywords; PG* variables fill the gaps). With createDatabase: a database on the server to connect to first. */
  target: z.optional(ConnectionSchema),
  /** Create this database (from template0) on the target's server and restore into it; it is dropped again if the restore fails. */
  createDatabase: z.optional(z.string().check(z.minLength(1), z.maxLength(63, 'a database name has at most 63 bytes'))),
  /** Drop what the script creates, where it exists, before creating it. @default false */
  clean: z._default(z.boolean(), false),
  /**
   * One transaction: all or nothing. Cannot hold with `jobs` above 1 (each session commits its own
   * work; a failure then drops what the restore created instead).
   * @default true with jobs 1, false with more
   */
  singleTransaction: z.optional(z.boolean()),
  /**
   * Sessions that apply the script at once (1..16). Above 1: definitions in one session, then each
   * table's data in whichever of `jobs` worker sessions is free, then index and constraint builds in
   * parallel (`jobs + 1` connections). A failure stops every session and drops the database the
   * restore created, or what it created in the target. See the README, "Parallel restore".
   * @default 1
   */
  jobs: z._default(JobsSchema, 1),
  noOwner: z._default(z.boolean(), false),
  noPrivileges: z._default(z.boolean(), false),
  schemaOnly: z._default(z.boolean(), false),
  dataOnly: z._default(z.boolean(), false),
  /** Only these tables (views, sequences) and their data, sequences and defaults: `schema.table` or `table`. */
  tables: z.optional(names),
  /** Only the entries in these schemas. */
  schemas: z.optional(names),
  /** Restore into a database that already holds objects without clean. @default false */
  allowNonEmpty: z._default(z.boolean(), false),
  /**
   * Run statements that pg_dump and pgkeep never write (COPY … FROM PROGRAM, DO blocks, ALTER SYSTEM,
   * C functions, …). Off, restore is strict: such a script is refused with SCRIPT_REFUSED and nothing is
   * applied. Turn it on only for a script you wrote or checked yourself, never for one from storage
   * others can write. @default false
   */
  allowAnyStatement: z._default(z.boolean(), false),
  /**
   * The largest statement (or single token, or backslash-command line) the restore holds in memory, in
   * bytes: a script with a longer one fails with SCRIPT_INVALID naming its line (rolled back like any
   * failure). Peak memory is about 3 × the largest statement + 100 MB, and stays under 5 × this + 100 MB.
   * COPY data does not count: it streams. At most the longest JavaScript string.
   * @default 268435456 (256 MiB)
   */
  maxStatementBytes: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(constants.MAX_STRING_LENGTH, `must be at most ${constants.MAX_STRING_LENGTH} (the longest JavaScript string)`)), DEFAULT_MAX_STATEMENT_BYTES),
  /**
   * backups.restore() of a base backup of the change archive: restore the base, then replay the archived
   * transactions committed up to this point: a time (a Date, or an ISO string with a time zone), a WAL
   * position `{ lsn: '16/B374D848' }` or a transaction `{ xid: 1234 }` (its commit included). OPTIONS_INVALID
   * outside the chain's recoverable window, or for a backup that is not a base backup.
   */
  until: z.optional(UntilSchema),
  /** backups.restore() of a base backup: replay the change archive after it (everything archived, without until). @default true */
  replay: z.optional(z.boolean()),
  env: z.optional(z.custom<NodeJS.ProcessEnv>((v) => typeof v === 'object' && v !== null, { message: 'must be an object of variables' })),
  signal: z.optional(z.custom<AbortSignal>((v) => v instanceof AbortSignal, { message: 'must be an AbortSignal' })),
  onProgress: z.optional(z.custom<(p: RestoreProgress) => void>((v) => typeof v === 'function', { message: 'must be a function' })),
}).check(z.superRefine((o, ctx) => {
  if (o.schemaOnly && o.dataOnly) ctx.addIssue({ code: 'custom', path: ['dataOnly'], message: 'schemaOnly and dataOnly cannot be used together' })
  if (o.clean && o.dataOnly) ctx.addIssue({ code: 'custom', path: ['clean'], message: 'clean and dataOnly cannot be used together' })
  if (o.until !== undefined) {
    if (o.replay === false) ctx.addIssue({ code: 'custom', path: ['until'], message: 'until replays the change archive: it cannot be used with replay: false' })
    const part = o.schemaOnly ? 'schemaOnly' : (o.tables?.length ?? 0) > 0 ? 'tables' : (o.schemas?.length ?? 0) > 0 ? 'schemas' : null
    if (part) ctx.addIssue({ code: 'custom', path: ['until'], message: `until replays changes to every table of the backup: it cannot be used with ${part}` })
  }
  if (o.jobs > 1 && o.singleTransaction === true) {
    ctx.addIssue({ code: 'custom', path: ['singleTransaction'], message: `singleTransaction and jobs ${o.jobs} cannot both hold: one transaction lives in one session, and jobs above 1 apply the script in ${o.jobs + 1} (leave singleTransaction out, or set jobs: 1)` })
  }
  if (o.jobs > 1 && o.clean) {
    ctx.addIssue({ code: 'custom', path: ['clean'], message: `clean and jobs ${o.jobs} cannot both hold: should the parallel restore fail, what clean dropped could not be brought back (restore into a new database with createDatabase, or use jobs: 1)` })
  }
})), z.transform((o) => ({ ...o, singleTransaction: o.singleTransaction ?? o.jobs === 1 })))

export interface RestoreProgress {
  phase: 'planning' | 'cleaning' | 'applying' | 'replaying' | 'done'
  /** The entry being applied: `TABLE DATA public.bills`. */
  entry?: string
  /** Entries applied so far. */
  entries: number
  /** Archived transactions replayed so far (phase `replaying`). */
  transactions?: number
  /** Bytes of the source read so far (compressed, if it is). */
  bytesRead: number
}

export type RestoreOptions = z.input<typeof RestoreOptionsSchema>
export type ResolvedRestoreOptions = z.output<typeof RestoreOptionsSchema>

export function resolveRestoreOptions(input: unknown): ResolvedRestoreOptions {
  if (input === null || typeof input !== 'object') throw new PgkeepError('OPTIONS_INVALID', 'restore options must be an object')
  return parseOptions(RestoreOptionsSchema, input, 'restore')
}
