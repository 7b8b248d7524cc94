// load-pg-without-fetch.ts: pg is required with a `navigator` defined for that one call, and the process's
// globals are as they were afterwards, whether pg loaded or failed; a host's own navigator is left alone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadPgWithoutFetch } from '../../src/load-pg-without-fetch'

const major = process.versions.node.split('.')[0]

describe('loadPgWithoutFetch', () => {
  // Node 21 and later define navigator: each case starts without one, as Node 20 does, and puts it back after
  let own: PropertyDescriptor | undefined
  beforeEach(() => {
    own = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    delete (globalThis as { navigator?: unknown }).navigator
  })
  afterEach(() => {
    delete (globalThis as { navigator?: unknown }).navigator
    if (own) Object.defineProperty(globalThis, 'navigator', own)
  })

  it('requires pg while a navigator like Node 21+\'s is defined, and removes it after', () => {
    const seen: Array<{ id: string; userAgent: unknown }> = []
    const loaded = loadPgWithoutFetch((id) => {
      seen.push({ id, userAgent: (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent })
      return {}
    })
    expect(loaded).toBe(true)
    expect(seen).toEqual([{ id: 'pg', userAgent: `Node.js/${major}` }])
    expect('navigator' in globalThis).toBe(false)
  })

  it('removes the navigator when pg fails to load, and leaves the failure to the library\'s own import', () => {
    const loaded = loadPgWithoutFetch(() => {
      throw new Error("Cannot find module 'pg'")
    })
    expect(loaded).toBe(false)
    expect('navigator' in globalThis).toBe(false)
  })

  it('leaves a host\'s own navigator as it is and requires nothing', () => {
    const hosts = { userAgent: 'a host of its own' }
    ;(globalThis as { navigator?: unknown }).navigator = hosts
    const required: string[] = []
    expect(loadPgWithoutFetch((id) => required.push(id))).toBe(false)
    expect(required).toEqual([])
    expect((globalThis as { navigator?: unknown }).navigator).toBe(hosts)
  })
})
