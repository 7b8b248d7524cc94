// Option-value parsers for commander: repeatable options and bounded integers with clear errors.
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
