// The value of `pgkeep restore --until`: an ISO 8601 time with a time zone, a WAL position as PostgreSQL
// prints it (16/B374D848), or a transaction id as xid:N. Anything else is refused naming the forms.
import { InvalidArgumentError } from 'commander'

export type UntilValue = Date | { lsn: string } | { xid: number }

const FORMS = 'an ISO time with a time zone (2026-12-04T14:32:05Z, 2026-12-04T21:32:05+07:00), a WAL position (16/B374D848) or xid:N'
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i
const LOCAL = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/

export function untilValue(text: string): UntilValue {
  const value = text.trim()
  const xid = /^xid:(\d+)$/i.exec(value)
  if (xid) {
    const n = Number(xid[1])
    if (n < 3 || n > 0xffffffff) throw new InvalidArgumentError(`"${text}": a transaction id is a whole number from 3 to 4294967295`)
    return { xid: n }
  }
  if (/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i.test(value)) return { lsn: value.toUpperCase() }
  if (LOCAL.test(value)) throw new InvalidArgumentError(`"${text}" has no time zone: add Z (UTC) or an offset such as +07:00`)
  if (ISO.test(value)) {
    const date = new Date(value.replace(' ', 'T'))
    if (!Number.isNaN(date.getTime())) return date
  }
  throw new InvalidArgumentError(`"${text}" is not ${FORMS}`)
}
