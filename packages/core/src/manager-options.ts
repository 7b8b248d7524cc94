// Options of createBackupManager, validated once; defaults live here.
import * as z from 'zod/mini'
import { PgkeepError } from './errors'
import type { BackupProgress } from './backup/create-backup'
import { DEFAULT_RETENTION, RetentionPolicySchema } from './retention/retention-options'
import type { StorageDriver } from './storage/driver'
import { DecryptionOptionsSchema, EncryptionOptionsSchema } from './crypto/encryption-options'
import { AlertsSchema } from './manager/alerts-options'
import { RateLimitSchema } from './manager/rate-limit-options'
import { WebhooksSchema } from './manager/webhooks-options'
import { ReplicasSchema } from './manager/replicas-options'
import { ArchiveOptionsSchema } from './manager/archive-options'
import { NotificationsSchema } from './notify/email-options'
import { SigningOptionsSchema } from './manifest/signing-options'
import { checkDumpOptions, DumpOptionsObject } from './options'
import { ConnectionSchema } from './connection/connection-schema'
import { parseOptions } from './parse-options'

const storageDriver = z.custom<StorageDriver>(
  (v) => typeof v === 'object' && v !== null && typeof (v as StorageDriver).put === 'function' && typeof (v as StorageDriver).list === 'function',
  { message: 'must be a storage driver such as fsStorage({ dir }) or s3Storage({ … })' },
)

/** The dump options of every backup: those of dump() without the connection (the manager's), checked the same way. */
export const ManagerDumpSchema = z.partial(z.omit(DumpOptionsObject, { connection: true, connectionString: true })).check(z.superRefine(checkDumpOptions))

/** The manager's `dump` option as given (dump() applies the defaults; the manifest records only what was chosen). */
export type ManagerDumpOptions = z.input<typeof ManagerDumpSchema>

export const ManagerOptionsSchema = z.strictObject({
  /** The database to back up: connection string or libpq keywords; PG* variables fill the gaps. */
  connection: z.optional(ConnectionSchema),
  connectionString: z.optional(z.string()),
  /** Where backups go. @default fsStorage({ dir: process.cwd() }) — files land in ./backups/<year>/ */
  storage: z.optional(storageDriver),
  /**
   * More storages that receive a copy of every backup once it is complete in `storage` (dump, then
   * manifest), streamed and checked by sha256: drivers, or `{ storage, retention?, name? }`. A failed copy
   * never fails the backup; replicate() and the schedule retry it. See README "Copies in a second place". @default []
   */
  replicas: z.optional(ReplicasSchema),
  /** Key prefix of every object. @default 'backups/' */
  keyPrefix: z._default(z.string().check(
    z.regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or folder names each ending in "/"'),
    z.refine((p) => !p.split('/').some((folder) => folder === '.' || folder === '..'), 'must not hold a "." or ".." folder'),
  ), 'backups/'),
  /** File name prefix: `<namePrefix>-YYYY-MM-DD-<epoch ms>-<id8>.sql.gz` (`<id8>`: the first 8 hex digits of the backup id). @default 'backup' */
  namePrefix: z._default(z.string().check(z.regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"')), 'backup'),
  /** gzip level 1 (fast) to 9 (small). @default 6 */
  compressionLevel: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(9)), 6),
  /** Largest stored (compressed) size; a bigger backup fails with SIZE_LIMIT_EXCEEDED. */
  maxSizeBytes: z.optional(z.number().check(z.int(), z.positive())),
  /**
   * A minor garbage collection after every MiB of table data a backup copies and of every download(),
   * which keeps their memory flat in a server run with node's default heap settings; `false` leaves the
   * collections to V8 (dump()'s run option of the same name; it sets `--expose-gc` at run time where node
   * lacks it). @default true
   */
  gcPacing: z._default(z.boolean(), true),
  /** Dump options applied to every backup (tables, excludeTableData, …; not the connection); create() may add to them. */
  dump: z.optional(ManagerDumpSchema),
  /** Mirror the history into this PostgreSQL table (created if missing) of the backed-up database. */
  history: z.optional(z.strictObject({ table: z.string(), migrate: z._default(z.boolean(), true) })),
  /**
   * What cleanup() keeps: a backup stays when any rule keeps it (maxAgeDays, keepLast, gfs), when it is
   * pinned, or when it is the newest (or the newest verified-ok) backup. @default { maxAgeDays: 30 }
   */
  retention: z._default(RetentionPolicySchema, { ...DEFAULT_RETENTION }),
  /**
   * Encrypt new backups (after gzip) into age files, `….sql.gz.age`: `{ passphrase }` or
   * `{ recipients: ['age1…'] }` (X25519 public keys). `age -d` decrypts them. @default no encryption
   */
  encryption: z.optional(EncryptionOptionsSchema),
  /**
   * What restore() and verify() open encrypted backups with: `{ passphrase?, identities?: ['AGE-SECRET-KEY-1…'] }`.
   * @default the passphrase of `encryption`, when it has one
   */
  decryption: z.optional(DecryptionOptionsSchema),
  /**
   * Sign every new backup's manifest (HMAC-SHA256 over the manifest, which holds the dump's sha256) and
   * check the signature before restore, verify, download and compare: `{ key, previousKeys?, require? }`.
   * Keys have at least 32 bytes (64+ hex digits, base64, or 32+ characters). A backup whose signature
   * does not check out is refused with BACKUP_UNTRUSTED; an unsigned one too when `require` is true,
   * else it is used with a `backup-unsigned` alert. @default no signing
   */
  signing: z.optional(SigningOptionsSchema),
  /**
   * Limit on manual backups, counted from the history so it holds across instances; scheduled backups
   * are not limited. `false` turns it off; an object sets exactly the limits it names.
   * @default { perActor: { max: 3, windowSeconds: 3600 }, overall: { max: 3, windowSeconds: 3600 } }
   */
  rateLimit: z.optional(RateLimitSchema),
  /** Webhooks POSTed (small JSON) when a backup starts, succeeds or fails; they never change its outcome. */
  webhooks: z.optional(WebhooksSchema),
  /** Thresholds that raise `alert` events: backup size, storage quota, hours without a successful backup. */
  alerts: z.optional(AlertsSchema),
  /**
   * E-mail about backups through an SMTP server (nodemailer): `{ email: { url, from, to, events?, language?,
   * baseUrl?, timeoutMs?, retries? } }`. Sending never changes or delays a backup; a message that cannot be
   * sent raises an `email-failed` alert.
   */
  notifications: z.optional(NotificationsSchema),
  /**
   * Age in seconds (by the database server's clock) from which a scratch database or role that a verify
   * left behind (its process was killed) is dropped by the next verify() or cleanup(). One that a session
   * is connected to is never dropped, whatever its age. @default 3600
   */
  scratchStaleSeconds: z._default(z.number().check(z.int(), z.nonnegative()), 3600),
  /**
   * The change archiver's settings (manager.archive()): `{ slot?, publication?, segmentSeconds?, segmentBytes?,
   * retries? }`. See README "Point-in-time recovery". @default a slot named after the database, publication pgkeep_archive
   */
  archive: z.optional(ArchiveOptionsSchema),
  /** The clock (tests move it forward). @default () => new Date() */
  now: z.optional(z.custom<() => Date>((v) => typeof v === 'function', { message: 'must be a function returning a Date' })),
  /** Environment for PG* variables (default process.env). */
  env: z.optional(z.custom<NodeJS.ProcessEnv>((v) => typeof v === 'object' && v !== null, { message: 'must be an object of variables' })),
}).check(z.superRefine((o, ctx) => {
  if (o.connection !== undefined && o.connectionString !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['connectionString'], message: 'give either connection or connectionString, not both' })
  }
}))

