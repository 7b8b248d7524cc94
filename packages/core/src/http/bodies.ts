// What the routes accept, as zod schemas: backup ids (UUIDs), the history query, the backup, cleanup
// and restore bodies. A request that does not fit answers 400 with every problem named, each as the
// field and what it must be (dispatch.ts adds what was sent: its type, or a number or boolean as is,
// never a string's text): `daysToKeep: expected a whole number from 0 to 36500, got a string`.
import * as z from 'zod/mini'

/** Backup ids are UUIDs; anything else is a 400 before the manager is asked. */
export const IdParams = z.strictObject({ id: z.uuid({ message: 'must be a backup id (a UUID)' }) })

/**
 * A JSON object body that takes only `shape`'s fields: an unknown field is named with the fields the
 * body takes, a body that is not an object says so.
 */
function bodyObject<S extends z.core.$ZodLooseShape>(shape: S) {
  const fields = Object.keys(shape)
  const takes = fields.length === 0 ? 'this route takes no body fields' : `the body takes ${fields.join(', ')}`
  return z.strictObject(shape, {
    error: (issue) => issue.code === 'unrecognized_keys' ? `unknown field; ${takes}` : issue.code === 'invalid_type' ? 'expected a JSON object' : undefined,
  })
}

/** A body the caller may leave out: no body, JSON `null`, or what `schema` takes (its own messages, not a union's "Invalid input"). */
export function optionalBody<T extends z.core.SomeType>(schema: T) {
  return z.nullish(schema)
}

const wholeNumber = (min: number, max: number) => {
  const error = `expected a whole number from ${min} to ${max}`
  return z.number({ error }).check(z.int({ error }), z.minimum(min, { error }), z.maximum(max, { error }))
}

const TABLE_NAME = 'expected a table name (a string of 1 to 200 characters)'
const tableNames = z.array(z.string({ error: TABLE_NAME }).check(z.minLength(1, { error: TABLE_NAME }), z.maxLength(200, { error: TABLE_NAME })), { error: 'expected a list of table names (a JSON array of strings)' })
  .check(z.maxLength(1000, { error: 'expected at most 1000 table names' }))

export const BackupBody = bodyObject({
  /** Only these tables (patterns as pg_dump -t). */
  tables: z.optional(tableNames),
  /** Leave these tables out (patterns as pg_dump -T). */
  excludeTables: z.optional(tableNames),
  /** Keep these tables' definitions, leave out their rows (patterns as pg_dump --exclude-table-data). */
  excludeTableData: z.optional(tableNames),
})

export const BackupQuery = z.object({
  /** `0` answers the record as JSON instead of streaming the file. @default 1 */
  download: z.optional(z.enum(['0', '1', 'false', 'true'])),
})

export const HistoryQuery = z.object({
  limit: z.optional(z.pipe(z.pipe(z.string().check(z.regex(/^\d{1,4}$/, 'must be a whole number')), z.transform(Number)), z.number().check(z.int(), z.minimum(1), z.maximum(1000)))),
})

export const CleanupBody = bodyObject({ daysToKeep: z.optional(wholeNumber(0, 36500)) })

export const RestoreBody = bodyObject({
  /** The backup's filename, typed again by the person restoring. */
  confirm: z.string({ error: "expected the backup's filename (a string)" }).check(z.minLength(1, { error: "expected the backup's filename (a string)" })),
  /** Restore into the app's own database, dropping what the backup holds first. */
  clean: z.optional(z.boolean({ error: 'expected true or false' })),
  /** Restore into a new database of this name on the app's server instead. */
  createDatabase: z.optional(z.string({ error: 'expected a plain database name (a string of letters, digits, _)' }).check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain database name (letters, digits, _)'))),
  /**
   * A base backup of the change archive: replay the archived transactions up to this point, an ISO time
   * with a time zone, `{ lsn: "16/B374D848" }` or `{ xid: 1234 }` (the manager checks it against the window).
   */
  until: z.optional(z.union([
    z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time with a time zone' }),
    z.strictObject({ lsn: z.string().check(z.regex(/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/, 'must be a WAL position (16/B374D848)')) }),
    z.strictObject({ xid: z.number().check(z.int(), z.minimum(3), z.maximum(0xffffffff)) }),
  ], { message: 'must be an ISO time with a time zone, { lsn } or { xid }' })),
  /** A base backup of the change archive: false restores the base alone. @default true */
  replay: z.optional(z.boolean({ error: 'expected true or false' })),
}).check(z.refine((b) => (b.clean === true) !== (b.createDatabase !== undefined), {
  message: 'give either clean: true (restore into the app database) or createDatabase (a new database), not both',
}))

/** Two backup ids to compare, a (older) and b (newer). */
export const CompareQuery = z.object({
  a: z.uuid({ message: 'must be a backup id (a UUID)' }),
  b: z.uuid({ message: 'must be a backup id (a UUID)' }),
})

export const FileQuery = z.object({ token: z.string().check(z.minLength(1), z.maxLength(2000)) })

/** The routes that take no body: none, JSON `null` or `{}`. */
export const NoBody = optionalBody(bodyObject({}))
