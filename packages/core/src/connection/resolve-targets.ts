// Turns host, hostaddr and port (each possibly a comma-separated list) into the targets libpq would
// try, in order, filling the default socket directory for empty hosts. Invariant: one port applies
// to every host, otherwise there are exactly as many ports (and hostaddrs) as hosts.

import { isIP } from 'node:net'
import { PgkeepError } from '../errors.js'
import type { ConnInfo } from './conninfo.js'
import type { FileSystem } from './file-system.js'
import { parseIntParam } from './parse-int-param.js'
import type { ConnectionTarget } from './resolved-connection.js'
import { defaultSocketDirectory, isAbstractSocket, isSocketDirectory } from './socket-directory.js'

export interface HostSlot {
  target: ConnectionTarget
  /** The host field password-file lines are matched against. */
  pgpassHost: string
}

export function resolveTargets(
  info: ConnInfo,
  from: (keyword: string) => string,
  fs: FileSystem,
  socketDirectories: readonly string[],
): HostSlot[] {
  const hostaddrs = info.hostaddr ? info.hostaddr.split(',') : undefined
  const hosts = info.host ? info.host.split(',') : undefined
  const count = hostaddrs?.length ?? hosts?.length ?? 1
  if (hostaddrs !== undefined && hosts !== undefined && hosts.length !== hostaddrs.length) {
    throw invalid(`could not match ${hosts.length} host names to ${hostaddrs.length} hostaddr values`)
  }
  const portList = info.port ? info.port.split(',') : ['']
  if (portList.length !== 1 && portList.length !== count) {
    throw invalid(`could not match ${portList.length} port numbers to ${count} hosts`)
  }
  const slots: HostSlot[] = []
  for (let i = 0; i < count; i++) {
    const port = parsePort(portList.length === 1 ? portList[0]! : portList[i]!, from)
    const hostaddr = hostaddrs?.[i] || undefined
    const host = hosts?.[i] ?? ''
    const defaultDir = (): string | undefined => defaultSocketDirectory(port, fs, socketDirectories)
    if (hostaddr !== undefined) {
      if (isIP(hostaddr) === 0) throw invalid(`invalid hostaddr "${hostaddr}"${from('hostaddr')}: expected a numeric ip address`)
      const key = host || hostaddr
      slots.push({
        target: { host, hostaddr, port, socket: false },
        pgpassHost: isSocketDirectory(key) && key === defaultDir() ? 'localhost' : key,
      })
    } else if (host !== '') {
      if (isAbstractSocket(host)) {
        throw invalid(`abstract unix socket "${host}"${from('host')} is not supported`, 'pg connects only to socket directories and tcp hosts')
      }
      const socket = isSocketDirectory(host)
      slots.push({ target: { host, hostaddr, port, socket }, pgpassHost: socket && host === defaultDir() ? 'localhost' : host })
    } else {
      const dir = defaultDir()
      slots.push({
        target: dir === undefined ? { host: 'localhost', hostaddr, port, socket: false } : { host: dir, hostaddr, port, socket: true },
        pgpassHost: 'localhost',
      })
    }
  }
  return slots
}

function parsePort(text: string, from: (keyword: string) => string): number {
  if (text === '') return 5432
  const port = parseIntParam(text)
  if (port === undefined || port < 1 || port > 65535) {
    // "postgresql://user:secret" (no "@host") puts a password where the port goes: only quote digits.
    const shown = /^[\s\d+-]*$/.test(text) ? ` "${text}"` : ''
    throw invalid(`invalid port${shown}${from('port')}: expected an integer from 1 to 65535`)
  }
  return port
}

function invalid(message: string, hint?: string): PgkeepError {
  return new PgkeepError('CONNECTION_INVALID', message, hint === undefined ? {} : { hint })
}
