// KostMan's two seeded users (the passwords are in the README) and the password check: scrypt with a
// per-user salt, compared in constant time.
import { scryptSync, timingSafeEqual } from 'node:crypto'

export interface SeededUser {
  email: string
  name: string
  role: 'admin' | 'staff'
  salt: string
  /** scrypt(password, salt, 32), hex. */
  hash: string
}

export const SEEDED_USERS: readonly SeededUser[] = [
  { email: 'admin@kostman.test', name: 'Admin KostMan', role: 'admin', salt: 'kostman-admin-salt', hash: 'f3efe2172edbbdbff5cc1ab459d205da852f77100beea0697d4d977b5d72c279' },
  { email: 'staff@kostman.test', name: 'Staf KostMan', role: 'staff', salt: 'kostman-staff-salt', hash: 'bb76551cd6d93fb252ad83d5d213552b4581233fc0946f59e56ac898fa8108be' },
]

/** The user whose email and password these are, or null. */
export function checkPassword(email: string, password: string): SeededUser | null {
  const user = SEEDED_USERS.find((u) => u.email === email.trim().toLowerCase())
  // Hash even for an unknown email, so the answer takes as long either way.
  const given = scryptSync(password, user?.salt ?? 'kostman-unknown-salt', 32)
  const expected = Buffer.from(user?.hash ?? '00'.repeat(32), 'hex')
  return user && timingSafeEqual(given, expected) ? user : null
}
