// The `replicas` option of the backup manager: more storages that receive a copy of every backup after
// it is complete in the primary storage. Each is a storage driver, or `{ storage, retention?, name? }`
// to keep backups there longer than in the primary or to name the copy in records and events.
import * as z from 'zod/mini'
import { RetentionPolicySchema } from '../retention/retention-options'
import type { RetentionPolicy } from '../retention/policy'
import type { StorageDriver } from '../storage/driver'

const storageDriver = z.custom<StorageDriver>(
  (v) => typeof v === 'object' && v !== null && typeof (v as StorageDriver).put === 'function' && typeof (v as StorageDriver).list === 'function',
  { message: 'must be a storage driver such as fsStorage({ dir }) or s3Storage({ … })' },
)

const ReplicaObjectSchema = z.strictObject({
  storage: storageDriver,
  /**
   * What cleanup() keeps in this replica. A replica keeps at least what the primary keeps (its policy
   * can only add), so a longer policy here keeps copies after the primary deleted them. @default the manager's retention
   */
  retention: z.optional(RetentionPolicySchema),
  /** The copy's name in records, events, metrics and the CLI. @default `replica-<position from 1>` */
  name: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, ".", "_" or "-"'))),
})

export const ReplicasSchema = z.array(z.union([storageDriver, ReplicaObjectSchema])).check(z.superRefine((list, ctx) => {
    const names = list.map((r, i) => nameOf(r, i))
    names.forEach((name, i) => {
      if (name === 'primary') ctx.addIssue({ code: 'custom', path: [i, 'name'], message: '"primary" names the manager\'s own storage' })
      else if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `the name ${name} is used twice` })
    })
  }))

export type ReplicaOption = z.input<typeof ReplicasSchema>[number]

/** A replica as the manager uses it. */
export interface Replica {
  name: string
  storage: StorageDriver
  /** Its own retention policy, or null for the manager's. */
  retention: RetentionPolicy | null
}

/** The validated option as Replica objects, in the order given. */
export function replicasOf(list: z.output<typeof ReplicasSchema> | undefined): Replica[] {
  return (list ?? []).map((r, i) => ('put' in r
    ? { name: nameOf(r, i), storage: r, retention: null }
    : { name: nameOf(r, i), storage: r.storage, retention: r.retention ?? null }))
}

// --- internal ---

function nameOf(r: StorageDriver | { name?: string | undefined }, i: number): string {
  return 'put' in r || r.name === undefined ? `replica-${i + 1}` : r.name
}
