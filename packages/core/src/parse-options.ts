// One way to validate options with zod: OPTIONS_INVALID naming every field that is wrong and why,
// with zod's error as cause. Messages name fields, never values (a passphrase must not reach a log).
import * as z from 'zod/mini'
import { PgkeepError } from './errors'
import { ENGLISH } from './zod-english'

/** `schema`'s parse of `input`, or OPTIONS_INVALID: `invalid <what> options: field: problem; …`. */
export function parseOptions<S extends z.core.$ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = z.safeParse(schema, input, ENGLISH)
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'options'}: ${i.message}`)
    throw new PgkeepError('OPTIONS_INVALID', `invalid ${what} options: ${issues.join('; ')}`, { cause: result.error })
  }
  return result.data
}
