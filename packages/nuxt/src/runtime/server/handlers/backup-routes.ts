// The one server handler under the prefix: core's route table bound to h3. It holds no backup logic;
// core's handleBackupRequest matches, authorizes (through the app's defineBackupAuthorizer), validates
// and calls the manager; this file only hands it the request and writes back what it answers.
import { defineEventHandler } from 'h3'
import { errorResult, handleBackupRequest, type BackupAction } from '@pgkeep/core'
import { useRuntimeConfig } from '#imports'
import { backupAuthorizer } from '../utils/authorizer'
import { backupSecrets, useBackupHttpConfig, useBackupManager } from '../utils/backup-manager'
import { sendRouteResult, toRouteRequest } from '../utils/h3-node'

export default defineEventHandler(async (event) => {
  const prefix = (useRuntimeConfig().public.pgkeep as { prefix: string }).prefix
  let result
  try {
    const request = await toRouteRequest(event, prefix)
    const authorize = backupAuthorizer()
    result = await handleBackupRequest(request, {
      manager: useBackupManager,
      config: useBackupHttpConfig(prefix),
      secrets: backupSecrets(),
      ...(authorize ? { authorize: (action: BackupAction) => authorize(event, action) } : {}),
    })
  } catch (error) {
    result = errorResult(error, backupSecrets())
  }
  await sendRouteResult(event, result)
})
