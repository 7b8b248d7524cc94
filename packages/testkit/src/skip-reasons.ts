// Why a test cannot run on this machine, as the reason it skips with (see skip-when.ts): one wording
// per missing prerequisite, each saying what to provide. undefined means the prerequisite is there.
import { hasPsql, localPgDumpMajor } from './psql'
import { pagilaFixture } from './shared'

/** The pagila scripts are not in `../shared/fixtures/pagila` beside the repository. */
export function noPagila(): string | undefined {
  return pagilaFixture() ? undefined : 'pagila is not in ../shared/fixtures/pagila (the shared folder beside the repository)'
}

/** psql is not on PATH. */
export async function noPsql(): Promise<string | undefined> {
  return (await hasPsql()) ? undefined : 'psql is not on PATH (apt-get install postgresql-client)'
}

/** The local pg_dump cannot dump a server of `serverMajor` (there is none, or it is older). */
export async function pgDumpCannotDump(serverMajor: number): Promise<string | undefined> {
  const major = await localPgDumpMajor()
  if (major === undefined) return 'pg_dump is not on PATH (apt-get install postgresql-client)'
  return major >= serverMajor ? undefined : `the local pg_dump ${major} is older than the server (${serverMajor}) and refuses it`
}

/** The local pg_dump is not of the server's major, so its output cannot be compared line for line. */
export async function pgDumpNotOfMajor(serverMajor: number): Promise<string | undefined> {
  const major = await localPgDumpMajor()
  if (major === undefined) return 'pg_dump is not on PATH (apt-get install postgresql-client)'
  return major === serverMajor ? undefined : `the local pg_dump is ${major}, the server ${serverMajor}: their output is compared only when the majors match`
}

/** The first reason of several, or undefined when none applies. */
export function firstReason(...reasons: (string | undefined)[]): string | undefined {
  return reasons.find((r) => r !== undefined)
}
