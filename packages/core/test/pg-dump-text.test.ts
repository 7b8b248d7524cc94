// How close the text is to the machine's pg_dump: on pagila, pgkeep writes pg_dump's script line for
// line. Only the random \restrict key and the "Dumped by" line may differ. Runs when a local pg_dump of
// the default server's major is installed.
import { readFile } from 'node:fs/promises'
import { createDatabase, localPgDumpMajor, pagilaFixture, runPgDump, runPsql } from '@pgkeep/testkit'
import { firstReason, noPagila, pgDumpNotOfMajor } from '@pgkeep/testkit/skip-reasons'
import { expect, inject, it } from 'vitest'
import { dumpToFile } from './helpers/dump-to-file'

const server = inject('pgDefault')
const localMajor = await localPgDumpMajor()
const cannotCompare = firstReason(noPagila(), await pgDumpNotOfMajor(server.major))

/** Lines that differ between the two scripts, ignoring the lines that must differ. */
function differingLines(a: string, b: string): string[] {
  const keep = (text: string) => text.split('\n').filter((l) => !/^\\(un)?restrict |^-- Dumped by /.test(l))
  const left = keep(a)
  const right = keep(b)
  const out: string[] = []
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) out.push(`line ${i + 1}: pg_dump ${JSON.stringify(left[i])} pgkeep ${JSON.stringify(right[i])}`)
  }
  return out
}

it('pagila dump matches the local pg_dump of the server\'s major line for line', async (ctx) => {
  ctx.skip(cannotCompare !== undefined, cannotCompare)
  const pagila = pagilaFixture()!
  const db = await createDatabase(server.url, { prefix: 'text_pagila' })
  try {
    await runPsql(db.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.schema])
    await runPsql(db.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.data])
    const reference = await runPgDump(db.url)
    const { file } = await dumpToFile({ connection: db.url })
    const ours = await readFile(file, 'utf8')
    const diff = differingLines(reference, ours)
    console.log(`pagila: ${reference.split('\n').length} lines from pg_dump ${localMajor}, ${diff.length} differ`)
    expect(diff.slice(0, 20)).toEqual([])
    expect(ours.split('\n').length).toBe(reference.split('\n').length)
  } finally {
    await db.drop()
  }
})
