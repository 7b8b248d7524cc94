// A strict check of the Prometheus text exposition format (version 0.0.4), line by line: comments are
// HELP or TYPE lines; each family has one TYPE before its first sample and at most one HELP; metric and
// label names and label-value escapes follow the format; values are floats (NaN, +Inf, -Inf included).
// Returns the problems found (none for valid text).

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|NaN|[+-]Inf)'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(?:${LABEL}(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`)
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`)
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)

export function exposition(text: string): string[] {
  const problems: string[] = []
  if (!text.endsWith('\n')) problems.push('the text does not end with a newline')
  const types = new Map<string, string>()
  const helps = new Set<string>()
  const sampled = new Set<string>()
  for (const [i, line] of text.split('\n').slice(0, -1).entries()) {
    const at = `line ${i + 1}: ${JSON.stringify(line)}`
    if (line.startsWith('#')) {
      const help = HELP.exec(line)
      const type = TYPE.exec(line)
      if (help) {
        if (helps.has(help[1]!)) problems.push(`${at}: a second HELP`)
        helps.add(help[1]!)
      } else if (type) {
        if (types.has(type[1]!)) problems.push(`${at}: a second TYPE`)
        if (sampled.has(type[1]!)) problems.push(`${at}: TYPE after the family's samples`)
        types.set(type[1]!, type[2]!)
      } else {
        problems.push(`${at}: a comment that is neither HELP nor TYPE`)
      }
      continue
    }
    const sample = SAMPLE.exec(line)
    if (!sample) {
      problems.push(`${at}: not a sample line`)
      continue
    }
    const name = sample[1]!
    const family = [name, name.replace(/_(sum|count|bucket)$/, '')].find((n) => types.has(n))
    if (!family) problems.push(`${at}: no TYPE for ${name}`)
    else {
      if (family !== name && !['summary', 'histogram'].includes(types.get(family)!)) problems.push(`${at}: ${name} in ${types.get(family)} ${family}`)
      sampled.add(family)
    }
  }
  return problems
}
