// `pgkeep keygen`: an age key pair for recipient-encrypted backups, without installing age. The key
// file has age-keygen's layout (age -d -i reads it); the public key is printed for the app's settings.
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Command } from 'commander'
import { PgkeepError } from '@pgkeep/core/engine'
import type { Io } from '../backup-manager'
import { library } from '../library'

export function keygenCommand(io: Io): Command {
  return new Command('keygen')
    .description('make an age key pair: the secret key goes to a file, the public key (age1…) to stdout')
    .requiredOption('-o, --output <file>', 'where the secret key goes (created with mode 0600; never overwritten)')
    .action(async (flags: { output: string }) => {
      const { ageKeyFile, generateAgeKeyPair } = await library()
      const pair = await generateAgeKeyPair()
      const file = resolve(io.cwd, flags.output)
      try {
        await writeFile(file, ageKeyFile(pair, new Date()), { mode: 0o600, flag: 'wx' })
      } catch (error) {
        const exists = (error as NodeJS.ErrnoException).code === 'EEXIST'
        throw new PgkeepError('OPTIONS_INVALID', exists ? `${file} already exists; pgkeep keygen never overwrites a key file` : `unable to write ${file}: ${(error as Error).message}`, { cause: error })
      }
      io.stdout.write(`${pair.recipient}\n`)
      io.stderr.write(`secret key written to ${file}; encrypt with --recipient ${pair.recipient} or PGKEEP_ENCRYPTION_RECIPIENTS, restore with --identity ${flags.output}\n`)
    })
}
