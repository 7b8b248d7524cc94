// The backup routes as an Express 5 router: core's route table (handleBackupRequest) bound to Express,
// nothing more. The host app decides who may do what: authorize(req, action) resolves to the actor, or
// refuses (null/undefined → 401, false → 403, or a thrown error with statusCode 401/403).
import type { NextFunction, Request, Response, Router } from 'express'
import { Router as createRouter } from 'express'
import {
  errorResult, handleBackupRequest, nodeRouteRequest, PgkeepError, resolveHttpConfig, writeRouteResult,
  type AuthorizeOutcome, type BackupAction, type BackupManager, type HttpConfig, type RouteResult,
} from '@pgkeep/core'

export interface BackupRouterOptions extends Omit<HttpConfig, 'prefix'> {
  /** Required: who may do `action` for this request. There is no default that lets anyone in. */
  authorize: (req: Request, action: BackupAction) => AuthorizeOutcome | Promise<AuthorizeOutcome>
  /** Texts never to send (database URL, S3 secret key, passphrases): masked in error messages. */
  secrets?: readonly (string | undefined)[]
  /** Where errors that answer 5xx are reported. @default console.error */
  log?: (error: unknown) => void
}

/**
 * A router to mount anywhere (`app.use('/api/backup', createBackupRouter(backups, { authorize }))`),
 * behind `express.json()` or without it. `manager` may be a function that makes it on first use.
 */
export function createBackupRouter(manager: BackupManager | (() => BackupManager | Promise<BackupManager>), options: BackupRouterOptions): Router {
  if (typeof options?.authorize !== 'function') {
    throw new PgkeepError('OPTIONS_INVALID', 'createBackupRouter needs authorize(req, action): it resolves to the actor to allow the action, or refuses', {
      hint: 'for example: authorize: (req) => req.user?.role === "admin" ? req.user.id : req.user ? false : null',
    })
  }
  const { authorize, secrets, log, ...http } = options
  const config = resolveHttpConfig(http)
  const router = createRouter()
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    let result: RouteResult
    try {
      const parsed = req.body !== undefined ? { parsedBody: { body: req.body as unknown } } : {}
      const request = await nodeRouteRequest(req, res, { path: req.path, ...parsed })
      result = await handleBackupRequest(request, {
        manager,
        // download URLs point where the app mounted the router
        config: { ...config, prefix: req.baseUrl },
        authorize: (action) => authorize(req, action),
        ...(secrets ? { secrets } : {}),
        ...(log ? { log } : {}),
      })
    } catch (error) {
      result = errorResult(error, secrets, log)
    }
    try {
      await writeRouteResult(res, result)
    } catch (error) {
      next(error)
    }
  })
  return router
}
