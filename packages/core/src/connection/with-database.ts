// The same connection, to another database of the same server (for CREATE DATABASE and scratch
// databases): the connection's keywords with dbname replaced.
import { parseConnInfo } from './parse-conninfo.js'
import type { ConnectionParams } from './resolve-connection.js'

export function withDatabaseName(target: string | ConnectionParams | undefined, dbname: string): ConnectionParams {
  const base: ConnectionParams = typeof target === 'string' ? (parseConnInfo(target) as ConnectionParams) : { ...(target ?? {}) }
  return { ...base, dbname }
}
