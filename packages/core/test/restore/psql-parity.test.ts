// Every lexing case of cases.ts run through the local psql against a fake server (psql-capture.ts): the
// splitter must produce exactly the query texts and COPY data psql sends. Backslash commands leave no trace
// on the wire except \connect (a new connection). Two known differences are normalised: psql also sends
// a trailing comment-only buffer at end of input (the splitter drops it), and psql up to 17 forwards the
// `\.` line inside the COPY data (psql 18 and the splitter do not).
import { noPsql } from '@pgkeep/testkit/skip-reasons'
import { skipAllWhen } from '@pgkeep/testkit/skip-when'
import { describe, expect, it } from 'vitest'
import { CASES } from './cases'
import { collect, fromChunks } from './helpers'
import { capturePsql, fromWire, toWire } from './psql-capture'

const missingPsql = await noPsql()

describe('psql parity: the same statements psql sends', () => {
  skipAllWhen(missingPsql)
  const cases = CASES.filter((c) => c.notPsql15 === undefined)
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const script = typeof c.script === 'string' ? Buffer.from(c.script, 'utf8') : c.script
    const wire = await capturePsql(script)
    const ours = await collect(fromChunks([script]), { requireUnrestrict: false })
    expect(toWire(ours)).toEqual(fromWire(wire.items))
  })
})
