// The host app's say on who may do what: `defineBackupAuthorizer((event, action) => …)` from a server
// plugin of the app. Until one is registered every backup route answers 403 (deny by default).
import type { H3Event } from 'h3'
import type { AuthorizeOutcome, BackupAction } from '@pgkeep/core'

export type BackupAuthorizer = (event: H3Event, action: BackupAction) => AuthorizeOutcome | Promise<AuthorizeOutcome>

let current: BackupAuthorizer | undefined

/**
 * Registers the app's authorizer. Answer the actor (the user's id) to allow, `false` (or throw a 403)
 * to refuse, `null` (or throw a 401) when nobody is signed in.
 * @example
 * export default defineNitroPlugin(() => defineBackupAuthorizer(async (event) => {
 *   const { user } = await getUserSession(event)
 *   if (!user) return null
 *   return user.role === 'admin' ? user.id : false
 * }))
 */
export function defineBackupAuthorizer(authorizer: BackupAuthorizer): BackupAuthorizer {
  current = authorizer
  return authorizer
}

/** The registered authorizer, or undefined (every route refused). */
export function backupAuthorizer(): BackupAuthorizer | undefined {
  return current
}
