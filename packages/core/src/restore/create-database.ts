// The database restore -C restores into: created from template0, marked `pgkeep:created restore …`
// (database-mark.ts) as soon as the restore's own session is in it, and unmarked in the transaction
// that commits the restore. A database left marked is one a killed restore created: a rerun reuses it
// when it is empty and no session is in it; any other existing database of that name is refused.
import type pg from 'pg'
import { connect, resolveConnection, withDatabaseName, type ConnectionParams } from '../connection/index'
import { quoteIdent, quoteLiteral } from '../emit/quote'
import { PgkeepError, isPgkeepError } from '../errors'
import { markText, parseMark } from './database-mark'
import { refuseNonEmpty } from './refuse-non-empty'

/** Creates `name` on the target's server, or reuses the empty database an unfinished restore -C left under that name. */
export async function createDatabase(target: string | ConnectionParams | undefined, name: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<'created' | 'reused'> {
  const client = await connect(resolveConnection(target, env), { applicationName: 'pgkeep', signal })
  try {
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`)
      return 'created'
    } catch (error) {
      const code = (error as { code?: string }).code
      // 42501: the role may not create databases (as verify's scratch database says it)
      if (code === '42501') {
        throw new PgkeepError('PERMISSION_DENIED', `unable to create database ${name}: ${(error as Error).message}`, {
          cause: error,
          hint: 'createDatabase (pgkeep restore -C) needs a role with CREATEDB (or a superuser): give it one, or create the database first and restore into it',
        })
      }
      if (code !== '42P04') throw new PgkeepError('RESTORE_FAILED', `unable to create database ${name}: ${(error as Error).message}`, { cause: error })
      await checkReusable(client, target, name, env, error)
      return 'reused'
    }
  } finally {
    await client.end().catch(() => {})
  }
}

/** Marks the database the client is in as created by this restore (with the server's time). */
export async function markCreated(client: pg.Client, name: string): Promise<void> {
  const { rows } = await client.query<{ now: Date }>('SELECT now() AS now')
  await client.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(markText('created', rows[0]!.now))}`)
}

/** Takes the mark off: the restore is complete and the database is the caller's. */
export async function unmarkCreated(client: pg.Client, name: string): Promise<void> {
  await client.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS NULL`)
}

export async function dropDatabase(target: string | ConnectionParams | undefined, name: string, env: NodeJS.ProcessEnv): Promise<void> {
  const client = await connect(resolveConnection(target, env), { applicationName: 'pgkeep' })
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
  } finally {
    await client.end().catch(() => {})
  }
}

// --- internal ---

async function checkReusable(client: pg.Client, target: string | ConnectionParams | undefined, name: string, env: NodeJS.ProcessEnv, cause: unknown): Promise<void> {
  const { rows } = await client.query<{ comment: string | null; sessions: string }>(
    `SELECT pg_catalog.shobj_description(d.oid, 'pg_database') AS comment,
            (SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.datid = d.oid) AS sessions
       FROM pg_catalog.pg_database d WHERE d.datname = $1`,
    [name],
  )
  const refuse = (why: string, hint: string) => new PgkeepError('TARGET_NOT_EMPTY', `unable to create database ${name}: it already exists, and ${why}`, { cause, hint })
  const mark = parseMark(rows[0]?.comment)
  if (!rows[0] || mark?.kind !== 'created') {
    throw refuse('pgkeep did not create it (it has no "pgkeep:created restore" mark), so it is not reused', 'choose another name, or restore into that database as the target (without createDatabase)')
  }
  const sessions = Number(rows[0].sessions)
  if (sessions > 0) {
    throw refuse(`${sessions} session${sessions === 1 ? ' is' : 's are'} connected to it (another restore may be running into it)`, 'wait for that restore to end, or choose another name')
  }
  const inside = await connect(resolveConnection(withDatabaseName(target, name), env), { applicationName: 'pgkeep' })
  try {
    await refuseNonEmpty(inside, name)
  } catch (error) {
    if (!isPgkeepError(error, 'TARGET_NOT_EMPTY')) throw error
    throw refuse(`although an earlier pgkeep restore created it (${mark.host} pid ${mark.pid} at ${mark.at.toISOString()}), it is not empty: ${error.message}`, 'drop it, or choose another name')
  } finally {
    await inside.end().catch(() => {})
  }
}
