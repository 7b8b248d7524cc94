// The memory bound of s3Storage's put (non-negotiable 4): 200 MiB of unknown length, default 8 MiB parts,
// must grow the process's RSS by well under 64 MiB (two parts are 16 MiB). Its own file, so that it runs
// in a fresh worker whose RSS no earlier test has raised; a full GC every 8 MiB of body keeps the chunks
// the test itself made and dropped out of the figure. A control run through memoryStorage, which keeps
// the whole body, shows that the measurement sees a driver that holds on to what it reads.
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, inject, it } from 'vitest'
import { memoryStorage, s3Storage, type StorageDriver } from '../../src/index'
import { MiB } from './helpers'

const s3 = inject('s3')
const TOTAL = 200 * MiB
const CHUNK = 64 * 1024
/** A full collection every this many bytes of body: the chunks the test itself made and dropped are not what is measured. */
const GC_EVERY = 8 * MiB

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

interface Measurement {
  /** Peak RSS minus RSS before. */
  growth: number
  before: number
  peak: number
  /** Peak of process.memoryUsage().arrayBuffers (Buffers live at once). */
  arrayBuffers: number
  size: number
}

/** Peak memory while `driver` stores TOTAL bytes, sampled every 10 ms and at every chunk. */
async function measure(driver: StorageDriver, key: string): Promise<Measurement> {
  gc()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const before = process.memoryUsage().rss
  let peak = before
  let arrayBuffers = 0
  const sample = () => {
    const usage = process.memoryUsage()
    peak = Math.max(peak, usage.rss)
    arrayBuffers = Math.max(arrayBuffers, usage.arrayBuffers)
  }
  const timer = setInterval(sample, 10)
  // every chunk a new buffer, so that a driver keeping chunks grows with the body
  const body = Readable.from(
    (async function* () {
      for (let sent = 0; sent < TOTAL; sent += CHUNK) {
        if (sent % GC_EVERY === 0) gc()
        const data = Buffer.allocUnsafe(CHUNK)
        data.fill(sent & 0xff)
        sample()
        yield data
      }
    })(),
    { objectMode: false },
  )
  try {
    const stored = await driver.put(key, body)
    sample()
    return { growth: peak - before, before, peak, arrayBuffers, size: stored.size }
  } finally {
    clearInterval(timer)
  }
}

function mb(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`
}

describe('s3Storage memory bound', () => {
  it('streams 200 MiB through put with the default part size in well under 64 MiB of RSS growth', async () => {
    const { endPoint, port, accessKey, secretKey, region } = s3
    const bucket = `memory-${process.pid}-${randomBytes(3).toString('hex')}`
    const driver = s3Storage({ endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true, bucket })
    const run = await measure(driver, 'memory/200mib.bin')
    process.stderr.write(`[storage] s3 put of 200 MiB, 8 MiB parts: rss ${mb(run.before)} → peak ${mb(run.peak)} (+${mb(run.growth)}), buffers peak ${mb(run.arrayBuffers)}\n`)
    expect(run.size).toBe(TOTAL)
    expect((await driver.stat('memory/200mib.bin'))?.size).toBe(TOTAL)
    expect(run.growth).toBeLessThan(64 * MiB)
    // two 8 MiB parts, the test's own chunks between two collections, and some slack
    expect(run.arrayBuffers).toBeLessThan(2 * 8 * MiB + GC_EVERY + 8 * MiB)

    const control = await measure(memoryStorage(), 'control')
    process.stderr.write(`[storage] control, memoryStorage keeping 200 MiB: +${mb(control.growth)}\n`)
    expect(control.growth).toBeGreaterThan(150 * MiB)
  }, 120_000)
})
