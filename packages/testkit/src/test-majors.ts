// The PostgreSQL majors the test run covers besides the default server, from PGKEEP_TEST_MAJORS:
// a comma list (default `13,18`), `all` (13 to 18) or `none`.
import { EMBEDDED_MAJORS, isEmbeddedMajor, type EmbeddedMajor } from './embedded-binaries'

export const DEFAULT_TEST_MAJORS: readonly EmbeddedMajor[] = [13, 18]

export function testMajors(value: string | undefined = process.env.PGKEEP_TEST_MAJORS): EmbeddedMajor[] {
  const text = (value ?? '').trim().toLowerCase()
  if (text === '') return [...DEFAULT_TEST_MAJORS]
  if (text === 'all') return [...EMBEDDED_MAJORS]
  if (text === 'none') return []
  const majors = text.split(',').map((part) => {
    const major = Number(part.trim())
    if (!isEmbeddedMajor(major)) {
      throw new Error(`unable to read PGKEEP_TEST_MAJORS "${value}": "${part.trim()}" is not one of ${EMBEDDED_MAJORS.join(', ')}, all, none`)
    }
    return major
  })
  return [...new Set(majors)].sort((a, b) => a - b)
}
