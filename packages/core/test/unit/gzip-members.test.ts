// GzipMembers: the output is one valid gzip stream, and each recorded member alone is valid gzip holding
// exactly what was written between its cuts.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { gzipMemberCount } from '@pgkeep/testkit/gzip-members'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { CompressionSlots } from '../../src/compress/block-gzip'
import { GzipMembers } from '../../src/compress/gzip-members'
import { CountingSlots } from './counting-slots'

function rows(from: number, count: number): string {
  let text = ''
  for (let i = from; i < from + count; i++) text += `${i}\tguest ${i % 97}\t${(i * 7919) % 100000}.00\t2026-12-05\n`
  return text
}

async function collect(members: GzipMembers, work: () => Promise<void>): Promise<Buffer> {
  const chunks: Buffer[] = []
  members.output.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise((resolve, reject) => {
    members.output.on('end', resolve)
    members.output.on('error', reject)
  })
  await work()
  await members.finish()
  await ended
  return Buffer.concat(chunks)
}

describe('GzipMembers', () => {
  it('writes one member per cut that gunzip reads whole and that each decompress alone', async () => {
    const m = new GzipMembers(6)
    const parts = ['-- preamble\nCREATE TABLE a ();\n', 'COPY a FROM stdin;\n1\n2\n\\.\n', '-- post data\n']
    const out = await collect(m, async () => {
      m.write(parts[0]!)
      await m.cut('public.a')
      m.write(parts[1]!)
      await m.cut(null)
      m.write(parts[2]!)
    })
    expect(gunzipSync(out).toString()).toBe(parts.join(''))
    expect(m.members.map((x) => x.label)).toEqual([null, 'public.a', null])
    let next = 0
    m.members.forEach((member, i) => {
      expect(member.offset).toBe(next)
      next = member.offset + member.length
      const alone = out.subarray(member.offset, member.offset + member.length)
      expect(gunzipSync(alone).toString()).toBe(parts[i])
      expect(member.uncompressed).toBe(Buffer.byteLength(parts[i]!))
    })
    expect(next).toBe(out.length)
    const gz = spawnSync('gzip', ['-dc'], { input: out })
    expect(gz.status).toBe(0)
    expect(gz.stdout.toString()).toBe(parts.join(''))
  })

  it('does not make empty members for back-to-back cuts, and labels the next member', async () => {
    const m = new GzipMembers(1)
    const out = await collect(m, async () => {
      await m.cut('s.t1')
      m.write('t1 rows\n')
      await m.cut(null)
      await m.cut('s.t2')
      m.write('t2 rows\n')
      await m.cut(null)
    })
    expect(m.members.map((x) => [x.label, x.uncompressed])).toEqual([['s.t1', 8], ['s.t2', 8]])
    expect(gunzipSync(out).toString()).toBe('t1 rows\nt2 rows\n')
  })

  it('signals backpressure when nobody reads the output, and drains when it is read', async () => {
    const m = new GzipMembers(0)
    const chunk = Buffer.alloc(64 * 1024, 7)
    let accepted = 0
    while (m.write(chunk) && accepted < 10_000) accepted++
    expect(accepted).toBeLessThan(64)
    const drained = new Promise((resolve) => m.once('drain', resolve))
    m.output.resume()
    await drained
    await m.finish()
  })

  it('fails the output with the error given to destroy()', async () => {
    const m = new GzipMembers(6)
    const failed = new Promise((resolve) => m.output.on('error', resolve))
    m.on('error', () => {})
    m.write('x')
    m.destroy(new Error('stop'))
    expect(((await failed) as Error).message).toBe('stop')
    expect(() => m.write('y')).toThrow('stop')
  })

  it('compresses a member larger than a block as several gzip members at once; its range alone is its text', async () => {
    const slots = new CountingSlots(2, 16 * 1024)
    const m = new GzipMembers(6, slots)
    const table = rows(0, 20_000)
    const out = await collect(m, async () => {
      m.write('-- definitions\n')
      await m.cut('public.big')
      for (let at = 0; at < table.length; at += 3000) {
        if (!m.write(table.slice(at, at + 3000))) await new Promise((resolve) => m.once('drain', resolve))
      }
      await m.cut(null)
      m.write('-- post data\n')
    })
    expect(gunzipSync(out).toString()).toBe(`-- definitions\n${table}-- post data\n`)
    expect(m.members.map((x) => x.label)).toEqual([null, 'public.big', null])
    const big = m.members[1]!
    const range = out.subarray(big.offset, big.offset + big.length)
    expect(gunzipSync(range).toString()).toBe(table)
    expect(big.uncompressed).toBe(Buffer.byteLength(table))
    // Blocks close at the first write that reaches 16 KiB: at most 3,000 bytes over.
    expect(gzipMemberCount(range)).toBeGreaterThanOrEqual(Math.floor(table.length / (16 * 1024 + 3000)))
    expect(big.sha256).toBe(createHash('sha256').update(range).digest('hex'))
    expect(slots.most).toBe(2)
    expect(slots.active).toBe(0)
  })

  it('keeps members written and members given whole (writeMember) in order, each at its offset with its sha256', async () => {
    const m = new GzipMembers(6, new CompressionSlots(2, 8 * 1024))
    const given = rows(100, 2000)
    const written = rows(5000, 3000)
    async function* whole(): AsyncGenerator<Buffer> {
      const gz = gzipSync(given)
      yield gz.subarray(0, 100)
      await new Promise((resolve) => setTimeout(resolve, 20))
      yield gz.subarray(100)
    }
    const out = await collect(m, async () => {
      m.write('-- head\n')
      await m.cut('s.given')
      await m.writeMember(whole(), () => Buffer.byteLength(given))
      await m.cut('s.written')
      m.write(written)
      await m.cut(null)
      m.write('-- tail\n')
    })
    const texts = ['-- head\n', given, written, '-- tail\n']
    expect(m.members.map((x) => x.label)).toEqual([null, 's.given', 's.written', null])
    let next = 0
    m.members.forEach((member, i) => {
      expect(member.offset).toBe(next)
      next += member.length
      const range = out.subarray(member.offset, member.offset + member.length)
      expect(gunzipSync(range).toString()).toBe(texts[i])
      expect(member.uncompressed).toBe(Buffer.byteLength(texts[i]!))
      expect(member.sha256).toBe(createHash('sha256').update(range).digest('hex'))
    })
    expect(next).toBe(out.length)
  })

  it('an output with nothing written is one empty gzip member', async () => {
    const m = new GzipMembers(6)
    const out = await collect(m, async () => {})
    expect(gunzipSync(out).length).toBe(0)
    expect(m.members).toEqual([{ label: null, offset: 0, length: out.length, uncompressed: 0, sha256: createHash('sha256').update(out).digest('hex') }])
  })

  it('a failing member given whole fails the output and finish() with its error', async () => {
    const m = new GzipMembers(6)
    m.on('error', () => {})
    m.output.on('error', () => {})
    m.output.resume()
    async function* broken(): AsyncGenerator<Buffer> {
      yield gzipSync('partial')
      throw new Error('the worker died')
    }
    m.write('-- head\n')
    await expect(m.writeMember(broken(), () => 0)).rejects.toThrow('the worker died')
    await expect(m.finish()).rejects.toThrow('the worker died')
    expect(() => m.write('more')).toThrow('the worker died')
  })
})
