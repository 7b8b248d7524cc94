// Turns libpq's SSL keywords (sslmode, sslrootcert, sslcert, sslkey, …) into Node TLS options,
// loading the certificate files libpq would load. Invariant: verification is never weaker than
// libpq's for the same sslmode; the private key stays non-enumerable, its passphrase is not kept.

import { createPrivateKey } from 'node:crypto'
import type { ConnectionOptions, SecureVersion } from 'node:tls'
import { PgkeepError } from '../errors.js'
import type { FileSystem } from './file-system.js'

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const
export type SslMode = (typeof SSL_MODES)[number]

const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']

export interface SslKeywords {
  sslmode?: string | undefined
  sslnegotiation?: string | undefined
  sslrootcert?: string | undefined
  sslcert?: string | undefined
  sslkey?: string | undefined
  sslpassword?: string | undefined
  sslcrl?: string | undefined
  sslcertmode?: string | undefined
  ssl_min_protocol_version?: string | undefined
  ssl_max_protocol_version?: string | undefined
}

export interface SslSettings {
  readonly mode: SslMode
  readonly negotiation: 'postgres' | 'direct'
  /** TLS options for any attempt that uses SSL; undefined when SSL is never attempted. */
  readonly tls: ConnectionOptions | undefined
}

/** Validates sslmode and sslnegotiation; cheap, no file access. */
export function parseSslMode(keywords: SslKeywords, sourceOf: (keyword: string) => string): Pick<SslSettings, 'mode' | 'negotiation'> {
  const mode = keywords.sslmode || 'prefer'
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw invalid(`invalid sslmode "${mode}"${sourceOf('sslmode')}: expected ${SSL_MODES.join(', ')}`)
  }
  const negotiation = keywords.sslnegotiation || 'postgres'
  if (negotiation !== 'postgres' && negotiation !== 'direct') {
    throw invalid(`invalid sslnegotiation "${negotiation}"${sourceOf('sslnegotiation')}: expected postgres or direct`)
  }
  if (negotiation === 'direct' && !['require', 'verify-ca', 'verify-full'].includes(mode)) {
    throw invalid(`sslnegotiation=direct cannot be used with sslmode=${mode}`, 'use sslmode=require, verify-ca or verify-full')
  }
  return { mode: mode as SslMode, negotiation }
}

/**
 * The TLS options for `keywords`. Default file names are under `homeDir`/.postgresql as in libpq;
 * with no home directory there are no default files.
 */
export function buildSslSettings(
  keywords: SslKeywords,
  homeDir: string | undefined,
  fs: FileSystem,
  sourceOf: (keyword: string) => string,
): SslSettings {
  const { mode, negotiation } = parseSslMode(keywords, sourceOf)
  if (mode === 'disable') return { mode, negotiation, tls: undefined }
  const defaults = (name: string): string | undefined => (homeDir === undefined ? undefined : `${homeDir}/.postgresql/${name}`)
  const tls: ConnectionOptions = { ...protocolVersions(keywords, sourceOf) }

  const rootCert = keywords.sslrootcert || defaults('root.crt')
  const verifying = mode === 'verify-ca' || mode === 'verify-full'
  if (rootCert === 'system') {
    // libpq insists on full verification against the system's trust store.
    if (mode !== 'verify-full') {
      throw invalid(`weak sslmode "${mode}" may not be used with sslrootcert=system`, 'use sslmode=verify-full')
    }
    tls.rejectUnauthorized = true
  } else if (verifying || (mode === 'require' && rootCert !== undefined && isFile(fs, rootCert))) {
    // With a root certificate present, libpq's sslmode=require behaves like verify-ca.
    if (rootCert === undefined || !isFile(fs, rootCert)) {
      throw invalid(
        rootCert === undefined
          ? `sslmode=${mode} needs a root certificate file and there is no home directory to find one in`
          : `root certificate file "${rootCert}" does not exist`,
        'provide the file with sslrootcert, use sslrootcert=system to trust the system certificate authorities, or use sslmode=require to skip verification',
      )
    }
    tls.ca = readOrThrow(fs, rootCert, 'root certificate')
    tls.rejectUnauthorized = true
    const crl = keywords.sslcrl || defaults('root.crl')
    if (crl !== undefined && isFile(fs, crl)) tls.crl = readOrThrow(fs, crl, 'certificate revocation list')
    // verify-ca checks the chain only; the host name is checked in verify-full alone.
    if (mode !== 'verify-full') tls.checkServerIdentity = () => undefined
  } else {
    tls.rejectUnauthorized = false
  }

  const certMode = keywords.sslcertmode || 'allow'
  if (certMode !== 'disable') addClientCertificate(tls, keywords, defaults, fs)
  return { mode, negotiation, tls }
}

