// The module's server plugin runs the manager's schedule when it is switched on (here through the
// environment, at run time): a scheduled backup appears in the history without anyone calling a route.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

let app: KostmanServer
let admin: string

beforeAll(async () => {
  app = await startKostman({
    env: {
      NUXT_PGKEEP_SCHEDULE_ENABLED: 'true',
      // croner's six-field pattern: every fifth second; no scheduled cleanup.
      NUXT_PGKEEP_SCHEDULE_BACKUP_CRON: '*/5 * * * * *',
      NUXT_PGKEEP_SCHEDULE_CLEANUP_CRON: 'false',
    },
  })
  admin = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
})

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`--- KostMan server output ---\n${app?.output().slice(-6000)}`)
})

afterAll(async () => {
  await app?.stop()
})

describe('scheduled backups', () => {
  it('runs the schedule from the runtime config: a scheduled backup shows in the history', async () => {
    const deadline = Date.now() + 45_000
    let backups: { type: string; createdBy: string | null }[] = []
    while (Date.now() < deadline) {
      const history = (await (await fetch(`${app.url}/api/backup/history`, { headers: { cookie: admin } })).json()) as { backups: { type: string; createdBy: string | null }[] }
      backups = history.backups
      if (backups.length > 0) break
      await new Promise((r) => setTimeout(r, 500))
    }
    expect(backups.length).toBeGreaterThan(0)
    expect(backups[0]).toMatchObject({ type: 'scheduled', createdBy: null })
  })
})
