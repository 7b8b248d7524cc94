// Public surface of connection handling: parse libpq connection strings, resolve them against the
// environment as psql does, connect with clean errors, redact secrets. Internals stay unexported.

export { connect, idleErrorOf, type ConnectOptions } from './connect.js'
export type { ConnInfo } from './conninfo.js'
export { nodeFileSystem, type FileInfo, type FileSystem } from './file-system.js'
export { CONN_KEYWORDS, isConnKeyword, type ConnKeyword } from './keywords.js'
export { isConnectionString, parseConnInfo } from './parse-conninfo.js'
export { findPgpassPassword, type PgpassKey } from './pgpass.js'
export { redactConnectionString, scrubSecrets } from './redact.js'
export { resolveConnection, type ConnectionParams, type ResolveContext } from './resolve-connection.js'
export {
  MissingPasswordError,
  ResolvedConnection,
  TARGET_SESSION_ATTRS,
  type ConnectionTarget,
  type TargetSessionAttrs,
} from './resolved-connection.js'
export { CONVENTIONAL_SOCKET_DIRECTORIES } from './socket-directory.js'
export { SSL_MODES, type SslMode } from './ssl-options.js'
export { withDatabaseName } from './with-database.js'
