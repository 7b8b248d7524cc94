// Why runArchiver() returned. The manager's archive loop (manager.archive()) acts on it: a stop ends the
// archive; a schema change ends the chain, because a change log made after a DDL cannot be replayed onto
// the base backup made before it, and the loop starts a new chain with a new base backup.
import type { Lsn } from './lsn'
import type { OutsideLog } from './sample-sequences'

export type ArchiverExit =
  | {
      reason: 'stopped'
      /** End LSN of the newest stored segment (0 when none is). */
      archivedUpTo: Lsn
      /** With the `sql` option: what the change log does not hold (unlogged tables, large objects), as last seen. */
      outsideLog?: OutsideLog
    }
  | {
      reason: 'schema-change'
      /** Everything up to here is stored and confirmed; the changed transaction and later are not. */
      archivedUpTo: Lsn
      /** `schema.name` of the table whose definition changed, or that the base backup does not hold. */
      relation: string
      /** What changed, for the log and the event: `column amount changed type`, `new table`, … */
      detail: string
      /** With the `sql` option: what the change log does not hold, as last seen. */
      outsideLog?: OutsideLog
    }
