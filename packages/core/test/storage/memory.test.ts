// memoryStorage() against the storage contract.
import { memoryStorage } from '../../src/index'
import { describeStorageConformance } from './conformance'
import { MiB } from './helpers'

describeStorageConformance('memory', {
  open: async () => ({ driver: memoryStorage() }),
  partSizeBytes: 5 * MiB,
})
