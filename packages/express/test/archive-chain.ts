// The core tests' change-archive chain helper (packages/core/test/logical/archive-chain.ts), loaded at run
// time: this package's typecheck covers its own files, and that helper builds on core's internals.
import type { BackupRecord, StorageDriver } from '@pgkeep/core'

export interface TestChain {
  record: BackupRecord
  archived(): number
  waitFor(n: number): Promise<void>
  stop(): Promise<void>
}

export interface TestChainOptions {
  url: string
  storage: StorageDriver
  slot: string
  publication: string
  during?: () => Promise<void>
  segmentSeconds?: number
}

export async function startTestChain(options: TestChainOptions): Promise<TestChain> {
  const helper = new URL('../../core/test/logical/archive-chain.ts', import.meta.url).href
  const { startTestChain: start } = (await import(helper)) as { startTestChain: (o: TestChainOptions) => Promise<TestChain> }
  return start(options)
}
