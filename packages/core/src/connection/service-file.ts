// Reads a service definition ([name] sections of keyword=value lines) from the per-user service file,
// else from pg_service.conf in the system configuration directory, as libpq does for service=name.
// Invariant: the first file that has the section is the only one read; messages never quote values.

import { PgkeepError } from '../errors.js'
import type { ConnInfo } from './conninfo.js'
import type { FileSystem } from './file-system.js'
import { isConnKeyword } from './keywords.js'

/**
 * Where packagers point libpq's SYSCONFDIR (Debian/Ubuntu, upstream's default prefix, Red Hat).
 * PGSYSCONFDIR replaces the whole list.
 */
export const CONVENTIONAL_SYSCONF_DIRECTORIES: readonly string[] = ['/etc/postgresql-common', '/usr/local/pgsql/etc', '/etc']

export interface ServiceFileLocations {
  /** servicefile= / PGSERVICEFILE, else ~/.pg_service.conf. */
  readonly userFile: string | undefined
  /** Directories whose pg_service.conf is consulted next, in order. */
  readonly systemDirectories: readonly string[]
}

export interface ServiceDefinition {
  readonly values: ConnInfo
  readonly file: string
}

export function readServiceDefinition(service: string, where: ServiceFileLocations, fs: FileSystem): ServiceDefinition {
  const files = [
    ...(where.userFile === undefined ? [] : [where.userFile]),
    ...where.systemDirectories.map((dir) => `${dir}/pg_service.conf`),
  ]
  for (const file of files) {
    if (fs.stat(file)?.kind !== 'file') continue
    let content: string
    try {
      content = fs.readFile(file).toString('utf8')
    } catch (cause) {
      throw new PgkeepError('CONNECTION_INVALID', `could not read service file "${file}"`, { cause })
    }
    const values = parseServiceSection(content, service, file)
    if (values !== undefined) return { values, file }
  }
  throw new PgkeepError('CONNECTION_INVALID', `definition of service "${service}" not found`, {
    hint: `define [${service}] in ${files.map((f) => `"${f}"`).join(' or ')}, or set PGSERVICEFILE or PGSYSCONFDIR`,
  })
}

/** The keyword/values of section [service] in `content`, or undefined if it has no such section. */
export function parseServiceSection(content: string, service: string, file: string): ConnInfo | undefined {
  let inSection = false
  let found = false
  const values: ConnInfo = {}
  const lines = content.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim()
    const where = `in service file "${file}", line ${index + 1}`
    if (line === '' || line.startsWith('#')) continue
    if (line.startsWith('[')) {
      if (inSection) break
      inSection = line.startsWith(`[${service}]`)
      found ||= inSection
      continue
    }
    if (!inSection) continue
    if (line.startsWith('ldap')) {
      throw new PgkeepError('CONNECTION_INVALID', `ldap service lookups are not supported (${where})`)
    }
    const eq = line.indexOf('=')
    if (eq < 0) throw new PgkeepError('CONNECTION_INVALID', `syntax error ${where}`)
    const key = line.slice(0, eq)
    if (key === 'service' || key === 'servicefile') {
      throw new PgkeepError('CONNECTION_INVALID', `nested "${key}" specifications are not supported ${where}`)
    }
    if (!isConnKeyword(key)) throw new PgkeepError('CONNECTION_INVALID', `invalid connection option "${key}" ${where}`)
    // The first occurrence wins, as libpq never overrides a value already set.
    if (values[key] === undefined) values[key] = line.slice(eq + 1)
  }
  return found ? values : undefined
}
