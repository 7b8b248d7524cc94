// `pgkeep restore` and `pgkeep verify`: apply a dump (a file, stdin, or a stored backup by id) to a
// database without psql, list a dump's entries, and test a stored backup by restoring it aside.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { DecryptionOptions, RestoreOptions, RestoreSummary, ScriptEntry } from '@pgkeep/core'
import { ERROR_STATUS, PgkeepError, type ErrorCode } from '@pgkeep/core/engine'
import { Command } from 'commander'
import { decryptionFor, managerFor, storageOptions, type Io, type StorageFlags } from '../backup-manager'
import { isBackupRef, LATEST, resolveBackupRef } from '../backup-ref'
import { byteSize, collect, integer } from '../collect'
import { allowHeapGrowth } from '../heap-growth'
import { library } from '../library'
import { progressFor } from '../reporting'
import { untilValue, type UntilValue } from '../until-option'
import { UsageError } from './dump'

interface RestoreFlags extends StorageFlags {
  dbname?: string
  createDatabase?: string
  clean?: boolean
  singleTransaction: boolean
  owner: boolean
  privileges: boolean
  schemaOnly?: boolean
  dataOnly?: boolean
  table?: string[]
  schema?: string[]
  allowNonEmpty?: boolean
  allowAnyStatement?: boolean
  maxStatementSize?: number
  jobs?: number
  list?: boolean
  verbose?: boolean
  quiet?: boolean
  json?: boolean
  until?: UntilValue
  replay: boolean
}