function addClientCertificate(
  tls: ConnectionOptions,
  keywords: SslKeywords,
  defaults: (name: string) => string | undefined,
  fs: FileSystem,
): void {
  const certFile = keywords.sslcert || defaults('postgresql.crt')
  // libpq silently goes without a client certificate when the file does not exist.
  if (certFile === undefined || !isFile(fs, certFile)) return
  const keyFile = keywords.sslkey || defaults('postgresql.key')
  if (keyFile === undefined || fs.stat(keyFile) === undefined) {
    throw invalid(`certificate present, but not private key file${keyFile === undefined ? '' : ` "${keyFile}"`}`, 'set sslkey to the private key of the client certificate')
  }
  checkKeyPermissions(fs, keyFile)
  tls.cert = readOrThrow(fs, certFile, 'client certificate')
  const key = readOrThrow(fs, keyFile, 'private key')
  // pg copies only `key` out of a non-enumerable property, so an encrypted key is decrypted here
  // rather than handing pg a passphrase that would show when the options are logged.
  hide(tls, 'key', keywords.sslpassword ? decryptKey(key, keywords.sslpassword, keyFile) : key)
}

function decryptKey(key: Buffer, passphrase: string, keyFile: string): Buffer {
  try {
    const exported = createPrivateKey({ key, format: 'pem', passphrase }).export({ type: 'pkcs8', format: 'pem' })
    return Buffer.from(exported)
  } catch (cause) {
    throw new PgkeepError('CONNECTION_INVALID', `could not decrypt private key file "${keyFile}" with sslpassword`, { cause })
  }
}

/** libpq refuses a private key others can read: 0600 if owned by the user, 0640 if owned by root. */
function checkKeyPermissions(fs: FileSystem, keyFile: string): void {
  const info = fs.stat(keyFile)
  if (info === undefined || !fs.enforcesPermissions) return
  if (info.kind !== 'file') throw invalid(`private key file "${keyFile}" is not a regular file`)
  const ownByUser = info.uid === fs.euid && (info.mode & 0o077) !== 0
  const ownByRoot = info.uid === 0 && (info.mode & 0o037) !== 0
  if (ownByUser || ownByRoot) {
    throw invalid(
      `private key file "${keyFile}" has group or world access`,
      'the file must have permissions u=rw (0600) or less if owned by the current user, or u=rw,g=r (0640) or less if owned by root',
    )
  }
}

function protocolVersions(keywords: SslKeywords, sourceOf: (keyword: string) => string): ConnectionOptions {
  const pick = (keyword: 'ssl_min_protocol_version' | 'ssl_max_protocol_version', fallback: SecureVersion | undefined) => {
    const value = keywords[keyword]
    if (!value) return fallback
    const version = TLS_VERSIONS.find((v) => v.toLowerCase() === value.toLowerCase())
    if (version === undefined) {
      throw invalid(`invalid ${keyword} "${value}"${sourceOf(keyword)}: expected ${TLS_VERSIONS.join(', ')}`)
    }
    return version
  }
  const minVersion = pick('ssl_min_protocol_version', 'TLSv1.2')
  const maxVersion = pick('ssl_max_protocol_version', undefined)
  if (minVersion !== undefined && maxVersion !== undefined && TLS_VERSIONS.indexOf(minVersion) > TLS_VERSIONS.indexOf(maxVersion)) {
    throw invalid(`invalid ssl protocol version range: ${minVersion} to ${maxVersion}`)
  }
  return maxVersion === undefined ? { minVersion } : { minVersion, maxVersion }
}

function isFile(fs: FileSystem, path: string): boolean {
  return fs.stat(path)?.kind === 'file'
}

function readOrThrow(fs: FileSystem, path: string, what: string): Buffer {
  try {
    return fs.readFile(path)
  } catch (cause) {
    throw new PgkeepError('CONNECTION_INVALID', `could not read ${what} file "${path}"`, { cause })
  }
}

function hide(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true })
}

function invalid(message: string, hint?: string): PgkeepError {
  return new PgkeepError('CONNECTION_INVALID', message, hint === undefined ? {} : { hint })
}
