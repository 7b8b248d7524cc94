// Options of the change archiver (manager.archive()): the manager's `archive` option, which one call may
// override. Checked once; defaults live here.
import * as z from 'zod/mini'
import { parseOptions } from '../parse-options'

/** The publication pgkeep creates (FOR ALL TABLES) when none is named. */
export const DEFAULT_PUBLICATION = 'pgkeep_archive'

export const ArchiveOptionsSchema = z.strictObject({
  /**
   * The replication slot (lower-case letters, digits and `_`, at most 61 characters: the chain after a schema
   * change reads `<slot>_2`, then `<slot>` again). @default `pgkeep_<database>` (see archiveSlotName)
   */
  slot: z.optional(z.string().check(z.regex(/^[a-z0-9_]{1,61}$/, 'must be 1 to 61 lower-case letters, digits or "_" (a replication slot name)'))),
  /** A publication that exists, naming the tables to archive. @default pgkeep_archive, created FOR ALL TABLES when missing */
  publication: z.optional(z.string().check(z.minLength(1), z.refine((p) => Buffer.byteLength(p) <= 63 && !p.includes('\0'), 'must be at most 63 bytes (a PostgreSQL name)'))),
  /** Close a segment once its first transaction is this many seconds old. @default 60 */
  segmentSeconds: z.optional(z.number().check(z.positive(), z.maximum(86_400))),
  /** …or once it holds this many bytes of change lines, counted before compression (JSON). @default 16 MiB */
  segmentBytes: z.optional(z.number().check(z.int(), z.minimum(1024), z.maximum(1024 * 1024 * 1024))),
  /**
   * Failures of the storage or the connection in a row after which the archiver gives up (`done` rejects).
   * Until then it tries again, waiting 1, 2, 4 … up to 30 seconds; a stored segment resets the count.
   * @default unlimited
   */
  retries: z.optional(z.number().check(z.int(), z.nonnegative())),
  /**
   * No longer needed, and without effect (kept so that configurations that set it still load): segments
   * are encrypted with the manager's `encryption` as its backups are (logical/sealed-segments.ts).
   * @deprecated
   */
  allowPlainSegments: z.optional(z.boolean()),
  /** Who runs it, for the audit trail and the base backups' `createdBy`. @default 'pgkeep archive' */
  actor: z.optional(z.pipe(z.union([z.string().check(z.maxLength(200)), z.number()]), z.transform(String))),
})

export type ArchiveOptions = z.input<typeof ArchiveOptionsSchema>
export type ResolvedArchiveOptions = z.output<typeof ArchiveOptionsSchema>

export function resolveArchiveOptions(input: unknown): ResolvedArchiveOptions {
  return parseOptions(ArchiveOptionsSchema, input ?? {}, 'archive')
}
