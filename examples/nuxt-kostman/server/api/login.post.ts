// Signs a seeded user in: a sealed session cookie (nuxt-auth-utils) holding email, name and role.
import { z } from 'zod'

const LoginBody = z.object({ email: z.string().min(1).max(200), password: z.string().min(1).max(200) })

export default defineEventHandler(async (event) => {
  const body = await readValidatedBody(event, (b) => LoginBody.safeParse(b))
  if (!body.success) throw createError({ statusCode: 400, message: 'Email dan kata sandi wajib diisi' })
  const user = checkPassword(body.data.email, body.data.password)
  if (!user) throw createError({ statusCode: 401, message: 'Email atau kata sandi salah' })
  await setUserSession(event, { user: { email: user.email, name: user.name, role: user.role } })
  return { user: { email: user.email, name: user.name, role: user.role } }
})
