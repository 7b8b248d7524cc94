// Option-value parsers for commander: repeatable options, bounded integers and sizes, with clear errors.
import { InvalidArgumentError } from 'commander'

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

export function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`)
    const n = Number(value)
    if (n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got ${n}`)
    return n
  }
}

// postgresql.conf's memory units: multiples of 1024 (kB, MB, GB, TB); the IEC spellings mean the same
const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3, tb: 1024 ** 4, tib: 1024 ** 4,
}

/** A size in bytes, as a whole number (`268435456`) or with a unit as postgresql.conf writes them (`256MB`, `1GB`). */
export function byteSize(value: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim())
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined
  if (!match || unit === undefined) throw new InvalidArgumentError(`expected a size in bytes, such as 268435456 or 256MB (units kB, MB, GB, TB: multiples of 1024), got "${value}"`)
  const n = Number(match[1]) * unit
  if (n < 1 || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a size of at least 1 byte, got "${value}"`)
  return n
}
