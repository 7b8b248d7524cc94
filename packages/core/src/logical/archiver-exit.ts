// Why runArchiver() returned. The manager's archive loop (manager.archive()) acts on it: a stop ends the
// archive; a schema change ends the chain, because a change log made after a DDL cannot be replayed onto
// the base backup made before it, and the loop starts a new chain with a new base backup.
import type { Lsn } from './lsn'

export type ArchiverExit =
  | { reason: 'stopped'; archivedUpTo: Lsn }
  | {
      reason: 'schema-change'
      /** Everything up to here is stored and confirmed; the changed transaction and later are not. */
      archivedUpTo: Lsn
      /** `schema.name` of the table whose definition changed, or that the base backup does not hold. */
      relation: string
      /** What changed, for the log and the event: `column amount changed type`, `new table`, … */
      detail: string
    }
