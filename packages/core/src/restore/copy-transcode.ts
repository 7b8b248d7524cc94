// COPY data of a script written in another client_encoding (pg_dump writes the database's encoding):
// node-pg talks UTF-8, so the rows are re-encoded to UTF-8 line by line (a newline byte never occurs
// inside a character of the encodings the splitter accepts), with memory bounded by one line.
import { PgkeepError } from '../errors'
import { scriptDecoder } from './script-encoding'

/** The data as UTF-8: the data itself when it is UTF-8 (or SQL_ASCII) already, with no generator in between. */
export function toUtf8(data: AsyncIterable<Buffer>, encoding: string, line: number): AsyncIterable<Buffer> {
  return encoding === 'UTF8' || encoding === 'SQL_ASCII' ? data : transcoded(data, encoding, line)
}

async function* transcoded(data: AsyncIterable<Buffer>, encoding: string, line: number): AsyncGenerator<Buffer> {
  const decoder = scriptDecoder(encoding)
  if (!decoder) throw new PgkeepError('SCRIPT_INVALID', `line ${line}: COPY data in client_encoding ${encoding} cannot be read`)
  let rest: Buffer = Buffer.alloc(0)
  for await (const chunk of data) {
    const joined = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk
    const end = joined.lastIndexOf(0x0a)
    if (end < 0) {
      rest = joined
      continue
    }
    yield Buffer.from(decoder.decode(joined.subarray(0, end + 1)), 'utf8')
    rest = Buffer.from(joined.subarray(end + 1))
  }
  if (rest.length > 0) yield Buffer.from(decoder.decode(rest), 'utf8')
}
