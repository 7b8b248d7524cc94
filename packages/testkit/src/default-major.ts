// The major of the embedded server that is the tests' default when TEST_DATABASE_URL is unset: the
// local pg_dump's, so the tests that compare pgkeep with pg_dump (which refuses newer servers, and
// writes version-specific text) run wherever a client is installed; 15 when there is none.
import { isEmbeddedMajor, type EmbeddedMajor } from './embedded-binaries'
import { localPgDumpMajor } from './psql'

export const FALLBACK_DEFAULT_MAJOR: EmbeddedMajor = 15

export async function embeddedDefaultMajor(): Promise<EmbeddedMajor> {
  const local = await localPgDumpMajor()
  return local !== undefined && isEmbeddedMajor(local) ? local : FALLBACK_DEFAULT_MAJOR
}
