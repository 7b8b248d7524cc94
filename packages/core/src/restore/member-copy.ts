// Applies one member item in a session: the member's gzip bytes are read (ranged), inflated and split
// right here, so each worker of a parallel restore reads, inflates and loads its own table at once with
// the others. The member must hold that table's data and nothing else (its COPY block, or INSERTs of a
// dump made with inserts), each item checked by the statement policy; anything else, bytes that do not
// inflate, or an inflated size other than the manifest's, is BACKUP_CORRUPT.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createScriptGunzip } from './script-gunzip'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { isPgkeepError, PgkeepError } from '../errors'
import { adaptStatement, failed } from './apply-script'
import { toUtf8 } from './copy-transcode'
import type { MemberItem } from './member-item'
import type { EntryHeader } from './script-item'
import { splitScript } from './split-script'
import type { StatementPolicy } from './statement-policy'

export interface MemberCopyOptions {
  noOwner: boolean
  targetMajor: number
  maxStatementBytes?: number
  /** A new policy for each member (strict restore), or ANY_STATEMENT's. */
  policy: () => StatementPolicy
  /** Statements left out for the target, as apply-script notes them. */
  skipped: string[]
}

/** Loads the member's table data in `client` (inside the caller's transaction); resolves with the rows COPY put in. */
export async function copyMember(client: pg.Client, item: MemberItem, options: MemberCopyOptions): Promise<number> {
  const gunzip = createScriptGunzip()
  const reading = pipeline(await item.open(), gunzip).catch((error: unknown) => {
    throw corrupt(item, error)
  })
  // an error of the read is the one to report: the split and the COPY only see their input stop
  const stopped = reading.then(() => null, (error: unknown) => error as Error)
  // the split's input, read straight off the gunzip (no stream in between: each one is a hop per 256 KiB
  // chunk), counting the inflated bytes; without return(), so that what it left unread can still be read after it stopped
  const inflatedChunks = (gunzip as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
  const inflated = { bytes: 0 }
  const next = async (): Promise<IteratorResult<Buffer>> => {
    const r = await inflatedChunks.next()
    if (!r.done) inflated.bytes += r.value.length
    return r
  }
  const input: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next }) }
  let rows = 0
  let entry: EntryHeader = item.entry
  try {
    const policy = options.policy()
    for await (const part of splitScript(input, { requireUnrestrict: false, ...(options.maxStatementBytes ? { maxStatementBytes: options.maxStatementBytes } : {}) })) {
      if (part.kind === 'meta') throw corrupt(item, `it holds the backslash command \\${part.command} (line ${part.line})`)
      if (!sameTable(part.entry, item.entry)) throw corrupt(item, `it holds ${part.entry ? `${part.entry.type} ${part.entry.schema ?? '-'}.${part.entry.name}` : 'statements outside any entry'} (line ${part.line}), not that table's data`)
      entry = part.entry!
      // a role switch is judged by the member's own entry, the only one it has
      if (policy.check(part) === 'hold') policy.finish()
      if (part.kind === 'statement') {
        const sql = adaptStatement(part, { noOwner: options.noOwner, inTransaction: true, targetMajor: options.targetMajor }, options.skipped)
        if (sql === null) continue
        await client.query(sql).catch((error: unknown) => { throw failed(error, part.line, entry) })
        continue
      }
      const copy = client.query(copyFrom(part.sql))
      await pipeline(Readable.from(toUtf8(part.data, part.encoding, part.line)), copy).catch((error: unknown) => { throw failed(error, part.line, entry) })
      rows += Number(copy.rowCount ?? 0)
    }
    await reading
  } catch (error) {
    // Damaged bytes can inflate to text the server refuses (or the split cannot read) before gzip's
    // checksum at the member's end says they are damaged: the rest is read, and a read failure is the one to report.
    if (mayBeDamage(error)) {
      try {
        for (let r = await inflatedChunks.next(); !r.done; r = await inflatedChunks.next()) { /* to the member's end */ }
      } catch { /* the read's failure, in stopped */ }
    }
    const readFailure = await Promise.race([stopped, new Promise<null>((resolve) => setImmediate(() => resolve(null)))])
    gunzip.destroy()
    throw readFailure ?? (isPgkeepError(error, 'SCRIPT_INVALID') ? corrupt(item, error) : error)
  }
  if (inflated.bytes !== item.uncompressed) throw corrupt(item, `it inflates to ${inflated.bytes} bytes, the manifest says ${item.uncompressed}`)
  return rows
}

// --- internal ---

/** A failure damaged data could cause: the split's, or the server refusing the data (SQLSTATE classes 22 and 23). */
function mayBeDamage(error: unknown): boolean {
  if (isPgkeepError(error, 'SCRIPT_INVALID')) return true
  const sqlstate = isPgkeepError(error) ? (error.cause as { code?: unknown } | undefined)?.code : undefined
  return typeof sqlstate === 'string' && /^2[23]/.test(sqlstate)
}

function sameTable(entry: EntryHeader | null, expected: EntryHeader): boolean {
  return entry !== null && entry.type === expected.type && entry.schema === expected.schema && entry.name === expected.name
}

function corrupt(item: MemberItem, problem: unknown): PgkeepError {
  if (isPgkeepError(problem) && problem.code !== 'SCRIPT_INVALID') return problem
  const what = typeof problem === 'string' ? problem : `it does not inflate: ${(problem as Error).message}`
  return new PgkeepError('BACKUP_CORRUPT', `the backup's member ${item.where} is damaged: ${what}`, typeof problem === 'string' ? {} : { cause: problem })
}
