// The OS identity the embedded server runs as. initdb and postgres refuse to run as root, so under root
// they run as the `postgres` user (created when missing, as on a fresh CI machine); otherwise as ourselves.
import { execFileSync } from 'node:child_process'
import { chownSync } from 'node:fs'

export interface ServerUser {
  uid: number
  gid: number
}

/** `undefined` when the current user can run postgres itself. */
export function serverUser(): ServerUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined
  return (cached ??= ensurePostgresUser())
}

/** Hands a directory we created to the server user, when there is one. */
export function chownToServerUser(dir: string, user: ServerUser | undefined): void {
  if (user) chownSync(dir, user.uid, user.gid)
}

// --- internal ---

let cached: ServerUser | undefined

function ensurePostgresUser(): ServerUser {
  let ids = lookupIds('postgres')
  if (!ids) {
    const groupExists = run('getent', ['group', 'postgres']) !== undefined
    const args = ['--system', '--no-create-home', ...(groupExists ? ['--gid', 'postgres'] : ['--user-group']), 'postgres']
    try {
      execFileSync('useradd', args, { stdio: 'pipe' })
    } catch (err) {
      throw new Error('unable to create the os user "postgres" to run the embedded server as (running as root)', { cause: err })
    }
    ids = lookupIds('postgres')
    if (!ids) throw new Error('unable to read the ids of the os user "postgres" after creating it')
  }
  return ids
}

function lookupIds(name: string): ServerUser | undefined {
  const uid = run('id', ['-u', name])
  const gid = run('id', ['-g', name])
  if (uid === undefined || gid === undefined) return undefined
  return { uid: Number(uid), gid: Number(gid) }
}

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return undefined
  }
}
