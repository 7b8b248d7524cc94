// The progress display's three modes, on a clock the test moves: a bar redrawn in place on a terminal,
// plain lines every few seconds elsewhere, nothing with --quiet.
import { describe, expect, it } from 'vitest'
import { createProgress, formatBytes, formatDuration, type ProgressStream } from '../src/progress'

function sink(tty: boolean, columns = 100): ProgressStream & { text: string } {
  const s = { text: '', isTTY: tty, columns, write: (c: string) => (s.text += c) }
  return s
}

describe('progress', () => {
  it('on a terminal: one line redrawn in place with bar, percent, bytes, rate, ETA and table; cleared at the end', () => {
    let t = 0
    const out = sink(true)
    const p = createProgress(out, { now: () => t })
    t = 1000
    p.update({ done: 10 * 1024 * 1024, total: 40 * 1024 * 1024, item: 'public.payments' })
    expect(out.text).toBe('\r\x1b[Kpgkeep [#####--------------]  25%  10 MB / 40 MB  10 MB/s  ETA 3s  public.payments')
    // within the redraw interval and the same table: not drawn again
    t = 1050
    p.update({ done: 11 * 1024 * 1024, total: 40 * 1024 * 1024, item: 'public.payments' })
    expect(out.text.split('\r').length).toBe(2)
    t = 1200
    p.update({ done: 20 * 1024 * 1024, total: 40 * 1024 * 1024, item: 'public.payments' })
    expect(out.text.split('\r').at(-1)).toContain(' 50%  20 MB / 40 MB')
    p.end('done in 1.2 s')
    expect(out.text.endsWith('\r\x1b[Kpgkeep: done in 1.2 s\n')).toBe(true)
    expect(out.text).not.toContain('\n\r')
  })

  it('never shows 100% before the end, and no percent without an estimate; clips to the terminal width', () => {
    let t = 0
    const out = sink(true, 40)
    const p = createProgress(out, { now: () => t })
    t = 500
    p.update({ done: 50, total: 40, item: 'a' })
    expect(out.text).toContain(' 99%')
    t = 1000
    p.update({ done: 5000, item: 'a_table_with_a_long_name_that_cannot_fit' })
    const last = out.text.split('\r').at(-1)!.replace('\x1b[K', '')
    expect(last).not.toMatch(/%/)
    expect(last.length).toBe(39)
    expect(last.endsWith('…')).toBe(true)
  })

  it('elsewhere: plain lines, at most one per interval, steps always, and the summary', () => {
    let t = 0
    const out = sink(false)
    const p = createProgress(out, { now: () => t, lineMs: 5000 })
    p.step('reading the catalog')
    t = 1000
    p.update({ done: 1024, total: 4096, item: 'public.rooms' })
    t = 2000
    p.update({ done: 2048, total: 4096, item: 'public.bills' })
    t = 6500
    p.update({ done: 3072, total: 4096, item: 'public.bills' })
    p.end('backup 3f… stored, 4.0 kB')
    expect(out.text).toBe([
      'pgkeep: reading the catalog',
      'pgkeep:  25%  1.0 kB / 4.0 kB  1.0 kB/s  ETA 3s  public.rooms',
      'pgkeep:  75%  3.0 kB / 4.0 kB  473 B/s  ETA 3s  public.bills',
      'pgkeep: backup 3f… stored, 4.0 kB',
      '',
    ].join('\n'))
  })

  it('a terminal of unknown size (0 columns, as a pty without a window reports) is drawn 80 wide', () => {
    let t = 0
    const out = sink(true, 0)
    const p = createProgress(out, { now: () => t })
    t = 1000
    p.update({ done: 1024, total: 4096, item: 'public.rooms' })
    // 79 columns give a 15-wide bar, and the whole line fits
    expect(out.text).toBe('\r\x1b[Kpgkeep [####-----------]  25%  1.0 kB / 4.0 kB  1.0 kB/s  ETA 3s  public.rooms')
  })

  it('--quiet: nothing at all', () => {
    const out = sink(true)
    const p = createProgress(out, { quiet: true })
    p.step('x')
    p.update({ done: 1, total: 2, item: 't' })
    p.end('summary')
    expect(out.text).toBe('')
  })

  it.each([
    [0, '0 B'], [1023, '1023 B'], [1024, '1.0 kB'], [15 * 1024, '15 kB'], [1536 * 1024, '1.5 MB'], [3 * 1024 ** 4, '3.0 TB'],
  ])('formatBytes(%i) = %s', (n, text) => expect(formatBytes(n)).toBe(text))

  it.each([
    [0, '0s'], [0.2, '1s'], [59, '59s'], [61, '1m01s'], [3600, '1h00m'], [3725, '1h02m'],
  ])('formatDuration(%d) = %s', (s, text) => expect(formatDuration(s)).toBe(text))
})
