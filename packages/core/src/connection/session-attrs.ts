// Checks a fresh session against target_session_attrs, as libpq does after connecting to each host.
// Invariant: 'any' never queries the server; the check reads state, it changes nothing.

import type pg from 'pg'
import type { TargetSessionAttrs } from './resolved-connection.js'

/** Why the session does not match `wanted` (libpq's wording), or undefined when it does. */
export async function sessionMismatch(client: pg.Client, wanted: TargetSessionAttrs): Promise<string | undefined> {
  if (wanted === 'any') return undefined
  const { rows } = await client.query<{ in_recovery: boolean; read_only: string }>(
    "select pg_catalog.pg_is_in_recovery() as in_recovery, pg_catalog.current_setting('transaction_read_only') as read_only",
  )
  const inRecovery = rows[0]?.in_recovery === true
  const readOnly = rows[0]?.read_only === 'on'
  switch (wanted) {
    case 'read-write':
      return readOnly ? 'session is read-only' : undefined
    case 'read-only':
      return readOnly ? undefined : 'session is not read-only'
    case 'primary':
      return inRecovery ? 'server is in hot standby mode' : undefined
    case 'standby':
    case 'prefer-standby':
      return inRecovery ? undefined : 'server is not in hot standby mode'
  }
}