export type BackupManagerOptions = z.input<typeof ManagerOptionsSchema>
export type ResolvedManagerOptions = Omit<z.output<typeof ManagerOptionsSchema>, 'dump'> & { dump: Readonly<ManagerDumpOptions> }

export function resolveManagerOptions(input: unknown): ResolvedManagerOptions {
  if (input === null || typeof input !== 'object') throw new PgkeepError('OPTIONS_INVALID', 'backup manager options must be an object')
  const resolved = parseOptions(ManagerOptionsSchema, input, 'backup manager')
  // Validated above; kept as given, so that dump() applies its defaults and manifests record only what was chosen.
  return { ...resolved, dump: Object.freeze({ ...(input as BackupManagerOptions).dump }) }
}

/** Longest actor (createdBy) a backup accepts: what the audit trail keeps whole. */
const MAX_ACTOR_LENGTH = 200

const createInput = z.pipe(z.strictObject({
  type: z._default(z.enum(['manual', 'scheduled']), 'manual'),
  /** Scheduled backups only: the schedule occurrence the backup is for (kept in the manifest). */
  scheduledFor: z.optional(z.date()),
  /** Who asks (the app's user id), for the audit trail and the record's `createdBy`. */
  actor: z.optional(z.nullable(z.pipe(z.union([z.string().check(z.maxLength(MAX_ACTOR_LENGTH)), z.number()]), z.transform(String)))),
  /** @deprecated the old name of `actor`. */
  createdBy: z.optional(z.nullable(z.pipe(z.union([z.string().check(z.maxLength(MAX_ACTOR_LENGTH)), z.number()]), z.transform(String)))),
  /** Selective backup, with the dump's meaning (patterns like pg_dump -t / -n). */
  tables: z.optional(z.array(z.string().check(z.minLength(1)))),
  excludeTables: z.optional(z.array(z.string().check(z.minLength(1)))),
  schemas: z.optional(z.array(z.string().check(z.minLength(1)))),
  excludeSchemas: z.optional(z.array(z.string().check(z.minLength(1)))),
  excludeTableData: z.optional(z.array(z.string().check(z.minLength(1)))),
  onProgress: z.optional(z.custom<(p: unknown) => void>((v) => typeof v === 'function', { message: 'must be a function' })),
  signal: z.optional(z.custom<AbortSignal>((v) => v instanceof AbortSignal, { message: 'must be an AbortSignal' })),
}).check(
  z.refine((o) => o.scheduledFor === undefined || o.type === 'scheduled', { path: ['scheduledFor'], message: 'only scheduled backups have a scheduledFor' }),
  z.refine((o) => o.actor === undefined || o.createdBy === undefined || o.actor === o.createdBy, { path: ['createdBy'], message: 'give actor (createdBy is its old name), not both' }),
), z.transform(({ createdBy, actor, ...o }) => ({ ...o, actor: actor ?? createdBy ?? null })))

export type CreateBackupOptions = Omit<z.input<typeof createInput>, 'onProgress'> & {
  /** Called as the backup advances: its id, phase, table, tables done / total, bytes done / estimated total. */
  onProgress?: (progress: BackupProgress) => void
}

export function resolveCreateOptions(input: unknown): z.output<typeof createInput> {
  return parseOptions(createInput, input ?? {}, 'backup')
}
