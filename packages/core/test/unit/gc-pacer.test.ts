// The dump's garbage-collection pacing: one minor collection per MiB of table data, the remainder carried
// over, the collector looked for only when the first is due; and in a process without --expose-gc (this
// one) it still collects.
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { GC_PACING_BYTES, GcPacer, gcPacer } from '../../src/memory/gc-pacer'

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
