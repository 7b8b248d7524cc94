// The V8 settings a dump holds while it runs (memory/dump-heap-flags.ts): set when the first dump starts,
// the host's start-up values put back when the last one ends, whatever the overlap; and how those start-up
// values are read from node's command line and NODE_OPTIONS.
import { describe, expect, it } from 'vitest'
import { DUMP_HEAP_FLAGS, DumpHeapFlags, holdDumpHeapFlags, startupFlagValue } from '../../src/memory/dump-heap-flags'

describe('DumpHeapFlags', () => {
  it('sets the dump flags for the first holder and puts the host values back after the last', () => {
    const set: string[] = []
    const flags = new DumpHeapFlags((f) => set.push(f), () => ({ 'heap-growing-percent': 35 }))
    const first = flags.hold()
    expect(set).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=20'])
    const second = flags.hold()
    first()
    first()
    expect(set).toHaveLength(2)
    second()
    // 35 from the host; the growth factor was not given, so V8's default
    expect(set.slice(2)).toEqual(['--semi-space-growth-factor=2', '--heap-growing-percent=35'])
    second()
    expect(set).toHaveLength(4)
    const third = flags.hold()
    expect(set.slice(4)).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=20'])
    third()
    expect(set).toHaveLength(8)
  })

  it('a node that refuses a flag does not fail the dump', () => {
    const flags = new DumpHeapFlags(() => {
      throw new Error('unknown flag')
    }, () => ({}))
    expect(() => flags.hold()()).not.toThrow()
  })

  it('V8 defaults are what node 20 documents', () => {
    expect(DUMP_HEAP_FLAGS.map((f) => [f.name, f.v8Default])).toEqual([['semi-space-growth-factor', 2], ['heap-growing-percent', 0]])
  })

  it('holdDumpHeapFlags(false) sets nothing and its release is harmless', () => {
    expect(() => holdDumpHeapFlags(false)()).not.toThrow()
  })
})

describe('startupFlagValue', () => {
  const name = 'heap-growing-percent'
  it('is the fallback when neither execArgv nor NODE_OPTIONS gives it', () => {
    expect(startupFlagValue(name, ['--max-semi-space-size=1'], '--enable-source-maps', 0)).toBe(0)
    expect(startupFlagValue(name, [], undefined, 7)).toBe(7)
  })
  it('reads both spellings and both forms, the command line over NODE_OPTIONS, the last one given', () => {
    expect(startupFlagValue(name, ['--heap-growing-percent=20'], undefined, 0)).toBe(20)
    expect(startupFlagValue(name, ['--heap_growing_percent', '30'], undefined, 0)).toBe(30)
    expect(startupFlagValue(name, [], ' --max-old-space-size=512  --heap-growing-percent=40 ', 0)).toBe(40)
    expect(startupFlagValue(name, ['--heap-growing-percent=50'], '--heap-growing-percent=40', 0)).toBe(50)
    expect(startupFlagValue(name, ['--heap-growing-percent=10', '--heap-growing-percent=60'], undefined, 0)).toBe(60)
    expect(startupFlagValue(name, ['--heap-growing-percent=x'], undefined, 3)).toBe(3)
    expect(startupFlagValue(name, ['--heap-growing-percent-other=9'], undefined, 3)).toBe(3)
  })
})
