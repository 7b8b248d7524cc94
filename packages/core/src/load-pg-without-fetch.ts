// The second import of `@pgkeep/core` and `@pgkeep/core/engine`: it loads pg before the library's modules
// do, so that pg's load-time check for a Cloudflare Worker does not load node's fetch implementation.
// That check reads `navigator.userAgent`; where `navigator` is missing (Node 20; Node 21 and later define
// it) it builds a fetch `Response` instead, and with it loads undici: 20–30 ms of the import and about
// 10 MB of resident memory that a process which never fetches keeps to its end (a web server's backups
// then peak that much higher). Here pg is required with a `navigator` like Node 21's defined for the
// length of that one call and removed again before anything else runs, so the host's own modules never
// see it. A host that defines `navigator` itself, or has already loaded pg, is left as it is. If pg cannot
// be required from here (a bundler moved this module), nothing is done: the library's own import of pg
// loads it as before.
// An entry of its own (tsup.config.ts), as hold-heap-while-loading.ts: bundled into the entry points, it
// would run after pg had loaded.
import { createRequire } from 'node:module'

export function loadPgWithoutFetch(require: (id: string) => unknown = createRequire(import.meta.url)): boolean {
  if ('navigator' in globalThis) return false
  const major = process.versions.node.split('.')[0]
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.freeze({ userAgent: `Node.js/${major}` }),
    writable: true,
    configurable: true,
    enumerable: false,
  })
  try {
    require('pg')
    return true
  } catch {
    return false
  } finally {
    delete (globalThis as { navigator?: unknown }).navigator
  }
}

loadPgWithoutFetch()
