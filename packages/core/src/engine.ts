// `@pgkeep/core/engine`: the dump engine alone. dump() and what a program that only dumps uses with it
// (its options, the errors, the connection helpers, gzip members), without the backup manager, the
// storage drivers, restore and the replication stream, which `@pgkeep/core` adds. The `pgkeep` command
// loads this much at start and the rest only for the commands that need it.
// first, before the modules of pg and zod load: hold-heap-while-loading.ts
import './hold-heap-while-loading.js'
// second, so that pg loads without node's fetch implementation: load-pg-without-fetch.ts
import './load-pg-without-fetch.js'
export { dump, randomRestrictKey, type DumpEntry, type DumpProgress, type DumpRunOptions, type DumpSummary, type DumpTableSummary } from './dump'
export type { DumpDestination } from './write/output'
export { DumpOptionsSchema, resolveDumpOptions, type DumpOptions, type ResolvedDumpOptions } from './options'
export { ERROR_CODES, ERROR_STATUS, PgkeepError, httpStatusOf, isPgkeepError, isRefusal, type ErrorCode } from './errors'
export {
  connect, redactConnectionString, resolveConnection, scrubSecrets,
  type ConnectionParams, type ResolvedConnection,
} from './connection/index'
export { splitKeyList } from './config/key-list'
export { MIN_SUPPORTED_MAJOR, MAX_SUPPORTED_MAJOR } from './session/server-version'
export { PGKEEP_VERSION } from './version'
export { GzipMembers, type GzipMember } from './compress/gzip-members'
export { SyncBehind, SYNC_BEHIND_BYTES } from './storage/sync-behind'
