// pg checks at load whether it runs in a Cloudflare Worker. Where `navigator` is missing (Node 20;
// Node 21 and later define it) that check builds a fetch `Response`, and with it loads node's fetch
// implementation (undici): about 12 MB of resident memory and 30 ms of start-up that every command paid
// for nothing. The command gives itself a `navigator` like Node 21's, which answers the check at once.
// The command keeps it for its whole run; @pgkeep/core, which an application embeds, defines one only for
// the length of its own require of pg and removes it again (core's load-pg-without-fetch.ts).
import { availableParallelism } from 'node:os'

/** Defines `globalThis.navigator` (userAgent, hardwareConcurrency) when the runtime has none; returns whether it did. */
export function provideNavigator(): boolean {
  if ('navigator' in globalThis) return false
  const major = process.versions.node.split('.')[0]
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.freeze({ userAgent: `Node.js/${major}`, hardwareConcurrency: availableParallelism() }),
    writable: true,
    configurable: true,
    enumerable: false,
  })
  return true
}
