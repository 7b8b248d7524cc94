// Compression slots that record the most compressions ever running at once, for the block tests.
import { CompressionSlots } from '../../src/compress/block-gzip'

export class CountingSlots extends CompressionSlots {
  active = 0
  most = 0
  override async acquire(): Promise<void> {
    await super.acquire()
    this.active++
    this.most = Math.max(this.most, this.active)
  }
  override release(): void {
    this.active--
    super.release()
  }
}
