// How the option matrix restores a dump with `psql -X -v ON_ERROR_STOP=1`, and the plan each case names.
import { createDatabase, restoreWithPsql } from '@pgkeep/testkit'

/**
 * Where a case's dump is restored (always into a new database from template0, dropped afterwards):
 * - `fresh`: once, after running `prepare` (SQL for what a partial dump leaves out, such as the schema
 *   of a table dumped with -t);
 * - `fresh-twice`: twice in a row, as a clean --if-exists dump must replay over itself;
 * - `over-copy`: into a copy of the source (pg_dump's full plain dump restored first), twice: a clean dump
 *   without IF EXISTS needs a target holding what it drops;
 * - `into-sections`: between pg_dump --section=pre-data and --section=post-data of the source, as a
 *   data-only dump is meant to be loaded (no triggers, constraints or indexes while rows go in; large
 *   objects left to the data-only dump, which creates them).
 *
 * `failsLikePgDump` is for the few cases where pg_dump 15's own output cannot be restored that way; it
 * holds psql's error for pg_dump's output, and pgkeep's output must then fail with that same error.
 * `pgDumpFails` is for the cases where pg_dump 15's output fails and pgkeep's, which departs from it there on
 * purpose, must restore: it holds psql's error for pg_dump's output.
 */
export interface RestorePlan {
  kind: 'fresh' | 'fresh-twice' | 'over-copy' | 'into-sections'
  prepare?: string
  failsLikePgDump?: string
  pgDumpFails?: string
}

/** The reference scripts a plan may restore around the dump: pg_dump's own output of the source. */
export interface ReferenceScripts {
  /** `pg_dump` with no options. */
  full: () => Promise<string>
  /** `pg_dump --section=pre-data -B` (no large objects: a data-only dump creates them). */
  preData: () => Promise<string>
  /** `pg_dump --section=post-data -B`. */
  postData: () => Promise<string>
}

/** Restores `script` into a new database on `serverUrl` as `plan` says; rejects naming the step and psql's first ERROR. */
export async function restoreByPlan(serverUrl: string, plan: RestorePlan, script: string, refs: ReferenceScripts): Promise<void> {
  const db = await createDatabase(serverUrl, { prefix: 'optrestore' })
  const step = async (what: string, sql: string | Promise<string>) => {
    try {
      await restoreWithPsql(db.url, await sql)
    } catch (error) {
      throw new Error(`${what}: ${(error as Error).message.replace(/ into database "[^"]+" at [^ ]+ with psql/, '')}`, { cause: error })
    }
  }
  try {
    if (plan.prepare) await step('preparing the target', plan.prepare)
    switch (plan.kind) {
      case 'fresh':
        await step('restoring the dump', script)
        break
      case 'fresh-twice':
        await step('restoring the dump', script)
        await step('restoring the dump a second time over itself', script)
        break
      case 'over-copy':
        await step("restoring pg_dump's full dump (the copy to clean)", refs.full())
        await step('restoring the clean dump over the copy', script)
        await step('restoring the clean dump a second time over itself', script)
        break
      case 'into-sections':
        await step('restoring pg_dump --section=pre-data -B', refs.preData())
        await step('restoring the data-only dump', script)
        await step('restoring pg_dump --section=post-data -B', refs.postData())
        break
    }
  } finally {
    await db.drop()
  }
}
