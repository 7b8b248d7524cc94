// Where libpq would look for the local server when no host is given: the Unix socket directory.
// Invariant: a directory holding .s.PGSQL.<port> wins; else the first existing conventional one.

import type { FileSystem } from './file-system.js'

/**
 * The directories distributions compile into libpq as DEFAULT_PGSOCKET_DIR, most common first
 * (Debian/Ubuntu and Red Hat use /var/run/postgresql or /run/postgresql, upstream uses /tmp).
 */
export const CONVENTIONAL_SOCKET_DIRECTORIES: readonly string[] = ['/var/run/postgresql', '/run/postgresql', '/tmp']

export function socketFileName(port: number): string {
  return `.s.PGSQL.${port}`
}

/** A host that names a Unix socket directory (an absolute path), as libpq's is_unixsock_path. */
export function isSocketDirectory(host: string): boolean {
  return host.startsWith('/')
}

/** A host in Linux's abstract socket namespace ("@name"); libpq supports these, pg cannot. */
export function isAbstractSocket(host: string): boolean {
  return host.startsWith('@')
}

/**
 * The directory to use for `port`: the first of `directories` with a socket file for the port,
 * else the first that exists, else undefined (the caller then uses TCP to localhost).
 */
export function defaultSocketDirectory(
  port: number,
  fs: FileSystem,
  directories: readonly string[] = CONVENTIONAL_SOCKET_DIRECTORIES,
): string | undefined {
  const withSocket = directories.find((dir) => fs.stat(`${dir}/${socketFileName(port)}`)?.kind === 'socket')
  return withSocket ?? directories.find((dir) => fs.stat(dir)?.kind === 'directory')
}
