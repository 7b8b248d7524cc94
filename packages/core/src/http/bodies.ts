// What the routes accept, as zod schemas: backup ids (UUIDs), the history query, the backup, cleanup
// and restore bodies. A request that does not fit answers 400 with every problem named (never a value).
import { z } from 'zod'

/** Backup ids are UUIDs; anything else is a 400 before the manager is asked. */
export const IdParams = z.object({ id: z.uuid({ message: 'must be a backup id (a UUID)' }) }).strict()

const tableNames = z.array(z.string().min(1).max(200)).max(1000)

export const BackupBody = z
  .object({
    /** Only these tables (patterns as pg_dump -t). */
    tables: tableNames.optional(),
    /** Leave these tables out (patterns as pg_dump -T). */
    excludeTables: tableNames.optional(),
    /** Keep these tables' definitions, leave out their rows (patterns as pg_dump --exclude-table-data). */
    excludeTableData: tableNames.optional(),
  })
  .strict()

export const BackupQuery = z.object({
  /** `0` answers the record as JSON instead of streaming the file. @default 1 */
  download: z.enum(['0', '1', 'false', 'true']).optional(),
})

export const HistoryQuery = z.object({
  limit: z.string().regex(/^\d{1,4}$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(1).max(1000)).optional(),
})

export const CleanupBody = z.object({ daysToKeep: z.number().int().min(0).max(36500).optional() }).strict()

export const RestoreBody = z
  .object({
    /** The backup's filename, typed again by the person restoring. */
    confirm: z.string().min(1),
    /** Restore into the app's own database, dropping what the backup holds first. */
    clean: z.boolean().optional(),
    /** Restore into a new database of this name on the app's server instead. */
    createDatabase: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain database name (letters, digits, _)').optional(),
    /**
     * A base backup of the change archive: replay the archived transactions up to this point, an ISO time
     * with a time zone, `{ lsn: "16/B374D848" }` or `{ xid: 1234 }` (the manager checks it against the window).
     */
    until: z.union([
      z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time with a time zone' }),
      z.object({ lsn: z.string().regex(/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/, 'must be a WAL position (16/B374D848)') }).strict(),
      z.object({ xid: z.number().int().min(3).max(0xffffffff) }).strict(),
    ], { message: 'must be an ISO time with a time zone, { lsn } or { xid }' }).optional(),
    /** A base backup of the change archive: false restores the base alone. @default true */
    replay: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.clean === true) !== (b.createDatabase !== undefined), {
    message: 'give either clean: true (restore into the app database) or createDatabase (a new database), not both',
  })

/** Two backup ids to compare, a (older) and b (newer). */
export const CompareQuery = z.object({
  a: z.uuid({ message: 'must be a backup id (a UUID)' }),
  b: z.uuid({ message: 'must be a backup id (a UUID)' }),
})

export const FileQuery = z.object({ token: z.string().min(1).max(2000) })

export const NoBody = z.union([z.undefined(), z.null(), z.object({}).strict()])
