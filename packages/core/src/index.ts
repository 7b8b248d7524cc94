// Public API of @pgkeep/core.
export { dump, randomRestrictKey, type DumpProgress, type DumpRunOptions, type DumpSummary, type DumpTableSummary } from './dump'
export { DumpOptionsSchema, resolveDumpOptions, type DumpOptions, type ResolvedDumpOptions } from './options'
export { ERROR_CODES, PgkeepError, isPgkeepError, type ErrorCode } from './errors'
export {
  connect, redactConnectionString, resolveConnection, scrubSecrets,
  type ConnectionParams, type ResolvedConnection,
} from './connection/index'
export { MIN_SUPPORTED_MAJOR, MAX_SUPPORTED_MAJOR } from './session/server-version'
export { PGKEEP_VERSION } from './version'
