import { describe, expect, it } from 'vitest'
import { provideNavigator } from '../src/node-navigator'

describe('provideNavigator', () => {
  it('leaves a navigator the runtime has alone, and defines one like Node 21+\'s where it is missing', () => {
    const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    try {
      if (had) {
        expect(provideNavigator()).toBe(false)
        expect(Object.getOwnPropertyDescriptor(globalThis, 'navigator')).toBe(had)
      }
      delete (globalThis as { navigator?: unknown }).navigator
      expect(provideNavigator()).toBe(true)
      const navigator = (globalThis as unknown as { navigator: { userAgent: string; hardwareConcurrency: number } }).navigator
      expect(navigator.userAgent).toBe(`Node.js/${process.versions.node.split('.')[0]}`)
      expect(navigator.hardwareConcurrency).toBeGreaterThanOrEqual(1)
      expect(provideNavigator()).toBe(false)
    } finally {
      delete (globalThis as { navigator?: unknown }).navigator
      if (had) Object.defineProperty(globalThis, 'navigator', had)
    }
  })
})
