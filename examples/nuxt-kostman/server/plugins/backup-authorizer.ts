// Who may use the backup routes: administrators may do everything (their email goes into the audit
// trail), staff nothing (403), and without a session the answer is 401.
export default defineNitroPlugin(() => {
  defineBackupAuthorizer(async (event) => {
    const { user } = await getUserSession(event)
    if (!user) return null
    return user.role === 'admin' ? user.email : false
  })
})
