// The cosmetic pre-sort (pg_dump_sort.c DOTypeNameCompare): kind priority, then schema name, then
// object name, both with strcmp (byte order of the UTF-8 text, which `ORDER BY x COLLATE "C"` shows),
// then per-kind tie-breakers, then OID.
import { describe, expect, it } from 'vitest'
import type { DumpObject, ObjectKind } from '../../src/model/objects'
import { priorities } from '../../src/order/priorities'
import { compareBytes, sortByTypeName, type TypeNameLookup } from '../../src/order/sort-by-type-name'
import { fake, namespace, names } from './fake-objects'

describe('compareBytes', () => {
  // PostgreSQL 15.20:
  //   SELECT string_agg(x, ' | ' ORDER BY x COLLATE "C") FROM unnest(ARRAY[…]) x
  // gave: Mixed Case | Z | _x | a | a b | ab | app | z | é | ｱ | 😀
  const byteOrder = ['Mixed Case', 'Z', '_x', 'a', 'a b', 'ab', 'app', 'z', 'é', 'ｱ', '😀']

  it('sorts like ORDER BY … COLLATE "C"', () => {
    const shuffled = [...byteOrder].reverse()
    shuffled.push(shuffled.shift()!)
    expect([...shuffled].sort(compareBytes)).toEqual(byteOrder)
  })

  // UTF-16 code units put an astral character (surrogates D800–DFFF) before BMP characters above
  // U+DFFF; UTF-8 bytes (and code points) put it after. PostgreSQL 15.20:
  //   SELECT U&'\FF71' < U&'\+01F600' COLLATE "C", U&'\E000' < U&'\+01F600' COLLATE "C"  -> t, t
  const pairs: [string, string][] = [
    ['\uFF71', '\u{1F600}'],
    ['\uE000', '\u{1F600}'],
    ['\uFFFF', '\u{10000}'],
    ['x\uFF71', 'x\u{1F600}'],
    ['\u{1F600}', '\u{1F601}'],
    ['a', 'ab'],
    ['', 'a'],
    ['A', 'a'],
    ['Z', '_'],
  ]
  it.each(pairs)('%j < %j', (lo, hi) => {
    expect(Math.sign(compareBytes(lo, hi))).toBe(-1)
    expect(Math.sign(compareBytes(hi, lo))).toBe(1)
  })

  it('agrees with a comparison of the UTF-8 bytes', () => {
    const samples = ['', 'a', 'ab', 'b', 'é', 'e\u0301', '\uFF71', '\u{1F600}', '\u{1F600}a', '\uE000', 'Ω', '日本', '\u{10000}', '\uFFFF']
    for (const a of samples) {
      for (const b of samples) {
        expect(Math.sign(compareBytes(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))))
      }
    }
  })

  it('is 0 only for equal strings', () => {
    expect(compareBytes('same', 'same')).toBe(0)
    expect(compareBytes('\u{1F600}', '\u{1F600}')).toBe(0)
    expect(compareBytes('a', 'a ')).not.toBe(0)
  })
})

