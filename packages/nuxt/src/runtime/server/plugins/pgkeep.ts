// The server plugin: runs the manager's schedule (backups and cleanups, once per occurrence across
// replicas through the manager's advisory lock) when enabled, and on Nitro's close stops it and lets
// the manager go.
import type { ScheduleHandle } from '@pgkeep/core'
import { defineNitroPlugin, useRuntimeConfig } from '#imports'
import type { PgkeepRuntimeConfig } from '../../types'
import { closeBackupManager, useBackupManager } from '../utils/backup-manager'

export default defineNitroPlugin((nitroApp) => {
  const { schedule } = useRuntimeConfig().pgkeep as PgkeepRuntimeConfig
  let handle: ScheduleHandle | undefined
  if (schedule.enabled === true || String(schedule.enabled) === 'true') {
    try {
      handle = useBackupManager().schedule({
        backup: schedule.backupCron,
        cleanup: schedule.cleanupCron,
        ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
      })
    } catch (error) {
      console.error('[pgkeep] the backup schedule did not start:', error instanceof Error ? error.message : error)
    }
  }
  nitroApp.hooks.hook('close', async () => {
    handle?.stop()
    await closeBackupManager()
  })
})
