// The scratch database a verify restores into, and, where the server lets the connecting role create
// roles (superuser or CREATEROLE), a scratch role made for the run that owns it: LOGIN with a random
// password that only this process knows (the server gets a SCRAM verifier), no superuser powers. The
// restore logs in as that role, so nothing the script runs (a column default, an index expression) has
// more rights than an ordinary role: it cannot read server files or run programs. SET ROLE would not do:
// a script could RESET it. Both are marked (database-mark.ts) and a session stays in the database from
// before the mark until the drop, so sweep-scratch.ts never takes a running verify's database.
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { connect, resolveConnection, withDatabaseName, type ConnectionParams } from '../connection/index'
import { quoteIdent, quoteLiteral } from '../emit/quote'
import { PgkeepError } from '../errors'
import { markText } from '../restore/database-mark'
import { scramVerifier } from './scram-verifier'

export interface Scratch {
  name: string
  /** The connection the restore uses: as the scratch role (with its password), or as the connecting role. */
  target: ConnectionParams
  ranAs: 'scratch-role' | 'connecting-role'
  /** Why the restore runs as the connecting role, when it does. */
  reason?: string
  /** The role made for the run (dropped with the database). */
  role: string | null
  /** A session in the scratch database for the whole run: the sweep never drops a database with one. */
  guard: pg.Client
}

type Server = string | ConnectionParams | undefined

/** Creates the scratch database `name` (and its role, where the server allows it) for backup `backupId`. */
export async function openScratch(admin: pg.Client, server: Server, env: NodeJS.ProcessEnv, name: string, backupId: string): Promise<Scratch> {
  const { rows } = await admin.query<{ super: boolean; createrole: boolean; bypassrls: boolean; now: Date }>(
    'SELECT rolsuper AS super, rolcreaterole AS createrole, rolbypassrls AS bypassrls, now() AS now FROM pg_catalog.pg_roles WHERE rolname = current_user',
  )
  const me = rows[0] ?? { super: false, createrole: false, bypassrls: false, now: new Date() }
  const mark = quoteLiteral(markText('scratch', me.now, backupId))
  let role: { name: string; password: string } | null = null
  let reason: string | undefined
  if (me.super || me.createrole) {
    try {
      role = await createRole(admin, name, mark, me.super, me.super || me.bypassrls, me.now)
    } catch (error) {
      reason = `the scratch role could not be created: ${(error as Error).message}`
    }
  } else {
    reason = 'the connecting role is neither superuser nor has CREATEROLE, so no scratch role could be made'
  }
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`)
  } catch (error) {
    if (role) await dropRole(admin, role.name)
    // 42501: the role may not create databases, which the hint names; anything else is the server's answer
    const denied = (error as { code?: string }).code === '42501'
    throw new PgkeepError(denied ? 'PERMISSION_DENIED' : 'RESTORE_FAILED', `unable to create the scratch database ${name}: ${(error as Error).message}`, {
      cause: error,
      ...(denied ? { hint: 'verify needs a role with CREATEDB (or a superuser) on the server it restores on: give it one, or pass such a connection' } : {}),
    })
  }
  let guard: pg.Client | null = null
  try {
    const inScratch = withDatabaseName(server, name)
    guard = await connect(resolveConnection(inScratch, env), { applicationName: 'pgkeep' })
    await guard.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${mark}`)
    if (role) {
      await guard.query(`ALTER DATABASE ${quoteIdent(name)} OWNER TO ${quoteIdent(role.name)}`)
      const asRole: ConnectionParams = { ...inScratch, user: role.name, password: role.password }
      const refused = await loginRefused(asRole, env)
      if (!refused) return { name, target: asRole, ranAs: 'scratch-role', role: role.name, guard }
      await guard.query(`ALTER DATABASE ${quoteIdent(name)} OWNER TO CURRENT_USER`)
      await dropRole(admin, role.name)
      role = null
      reason = `the server refused a login as the scratch role (${refused})`
    }
    return { name, target: inScratch, ranAs: 'connecting-role', ...(reason ? { reason } : {}), role: null, guard }
  } catch (error) {
    await guard?.end().catch(() => {})
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).catch(() => {})
    if (role) await dropRole(admin, role.name)
    throw new PgkeepError('RESTORE_FAILED', `unable to prepare the scratch database ${name}: ${(error as Error).message}`, { cause: error })
  }
}

/** Drops the scratch database and role; what cannot be dropped now is left for the next sweep. */
export async function closeScratch(admin: pg.Client, scratch: Scratch): Promise<void> {
  await scratch.guard.end().catch(() => {})
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(scratch.name)} WITH (FORCE)`).catch(() => {})
  if (scratch.role) await dropRole(admin, scratch.role)
}

// --- internal ---

async function createRole(admin: pg.Client, name: string, mark: string, superuser: boolean, bypassRls: boolean, now: Date): Promise<{ name: string; password: string }> {
  const password = randomBytes(24).toString('base64url')
  // The password also expires: a role a killed verify left cannot be logged into for long.
  const until = new Date(now.getTime() + 24 * 3600 * 1000).toISOString()
  await admin.query(
    // BYPASSRLS where it can be given: the dump loads and reads tables with FORCE ROW LEVEL SECURITY whole
    // (row_security is off), as a superuser would; it reaches nothing outside the scratch database.
    `CREATE ROLE ${quoteIdent(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION ${bypassRls ? 'BYPASSRLS' : 'NOBYPASSRLS'} ` +
      `PASSWORD ${quoteLiteral(scramVerifier(password))} VALID UNTIL ${quoteLiteral(until)}`,
  )
  try {
    await admin.query(`COMMENT ON ROLE ${quoteIdent(name)} IS ${mark}`)
    // A CREATEROLE role needs membership to give the database to it and to drop what it owns.
    if (!superuser) await admin.query(`GRANT ${quoteIdent(name)} TO CURRENT_USER`)
  } catch (error) {
    await dropRole(admin, name)
    throw error
  }
  return { name, password }
}

async function dropRole(admin: pg.Client, name: string): Promise<void> {
  await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(name)}`).catch(() => {})
}

/** Why the server refuses a login as the role, or null when it lets it in. */
async function loginRefused(params: ConnectionParams, env: NodeJS.ProcessEnv): Promise<string | null> {
  try {
    const client = await connect(resolveConnection(params, env), { applicationName: 'pgkeep' })
    await client.end().catch(() => {})
    return null
  } catch (error) {
    return (error as Error).message
  }
}
