// What to say when a clean restore fails because a DROP could not run: the DROP itself failed quietly
// (clean tries again, then leaves what still cannot go), and the CREATE after it then fails with
// "already exists", which names the symptom. This names the DROP and why it failed, from the server's
// own account (the objects that depend on it, made after the backup).
import { PgkeepError, isPgkeepError } from '../errors'

/** A clean DROP that never succeeded, with the server's error of its last attempt. */
export interface FailedDrop {
  drop: string
  error: unknown
}

/** SQLSTATEs of "already exists": a CREATE meeting what clean could not drop. */
const ALREADY_EXISTS = new Set(['42P06', '42P07', '42710', '42723', '42P16'])
/** dependent_objects_still_exist: "cannot drop … because other objects depend on it". */
const DEPENDENT_OBJECTS = '2BP01'

/**
 * The restore's error with the DROPs that explain it, when it is an "already exists" failure and some
 * DROP failed because other objects depend on its object; otherwise the error as it was.
 */
export function explainCleanFailure(error: unknown, failedDrops: readonly FailedDrop[]): unknown {
  if (!isPgkeepError(error, 'RESTORE_FAILED') || !ALREADY_EXISTS.has(sqlstateOf(error.cause) ?? '')) return error
  const blocked = failedDrops.filter((f) => sqlstateOf(f.error) === DEPENDENT_OBJECTS)
  if (blocked.length === 0) return error
  // The DROPs whose blockers are not themselves objects clean failed to drop come first: the view made
  // after the backup that kept its table, which kept the schema (the schema's DROP names only the table).
  // Then the DROP of the object the CREATE met, when its name is in the message; else every blocked DROP.
  const failedObjects = new Set(failedDrops.map((f) => unquoted(objectOf(f.drop))))
  const roots = blocked.filter((f) => dependentObjects(f.error).some((o) => !failedObjects.has(o)))
  const named = blocked.filter((f) => error.message.includes(bareName(f.drop)))
  const shown = [...new Set([...roots, ...(named.length > 0 ? named : blocked)])].slice(0, 3)
  const reasons = shown.map((f) => `clean could not drop ${objectOf(f.drop)}: other objects depend on it (${dependents(f.error)})`)
  return new PgkeepError('RESTORE_FAILED', `${reasons.join('; ')}; then ${error.message}`, {
    cause: error.cause,
    hint: 'those objects were made after the backup: drop or move them first (clean drops only what the backup holds), or restore into a new database (createDatabase, pgkeep restore -C)',
  })
}

function sqlstateOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null
}

/** `schema app`, `table public.bills`, `constraint c on public.t`: the object a clean DROP removes. */
function objectOf(drop: string): string {
  const constraint = /^ALTER TABLE IF EXISTS ONLY (.+?) DROP CONSTRAINT IF EXISTS (.+?);$/.exec(drop)
  if (constraint) return `constraint ${constraint[2]} on ${constraint[1]}`
  const plain = /^DROP (.+?) IF EXISTS (.+?)(?: CASCADE)?;$/.exec(drop)
  return plain ? `${plain[1]!.toLowerCase()} ${plain[2]}` : drop
}

/** The last part of the dropped object's name, without quotes, to find it in a message. */
function bareName(drop: string): string {
  const object = objectOf(drop)
  const name = object.slice(object.lastIndexOf(' ') + 1)
  return (name.split('.').at(-1) ?? name).replace(/^"|"$/g, '').replace(/""/g, '"')
}

/** The server's DETAIL ("table app.newtable depends on schema app", one line each), at most three. */
function dependents(error: unknown): string {
  const detail = (error as { detail?: unknown }).detail
  if (typeof detail !== 'string' || detail === '') return error instanceof Error ? error.message : String(error)
  const lines = detail.split('\n').filter(Boolean)
  return lines.slice(0, 3).join('; ') + (lines.length > 3 ? `; and ${lines.length - 3} more` : '')
}

/** The objects the server's DETAIL says depend on the dropped one ("view app.dep depends on table app.people"), unquoted. */
function dependentObjects(error: unknown): string[] {
  const detail = (error as { detail?: unknown }).detail
  if (typeof detail !== 'string') return []
  return detail.split('\n').map((line) => /^(.+?) depends on /.exec(line)?.[1]).filter((o): o is string => o !== undefined).map(unquoted)
}

/** An object description without identifier quotes: the server's DETAIL names objects unquoted. */
function unquoted(object: string): string {
  return object.replace(/"((?:[^"]|"")*)"/g, (_m, name: string) => name.replace(/""/g, '"'))
}
