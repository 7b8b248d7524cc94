// Preloaded into the pgkeep process with `node --require` by `pnpm bench --probe`: samples
// process.memoryUsage() every 20 ms and, at exit, writes the peak of each field and a timeline
// (one sample per 100 ms) as JSON to $BENCH_PROBE_OUT. It changes nothing in the dump itself.
'use strict'
const { writeFileSync } = require('node:fs')

const out = process.env.BENCH_PROBE_OUT
if (out) {
  const started = Date.now()
  const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }
  const timeline = []
  let lastKept = -Infinity
  const sample = () => {
    const m = process.memoryUsage()
    for (const key of Object.keys(peak)) if (m[key] > peak[key]) peak[key] = m[key]
    const t = Date.now() - started
    if (t - lastKept >= 100) {
      lastKept = t
      timeline.push({ t, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })
    }
  }
  sample()
  setInterval(sample, 20).unref()
  process.on('exit', () => {
    sample()
    writeFileSync(out, JSON.stringify({ peak, timeline }))
  })
}
