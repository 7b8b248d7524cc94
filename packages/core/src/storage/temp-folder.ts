// A folder of the OS temp folder, created when first asked for and removed (with what is in it) by
// remove(), which its owner calls on every exit path: a parallel dump's spools, the archiver's spilled
// transactions and open segment, the replay's downloaded segments.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export class TempFolder {
  private dir: Promise<string> | null = null

  /** `name` goes in the folder's name (`pgkeep-<name>-XXXXXX`). */
  constructor(private readonly name: string, private readonly parent: string = tmpdir()) {}

  /** The folder, created on the first call. */
  path(): Promise<string> {
    this.dir ??= mkdtemp(join(this.parent, `pgkeep-${this.name}-`))
    return this.dir
  }

  /** The folder if it was created, else null (nothing is created). */
  async created(): Promise<string | null> {
    return this.dir ? this.dir.catch(() => null) : null
  }

  /** Removes the folder and its files; safe to call more than once, and when none was created. */
  async remove(): Promise<void> {
    const dir = this.dir ? await this.dir.catch(() => null) : null
    this.dir = null
    if (dir) await rm(dir, { recursive: true, force: true })
  }
}
