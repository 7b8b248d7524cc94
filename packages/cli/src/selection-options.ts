// The options that choose what a dump or backup holds, with pg_dump's names and meanings.
import type { Command } from 'commander'
import { collect } from './collect'

export interface SelectionFlags {
  dbname?: string
  schema?: string[]
  excludeSchema?: string[]
  table?: string[]
  excludeTable?: string[]
  excludeTableData?: string[]
}

/** Adds the connection argument, -d, -n, -N, -t, -T and --exclude-table-data. */
export function selectionOptions(command: Command): Command {
  return command
    .argument('[connection]', 'connection URL or "key=value …" string; PG* variables fill the gaps')
    .option('-d, --dbname <connection>', 'same as the connection argument')
    .option('-n, --schema <pattern>', 'only schemas matching the pattern (repeatable)', collect)
    .option('-N, --exclude-schema <pattern>', 'leave out schemas matching the pattern (repeatable)', collect)
    .option('-t, --table <pattern>', 'only tables matching the pattern (repeatable)', collect)
    .option('-T, --exclude-table <pattern>', 'leave out tables matching the pattern (repeatable)', collect)
    .option('--exclude-table-data <pattern>', 'keep the definition but not the rows of matching tables (repeatable)', collect)
}
