// THE EXAMPLE'S STAND-IN FOR REAL AUTHENTICATION. Two fixed bearer tokens, an administrator and a staff
// member, so the router's rules can be tried with curl. A real app checks its own session or JWT here
// (passport, express-session, …) and never ships tokens in its source.
import type { Request } from 'express'

export interface User {
  id: string
  role: 'admin' | 'staff'
}

const USERS: Record<string, User> = {
  [process.env.EXAMPLE_ADMIN_TOKEN ?? 'admin-example-token']: { id: 'admin@kostman.test', role: 'admin' },
  [process.env.EXAMPLE_STAFF_TOKEN ?? 'staff-example-token']: { id: 'staff@kostman.test', role: 'staff' },
}

/** The caller of `req`, from `Authorization: Bearer <token>`, or undefined. */
export function userOf(req: Request): User | undefined {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')
  return match ? USERS[match[1]!] : undefined
}
