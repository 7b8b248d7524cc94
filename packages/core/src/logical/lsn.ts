// WAL positions (LSNs): `16/B374D848` as PostgreSQL prints them, a bigint in between.

export type Lsn = bigint

const TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/

export function parseLsn(text: string): Lsn {
  const match = TEXT.exec(text)
  if (!match) throw new TypeError(`not a WAL position: ${JSON.stringify(text)}`)
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`)
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`
}

/** Microseconds since 2000-01-01 (PostgreSQL's epoch), as the replication protocol sends times. */
const PG_EPOCH_MS = 946_684_800_000n

export function pgTimeToDate(micros: bigint): Date {
  return new Date(Number(micros / 1000n + PG_EPOCH_MS))
}

export function dateToPgTime(date: Date): bigint {
  return (BigInt(date.getTime()) - PG_EPOCH_MS) * 1000n
}
