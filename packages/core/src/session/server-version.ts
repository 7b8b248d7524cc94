// The server versions pgkeep reads, and the catalog differences it gates on (Appendix B of the
// pg_dump reference): every version branch in the catalog queries goes through `atLeast`.
import { PgkeepError } from '../errors'

export const MIN_SUPPORTED_MAJOR = 13
export const MAX_SUPPORTED_MAJOR = 18

export interface ServerVersion {
  /** `server_version_num`, e.g. 150020. */
  num: number
  major: number
  /** `server_version` as the server reports it, e.g. `15.20 (Debian 15.20-0+deb12u1)`. */
  text: string
}

export function parseServerVersion(num: string, text: string): ServerVersion {
  const n = Number(num)
  if (!Number.isInteger(n) || n < 10_00_00) {
    throw new PgkeepError('SERVER_VERSION_UNSUPPORTED', `unable to understand server version "${text}"`)
  }
  return { num: n, major: Math.floor(n / 10000), text }
}

export function assertSupported(version: ServerVersion): void {
  if (version.major < MIN_SUPPORTED_MAJOR || version.major > MAX_SUPPORTED_MAJOR) {
    throw new PgkeepError(
      'SERVER_VERSION_UNSUPPORTED',
      `server version ${version.text} is not supported; pgkeep dumps PostgreSQL ${MIN_SUPPORTED_MAJOR} to ${MAX_SUPPORTED_MAJOR}`,
      { hint: version.major > MAX_SUPPORTED_MAJOR ? 'upgrade pgkeep to a release that knows this server version' : 'use a pg_dump matching this server' },
    )
  }
}

export function atLeast(version: ServerVersion, major: number): boolean {
  return version.num >= major * 10000
}