describe('sortByTypeName', () => {
  const prio = priorities(true)
  const noTypes: TypeNameLookup = () => undefined
  const sort = (objects: DumpObject[], typeName: TypeNameLookup = noTypes) => sortByTypeName(objects, prio, typeName)

  it('orders by kind priority first', () => {
    const nsp = namespace(1, 'public')
    const objects = [
      fake(2, { kind: 'INDEX', name: 'a_idx', namespace: nsp }),
      fake(3, { kind: 'TABLE_DATA', name: 'a', namespace: nsp }),
      fake(4, { kind: 'TABLE', name: 'z', namespace: nsp }),
      fake(5, { kind: 'FUNC', name: 'zz', namespace: nsp, argtypes: [] }),
      nsp,
    ]
    expect(sort(objects).map((o) => o.kind)).toEqual(['NAMESPACE', 'FUNC', 'TABLE', 'TABLE_DATA', 'INDEX'])
  })

  it('then by schema name, then by object name, in byte order', () => {
    const mixed = namespace(1, 'Mixed Case')
    const app = namespace(2, 'app')
    const objects = [
      fake(10, { kind: 'TABLE', name: 'b', namespace: app }),
      fake(11, { kind: 'TABLE', name: 'Z', namespace: app }),
      fake(12, { kind: 'TABLE', name: 'a', namespace: mixed }),
      fake(13, { kind: 'TABLE', name: '\u{1F600}', namespace: app }),
      fake(14, { kind: 'TABLE', name: '\uFF71', namespace: app }),
    ]
    expect(sort(objects).map((o) => `${o.namespace!.name}.${o.name}`)).toEqual(['Mixed Case.a', 'app.Z', 'app.b', 'app.\uFF71', 'app.\u{1F600}'])
  })

  it('puts objects without a schema after those with one', () => {
    const nsp = namespace(1, 'zzz')
    const objects = [fake(2, { kind: 'FUNC', name: 'a', namespace: null, argtypes: [] }), fake(3, { kind: 'FUNC', name: 'b', namespace: nsp, argtypes: [] })]
    expect(names(sort(objects))).toEqual(['b', 'a'])
  })

  it('breaks ties between functions by argument count, then argument type names', () => {
    const nsp = namespace(1, 'public')
    const types: Record<number, { schema: string; name: string }> = {
      23: { schema: 'pg_catalog', name: 'int4' },
      25: { schema: 'pg_catalog', name: 'text' },
      9001: { schema: 'app', name: 'zeta' },
    }
    const f = (id: number, argtypes: number[], oid: number) => fake(id, { kind: 'FUNC', name: 'f', namespace: nsp, argtypes, oid })
    const objects = [f(2, [25], 1), f(3, [23, 23], 2), f(4, [23], 3), f(5, [], 4), f(6, [9001], 5)]
    expect(sort(objects, (oid) => types[oid]).map((o) => o.dumpId)).toEqual([5, 6, 4, 2, 3])
  })

  it('treats aggregates like functions', () => {
    const nsp = namespace(1, 'public')
    const objects = [fake(2, { kind: 'AGG', name: 'a', namespace: nsp, argtypes: [23, 23], oid: 1 }), fake(3, { kind: 'AGG', name: 'a', namespace: nsp, argtypes: [23], oid: 2 })]
    expect(sort(objects).map((o) => o.dumpId)).toEqual([3, 2])
  })

  it('sorts prefix operators before infix ones of the same name', () => {
    const nsp = namespace(1, 'public')
    const op = (id: number, oprkind: string, oid: number) => fake(id, { kind: 'OPERATOR', name: '===', namespace: nsp, oprkind, oprleft: 0, oprright: 23, oid })
    expect(sort([op(2, 'b', 1), op(3, 'l', 2)]).map((o) => o.dumpId)).toEqual([3, 2])
  })

  it('sorts column defaults of one table by column number', () => {
    const nsp = namespace(1, 'public')
    const d = (id: number, adnum: number, oid: number) => fake(id, { kind: 'ATTRDEF', name: 't', namespace: nsp, adnum, oid })
    expect(sort([d(2, 3, 1), d(3, 1, 2), d(4, 2, 3)]).map((o) => o.dumpId)).toEqual([3, 4, 2])
  })

  it.each(['TRIGGER', 'POLICY', 'RULE'] as ObjectKind[])('sorts %s objects of the same name by table name', (kind) => {
    const nsp = namespace(1, 'public')
    const objects = [
      fake(2, { kind, name: 'same', namespace: nsp, table: { name: 'tb' }, oid: 1 }),
      fake(3, { kind, name: 'same', namespace: nsp, table: { name: 'ta' }, oid: 2 }),
    ]
    expect(sort(objects).map((o) => o.dumpId)).toEqual([3, 2])
  })

  it('sorts domain constraints before table constraints of the same name', () => {
    const nsp = namespace(1, 'public')
    const objects = [
      fake(2, { kind: 'CONSTRAINT', name: 'c', namespace: nsp, table: { name: 'a' }, domain: null, oid: 1 }),
      fake(3, { kind: 'CONSTRAINT', name: 'c', namespace: nsp, table: null, domain: { name: 'z' }, oid: 2 }),
    ]
    expect(sort(objects).map((o) => o.dumpId)).toEqual([3, 2])
  })

  it('falls back to OID order', () => {
    const nsp = namespace(1, 'public')
    const objects = [fake(2, { kind: 'TABLE', name: 't', namespace: nsp, oid: 300 }), fake(3, { kind: 'TABLE', name: 't', namespace: nsp, oid: 100 })]
    expect(sort(objects).map((o) => o.dumpId)).toEqual([3, 2])
  })

  it('does not modify its input array', () => {
    const nsp = namespace(1, 'public')
    const objects = [fake(2, { kind: 'TABLE', name: 'b', namespace: nsp }), fake(3, { kind: 'TABLE', name: 'a', namespace: nsp })]
    sort(objects)
    expect(names(objects)).toEqual(['b', 'a'])
  })

  // The order of many objects against the rule spelled out (priority, schema or none after, name, OID),
  // with names that share prefixes, hold control characters and BMP characters above the surrogates, and
  // once more with one astral name among them, which sorts the whole set the other way.
  it.each([false, true])('sorts many objects as the rule says (an astral name among them: %s)', (withAstral) => {
    let seed = 7
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
    const alphabet = ['a', 'b', 'A', '_', ' ', '\u0001', '\u007f', 'é', '\uE000', '\uFF71', '\uFFFF']
    const word = () => Array.from({ length: next(4) }, () => alphabet[next(alphabet.length)]).join('')
    // schema names that are prefixes of others: (a, z) sorts before (ab, a)
    const schemas = ['a', 'ab', 'a\u0001', 'b', 'é\uE000', word()].map((name, i) => namespace(i + 1, name))
    const kinds: ObjectKind[] = ['TABLE', 'INDEX', 'TABLE_DATA', 'SEQUENCE_SET', 'COLLATION']
    const objects: DumpObject[] = []
    for (let id = 100; id < 2100; id++) {
      const nsp = next(5) === 0 ? null : schemas[next(schemas.length)]!
      objects.push(fake(id, { kind: kinds[next(kinds.length)]!, name: word(), namespace: nsp, oid: next(50), info: { encoding: '6' } }))
    }
    if (withAstral) objects.push(fake(5000, { kind: 'TABLE', name: 'x\u{1F600}', namespace: schemas[0]!, oid: 1 }))
    const rule = (a: DumpObject, b: DumpObject): number => {
      const bySchema = a.namespace && b.namespace ? compareBytes(a.namespace.name, b.namespace.name) : a.namespace ? -1 : b.namespace ? 1 : 0
      return prio[a.kind] - prio[b.kind] || bySchema || compareBytes(a.name, b.name) || a.catId.oid - b.catId.oid
    }
    const expected = [...objects].sort(rule).map((o) => o.dumpId)
    expect(sort(objects).map((o) => o.dumpId)).toEqual(expected)
  })
})
