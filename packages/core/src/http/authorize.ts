// The deny-by-default authorization contract of the routes. The host app answers, per request and
// action, with the actor (its user id), or refuses: no user → 401, not allowed → 403. What an
// authorizer may answer: the actor (string or number), `{ actor }`, `true` (allowed, unattributed);
// `false` → 403; `null`/`undefined` → 401; or it throws a refusal (refuseBackupAccess, or any error
// with `statusCode` 401 or 403, such as the 401 of nuxt-auth-utils' requireUserSession). An actor that
// names nobody (`{ actor: undefined }`, `''`, `NaN`: what `{ actor: session?.user?.id }` gives when no one
// is signed in) is no user either: 401, never an open door. `{ actor: null }` is `true`'s other spelling.
import { BackupRouteRefusal, FORBIDDEN_MESSAGES } from './http-error'
import type { BackupAction } from './route-types'

export type AuthorizeOutcome = string | number | boolean | null | undefined | { actor: string | number | null }

/** The actor the authorizer let in, or a BackupRouteRefusal thrown. Without an authorizer every call is refused (403). */
export async function resolveActor(action: BackupAction, authorize: ((action: BackupAction) => Promise<AuthorizeOutcome> | AuthorizeOutcome) | undefined): Promise<string | number | null> {
  if (!authorize) throw new BackupRouteRefusal(403, `${FORBIDDEN_MESSAGES[action]} (no backup authorizer is registered)`)
  let outcome: AuthorizeOutcome
  try {
    outcome = await authorize(action)
  } catch (error) {
    throw asRefusal(error, action) ?? error
  }
  if (outcome === null || outcome === undefined) throw new BackupRouteRefusal(401, 'Sign in to manage backups')
  if (outcome === false) throw new BackupRouteRefusal(403, FORBIDDEN_MESSAGES[action])
  if (outcome === true) return null
  if (typeof outcome === 'string' || typeof outcome === 'number') return namedActor(outcome)
  if (typeof outcome === 'object' && 'actor' in outcome) return outcome.actor === null ? null : namedActor(outcome.actor)
  throw new BackupRouteRefusal(403, FORBIDDEN_MESSAGES[action])
}

/** An actor that names someone: a non-blank string or a finite number; anything else is no user (401). */
function namedActor(actor: unknown): string | number {
  if ((typeof actor === 'string' && actor.trim() !== '') || (typeof actor === 'number' && Number.isFinite(actor))) return actor
  throw new BackupRouteRefusal(401, 'Sign in to manage backups')
}

/** A thrown 401/403 (ours, or a framework error with `statusCode`) as a refusal; anything else stays an error. */
function asRefusal(error: unknown, action: BackupAction): BackupRouteRefusal | null {
  if (error instanceof BackupRouteRefusal) return error
  const status = typeof error === 'object' && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined
  if (status === 401) return new BackupRouteRefusal(401, 'Sign in to manage backups')
  if (status === 403) return new BackupRouteRefusal(403, FORBIDDEN_MESSAGES[action])
  return null
}
