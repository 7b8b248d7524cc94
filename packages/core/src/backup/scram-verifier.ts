// A SCRAM-SHA-256 verifier for a password (RFC 5802/7677, as PostgreSQL stores it in pg_authid), made
// here so that CREATE ROLE … PASSWORD never carries the password itself: a server log of the statement
// shows only the verifier. The format is `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'

/** PostgreSQL's default iteration count (scram_iterations). */
const ITERATIONS = 4096

/** The verifier of `password` (plain ASCII: SASLprep leaves it as it is). */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = ITERATIONS): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}
