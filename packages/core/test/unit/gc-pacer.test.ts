// The dump's garbage-collection pacing: one minor collection per MiB of table data, the remainder carried
// over, the collector looked for only when the first is due; a full collection when the process's
// ArrayBuffer memory is high at one of its looks; and in a process without --expose-gc (this one) it
// still collects, a full collection included.
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { EXTERNAL_CHECK_BYTES, EXTERNAL_FULL_GC_BYTES, GC_PACING_BYTES, GcPacer, gcPacer } from '../../src/memory/gc-pacer'

const KiB = 1024
const MiB = 1024 * KiB

describe('GcPacer', () => {
  it('collects the young generation once per MiB of chunks, carrying the remainder over', () => {
    const calls: unknown[] = []
    const pacer = new GcPacer(() => (options) => calls.push(options))
    // 10 MiB in 48 KiB chunks: the MiB boundaries fall inside chunks
    const chunks = Math.ceil((10 * MiB) / (48 * KiB))
    for (let i = 0; i < chunks; i++) pacer.passed(48 * KiB)
    expect(calls).toHaveLength(Math.floor((chunks * 48 * KiB) / MiB))
    expect(calls.every((c) => JSON.stringify(c) === '{"type":"minor"}')).toBe(true)
  })

  it('a chunk larger than the step collects once, and what is over a step counts towards the next', () => {
    let calls = 0
    const pacer = new GcPacer(() => () => calls++, MiB)
    pacer.passed(3.5 * MiB)
    expect(calls).toBe(1)
    pacer.passed(0.5 * MiB)
    expect(calls).toBe(2)
    pacer.passed(MiB - 1)
    expect(calls).toBe(2)
  })

  it('looks for the collector only at the first MiB, and once; without one it does nothing', () => {
    let looked = 0
    let calls = 0
    const pacer = new GcPacer(() => {
      looked++
      return () => calls++
    })
    pacer.passed(MiB - 1)
    expect(looked).toBe(0)
    pacer.passed(1)
    pacer.passed(2 * MiB)
    expect([looked, calls]).toEqual([1, 2])
    let lookedForNone = 0
    const none = new GcPacer(() => {
      lookedForNone++
      return null
    })
    for (let i = 0; i < 5; i++) none.passed(MiB)
    expect(lookedForNone).toBe(1)
  })

  it('looks at the ArrayBuffer memory every EXTERNAL_CHECK_BYTES and collects everything (gc() without options) only above the limit', () => {
    const calls: unknown[] = []
    let looks = 0
    let arrayBuffers = 0
    const pacer = new GcPacer(() => (options) => calls.push(options ?? 'full'), MiB, () => {
      looks++
      return arrayBuffers
    })
    const steps = EXTERNAL_CHECK_BYTES / MiB
    // below the limit: young collections only, one look per EXTERNAL_CHECK_BYTES
    arrayBuffers = EXTERNAL_FULL_GC_BYTES
    for (let i = 0; i < 2 * steps; i++) pacer.passed(MiB)
    expect(looks).toBe(2)
    expect(calls).toEqual(new Array(2 * steps).fill({ type: 'minor' }))
    // above it: a full collection right after the young one of the look, and only there
    calls.length = 0
    arrayBuffers = EXTERNAL_FULL_GC_BYTES + 1
    for (let i = 0; i < steps - 1; i++) pacer.passed(MiB)
    expect(calls).not.toContain('full')
    pacer.passed(MiB)
    expect(looks).toBe(3)
    expect(calls.slice(-2)).toEqual([{ type: 'minor' }, 'full'])
    // a chunk that spans several steps counts them all towards the next look
    calls.length = 0
    pacer.passed(EXTERNAL_CHECK_BYTES)
    expect([looks, calls]).toEqual([4, [{ type: 'minor' }, 'full']])
  })

  it("the full collection is a real one (node 20's V8 runs a young one for { type: 'major' }), and frees promoted buffers", async () => {
    let major = 0
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++
    })
    observer.observe({ entryTypes: ['gc'] })
    const pacer = gcPacer(true)
    pacer.passed(GC_PACING_BYTES) // the collector, exposed now
    // buffers that survived young collections (as those waiting in a spool do), then dropped
    let held: Buffer[] | null = Array.from({ length: 24 }, () => Buffer.alloc(MiB, 1))
    for (let i = 0; i < 3; i++) pacer.passed(GC_PACING_BYTES)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const majorBefore = major
    const before = process.memoryUsage().arrayBuffers
    expect(before).toBeGreaterThan(EXTERNAL_FULL_GC_BYTES)
    expect(held.length).toBe(24)
    held = null
    // at once, so that nothing but the pacer collects them: its look comes at the 8th MiB
    for (let i = 0; i < EXTERNAL_CHECK_BYTES / GC_PACING_BYTES; i++) pacer.passed(GC_PACING_BYTES)
    const after = process.memoryUsage().arrayBuffers
    await new Promise((resolve) => setTimeout(resolve, 50))
    observer.disconnect()
    expect(major).toBeGreaterThan(majorBefore)
    expect(after).toBeLessThan(before - 20 * MiB)
  })

  it('gcPacer(true) collects in a process started without --expose-gc, and leaves the global object alone', async () => {
    expect(process.execArgv).not.toContain('--expose-gc')
    const hadGc = 'gc' in globalThis
    let minor = 0
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++
    })
    observer.observe({ entryTypes: ['gc'] })
    const pacer = gcPacer(true)
    for (let i = 0; i < 5; i++) pacer.passed(GC_PACING_BYTES)
    await new Promise((resolve) => setTimeout(resolve, 50))
    observer.disconnect()
    expect(minor).toBeGreaterThanOrEqual(5)
    expect('gc' in globalThis).toBe(hadGc)
  })
})
