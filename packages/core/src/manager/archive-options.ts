// Options of the change archiver (manager.archive()): the manager's `archive` option, which one call may
// override. Checked once; defaults live here.
import { z } from 'zod'
import { parseOptions } from '../parse-options'

/** The publication pgkeep creates (FOR ALL TABLES) when none is named. */
export const DEFAULT_PUBLICATION = 'pgkeep_archive'

export const ArchiveOptionsSchema = z.object({
  /**
   * The replication slot (lower-case letters, digits and `_`, at most 61 characters: the chain after a schema
   * change reads `<slot>_2`, then `<slot>` again). @default `pgkeep_<database>` (see archiveSlotName)
   */
  slot: z.string().regex(/^[a-z0-9_]{1,61}$/, 'must be 1 to 61 lower-case letters, digits or "_" (a replication slot name)').optional(),
  /** A publication that exists, naming the tables to archive. @default pgkeep_archive, created FOR ALL TABLES when missing */
  publication: z.string().min(1).refine((p) => Buffer.byteLength(p) <= 63 && !p.includes('\0'), 'must be at most 63 bytes (a PostgreSQL name)').optional(),
  /** Close a segment once its first transaction is this many seconds old. @default 60 */
  segmentSeconds: z.number().positive().max(86_400).optional(),
  /** …or once it holds this many bytes of change lines, counted before compression (JSON). @default 16 MiB */
  segmentBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).optional(),
  /**
   * Failures of the storage or the connection in a row after which the archiver gives up (`done` rejects).
   * Until then it tries again, waiting 1, 2, 4 … up to 30 seconds; a stored segment resets the count.
   * @default unlimited
   */
  retries: z.number().int().nonnegative().optional(),
  /**
   * No longer needed, and without effect (kept so that configurations that set it still load): segments
   * are encrypted with the manager's `encryption` as its backups are (logical/sealed-segments.ts).
   * @deprecated
   */
  allowPlainSegments: z.boolean().optional(),
  /** Who runs it, for the audit trail and the base backups' `createdBy`. @default 'pgkeep archive' */
  actor: z.union([z.string().max(200), z.number()]).transform(String).optional(),
}).strict()

export type ArchiveOptions = z.input<typeof ArchiveOptionsSchema>
export type ResolvedArchiveOptions = z.output<typeof ArchiveOptionsSchema>

export function resolveArchiveOptions(input: unknown): ResolvedArchiveOptions {
  return parseOptions(ArchiveOptionsSchema, input ?? {}, 'archive')
}