export function restoreCommand(io: Io): Command {
  return storageOptions(new Command('restore'), { identity: true, when: 'for a backup id' })
    .description('apply a plain SQL dump (pgkeep or pg_dump, gzip or not) to a database without psql')
    .argument('<source>', 'a dump file, "-" for stdin, the id of a stored backup, or "latest": the newest full backup restore would use')
    .argument('[target]', 'the database to restore into (connection URL or "key=value …"; default PGKEEP_DATABASE_URL, else DATABASE_URL, for a file as for a backup id); PG* variables fill the gaps')
    .option('-d, --dbname <connection>', 'same as the target argument')
    .option('-C, --create-database <name>', 'create this database on the target\'s server and restore into it (dropped again on failure; an empty one a killed restore -C left is reused)')
    .option('-c, --clean', 'drop what the dump creates, where it exists, first')
    .option('--no-single-transaction', 'apply statement by statement instead of all or nothing (implied by -j above 1)')
    .option('-j, --jobs <n>', 'sessions applying the dump at once (or PGKEEP_RESTORE_JOBS; default 1): definitions in one, table data and index/constraint builds in n more; not one transaction, a failure drops what the restore created (or the -C database)', integer(1, 16))
    .option('-O, --no-owner', 'leave out ALTER … OWNER TO')
    .option('-x, --no-privileges', 'leave out GRANT/REVOKE')
    .option('-s, --schema-only', 'definitions only')
    .option('-a, --data-only', 'data only')
    .option('-t, --table <name>', 'only this table (schema.table or table) with its data and sequences (repeatable)', collect)
    .option('-n, --schema <name>', 'only entries in this schema (repeatable)', collect)
    .option('--allow-non-empty', 'restore into a database that already holds objects, without --clean')
    .option('--allow-any-statement', 'run statements pg_dump and pgkeep never write (DO blocks, COPY … FROM PROGRAM, …): only for a script you trust')
    .option('--max-statement-size <size>', 'refuse a statement larger than this, in bytes or with a unit (64MB, 1GB); peak memory is about 3 times it (default 256MB)', byteSize)
    .option('--until <point>', 'a stored base backup of the change archive: replay the archived transactions up to this point, an ISO time with a time zone, a WAL position (16/B374D848) or xid:N (without it, everything archived is replayed)', untilValue)
    .option('--no-replay', 'a stored base backup of the change archive: restore the base alone, without replaying the archive')
    .option('-l, --list', 'print the dump\'s entries (section, type, schema, name, owner, data bytes) and touch no database')
    .option('-v, --verbose', 'report each entry on stderr')
    .option('-q, --quiet', 'no progress on stderr')
    .option('--json', 'print the summary (or with --list, the entries) as JSON')
    .action(async (source: string, target: string | undefined, flags: RestoreFlags) => {
      allowHeapGrowth()
      const progress = progressFor(io.stderr, flags)
      let total = 0
      // A file restores where a backup id does: the argument, else the backup commands' database variables
      const conn = target ?? flags.dbname ?? (io.env.PGKEEP_DATABASE_URL || io.env.DATABASE_URL || undefined)
      const jobs = flags.jobs ?? jobsFromEnv(io.env.PGKEEP_RESTORE_JOBS) ?? 1
      const options: RestoreOptions = {
        ...(conn ? { target: conn } : {}),
        ...(flags.createDatabase ? { createDatabase: flags.createDatabase } : {}),
        clean: flags.clean ?? false,
        // one transaction unless asked otherwise, or with jobs (which cannot hold one)
        ...(flags.singleTransaction === false ? { singleTransaction: false } : {}),
        jobs,
        noOwner: !flags.owner,
        noPrivileges: !flags.privileges,
        schemaOnly: flags.schemaOnly ?? false,
        dataOnly: flags.dataOnly ?? false,
        allowNonEmpty: flags.allowNonEmpty ?? false,
        allowAnyStatement: flags.allowAnyStatement ?? false,
        ...(flags.table ? { tables: flags.table } : {}),
        ...(flags.schema ? { schemas: flags.schema } : {}),
        ...(flags.maxStatementSize !== undefined ? { maxStatementBytes: flags.maxStatementSize } : {}),
        ...(flags.until !== undefined ? { until: flags.until } : {}),
        ...(flags.replay ? {} : { replay: false }),
        ...(io.signal ? { signal: io.signal } : {}),
        onProgress: (p) => {
          if (flags.verbose && p.entry) io.stderr.write(`pgkeep: ${p.entry}\n`)
          if (p.phase === 'planning') progress.step('reading the dump')
          else if (p.phase === 'applying') progress.update({ done: p.bytesRead, total, ...(p.entry ? { item: p.entry } : {}) })
          else if (p.phase === 'replaying' && p.transactions === 1) progress.step('replaying the change archive')
        },
      }
      const report = (summary: RestoreSummary, fromStorage: boolean) => {
        progress.end()
        if (flags.json) {
          io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
          return
        }
        for (const note of summary.skipped) io.stderr.write(`pgkeep: skipped ${note}\n`)
        const read = fromStorage ? `, read ${summary.bytesRead} bytes` : ''
        io.stdout.write(`restored ${summary.entries} entries (${summary.statements} statements, ${summary.tables.length} tables) into ${summary.database}${read}\n`)
        const r = summary.replay
        if (r) io.stdout.write(`replayed ${r.transactions} archived transactions (${r.rows} rows, ${r.segments} segments)${r.lastCommitAt ? `, the last committed at ${r.lastCommitAt} (${r.lastCommitLsn})` : ''}${r.sequences > 0 ? `; ${r.sequences} sequences set` : ''}\n`)
        else if (r === null) io.stdout.write('restored the base backup alone: the change archive was not replayed\n')
      }
      // `latest` is the stored backup; a file of that name is written ./latest
      if (source === LATEST && await stat(resolve(io.cwd, source)).then(() => true, () => false)) {
        throw new UsageError('"latest" names the newest stored backup, and a file of that name is in the working folder: write ./latest for the file')
      }
      if ((flags.until !== undefined || !flags.replay) && !isBackupRef(source)) {
        throw new UsageError(`--until and --no-replay apply to a stored base backup of the change archive (a backup id), not to ${source === '-' ? 'stdin' : 'a file'}`)
      }
      if (isBackupRef(source) && !flags.list) {
        const backups = await managerFor(io, flags, conn ? { connection: conn } : {})
        const id = await resolveBackupRef(backups, source, io, flags.until)
        total = (await backups.get(id)).size
        report(await backups.restore(id, options), true)
        return
      }
      // a relative path starts at the cwd the command was given (CliIo.cwd), as --dir does
      const input = source === '-' ? io.stdin : resolve(io.cwd, source)
      if (flags.list) {
        const entries = isBackupRef(source) ? await storedEntries(io, flags, source) : await fileEntries(io, flags, input)
        if (flags.json) {
          io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`)
          return
        }
        for (const e of entries) {
          io.stdout.write(`${e.section}\t${e.type}\t${e.schema ?? '-'}\t${e.name}\t${e.owner ?? '-'}\t${e.dataBytes}\n`)
        }
        return
      }
      if (typeof input === 'string') total = await fileSize(input)
      const { restore } = await library()
      report(await restore(await fileInput(io, flags, input), { ...options, env: io.env }), false)
    })
}

export function verifyCommand(io: Io): Command {
  return storageOptions(new Command('verify'), { identity: true })
    .description('restore a stored backup into a scratch database on the same server, compare it with its manifest, and drop it')
    .argument('<id>', 'the backup id (uuid), or "latest": the newest full backup restore would use')
    .argument('[connection]', 'the server to use (any database on it); PG* variables fill the gaps')
    .option('-j, --jobs <n>', 'sessions of the scratch restore (or PGKEEP_RESTORE_JOBS; default 1), as restore -j', integer(1, 16))
    .option('--json', 'print the whole report as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (ref: string, connection: string | undefined, flags: StorageFlags & { json?: boolean; quiet?: boolean; jobs?: number }) => {
      allowHeapGrowth()
      const jobs = flags.jobs ?? jobsFromEnv(io.env.PGKEEP_RESTORE_JOBS) ?? 1
      const backups = await managerFor(io, flags, connection ? { connection } : {})
      const id = await resolveBackupRef(backups, ref, io)
      const progress = progressFor(io.stderr, flags)
      progress.step('restoring into a scratch database and comparing with the manifest')
      const report = await backups.verify(id, { jobs })
      progress.end()
      if (flags.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
      else {
        for (const name of report.swept.databases) io.stderr.write(`pgkeep: dropped scratch database ${name} (left by a verify that did not finish)\n`)
        for (const name of report.swept.roles) io.stderr.write(`pgkeep: dropped scratch role ${name}\n`)
        // Why it could not restore as a scratch role, when it could not (--json has every note).
        if (report.ranAs === 'connecting-role') for (const note of report.notes) io.stderr.write(`pgkeep: ${note}\n`)
        const badTables = report.tables.filter((t) => !t.ok)
        io.stdout.write(report.ok
          ? `ok: ${report.tables.length} tables and ${report.sequences.length} sequences match the manifest (${report.durationMs} ms)\n`
          : `FAILED: ${report.error?.message ?? `${badTables.length} tables differ: ${badTables.map((t) => `${t.schema}.${t.name} (rows ${t.foundRows}/${t.expectedRows})`).join(', ')}`}\n`)
      }
      // the code of what failed: the scratch restore's, else BACKUP_CORRUPT (the stored object or its tables differ)
      if (!report.ok) throw new PgkeepError(isErrorCode(report.error?.code) ? report.error.code : 'BACKUP_CORRUPT', `backup ${id} did not verify`)
    })
}

/**
 * A stored backup's entries for --list, read as restore reads it: an encrypted one decrypted with the
 * command's key (PGKEEP_DECRYPTION_PASSPHRASE or PGKEEP_ENCRYPTION_PASSPHRASE; --identity or
 * PGKEEP_AGE_IDENTITY_FILE), a wrong key failing as restore fails. Without any key it is refused, saying how.
 */
async function storedEntries(io: Io, flags: RestoreFlags, ref: string): Promise<ScriptEntry[]> {
  const backups = await managerFor(io, flags)
  const id = await resolveBackupRef(backups, ref, io)
  const manifest = await backups.manifest(id)
  if (manifest.encryption && !hasKey(await decryptionFor(io, flags))) {
    const scrypt = manifest.encryption.method === 'scrypt'
    // the same command lists it once it has the key (no download, no age): the simplest that works
    throw new PgkeepError('OPTIONS_INVALID', `backup ${id} is encrypted (${scrypt ? 'a passphrase' : 'X25519 recipients'}), and no ${scrypt ? 'passphrase' : 'identity'} was given to open it`, {
      hint: scrypt
        ? `set PGKEEP_DECRYPTION_PASSPHRASE to its passphrase and run it again: pgkeep restore ${id} --list`
        : `give it the key file: pgkeep restore ${id} --list --identity <key file> (or set PGKEEP_AGE_IDENTITY_FILE)`,
    })
  }
  return backups.listEntries(id)
}

/** A file's (or stdin's) entries for --list. */
async function fileEntries(io: Io, flags: RestoreFlags, input: string | NodeJS.ReadableStream): Promise<ScriptEntry[]> {
  const { listScript } = await library()
  return listScript(await fileInput(io, flags, input))
}

/**
 * What restore() and listScript() read of a file or stdin: an age-encrypted file (a downloaded
 * `.sql.gz.age`, or one piped in) decrypted when the command has a key (a wrong one is DECRYPTION_FAILED
 * before anything is read on); without a key the bytes as they are, which they refuse with the hint to
 * decrypt them.
 */
async function fileInput(io: Io, flags: RestoreFlags, input: string | NodeJS.ReadableStream): Promise<string | NodeJS.ReadableStream | (() => Promise<NodeJS.ReadableStream>)> {
  if (typeof input !== 'string') {
    const keys = await decryptionFor(io, flags)
    if (!hasKey(keys)) return input
    // stdin is told by its first bytes, which are handed on with the rest
    const { decryptAgeStream } = await library()
    return decryptAgeStream(input, keys, 'on stdin')
  }
  const { isAgeFile, openAgeFile } = await library()
  if (!await isAgeFile(input).catch(() => false)) return input
  const keys = await decryptionFor(io, flags)
  return hasKey(keys) ? openAgeFile(input, keys) : input
}

function hasKey(keys: DecryptionOptions): boolean {
  return keys.passphrase !== undefined || (keys.identities?.length ?? 0) > 0
}

/** PGKEEP_RESTORE_JOBS (a variable of its own: PGKEEP_JOBS, set for backups, must not make restores leave one transaction), or undefined when unset. */
function jobsFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const jobs = Number(value.trim())
  if (!/^\d+$/.test(value.trim()) || jobs < 1 || jobs > 16) {
    // as PGKEEP_JOBS is refused: a bad variable is the environment's fault, not the command line's (exit 1, not 2)
    throw new PgkeepError('OPTIONS_INVALID', `PGKEEP_RESTORE_JOBS must be a whole number from 1 to 16; got "${value.slice(0, 16)}"`)
  }
  return jobs
}

/** The file's size, or 0 when it cannot be told (restore() then reports the missing file itself). */
async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch {
    return 0
  }
}

/** Whether a verify report's error code is one of pgkeep's (the report is JSON: its code is a string). */
function isErrorCode(code: string | undefined): code is ErrorCode {
  return code !== undefined && Object.hasOwn(ERROR_STATUS, code)
}
