// GzipMembers: the output is one valid gzip stream, and each recorded member alone is valid gzip holding
// exactly what was written between its cuts.
import { spawnSync } from 'node:child_process'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { GzipMembers } from '../../src/compress/gzip-members'

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
})
