// resolveDumpOptions: defaults in one place, every invalid input rejected with OPTIONS_INVALID and a
// message naming the field. The rejected combinations are the ones pg_dump's main() refuses
// ("-s/--schema-only and -a/--data-only cannot be used together", "-c/--clean and -a/--data-only cannot
// be used together", "--if-exists requires option -c/--clean"); snapshot ids have the form
// pg_export_snapshot() returns (PostgreSQL 15.20: 00000003-000045D1-1, 18.4: 00000008-00000002-1);
// restrict keys must be non-empty and alphanumeric (pg_dump's valid_restrict_key).
import { describe, expect, it } from 'vitest'
import { isPgkeepError } from '../../src/errors'
import { resolveDumpOptions } from '../../src/options'

function rejection(input: unknown): Error {
  try {
    resolveDumpOptions(input)
  } catch (err) {
    expect(isPgkeepError(err, 'OPTIONS_INVALID'), String(err)).toBe(true)
    return err as Error
  }
  throw new Error(`accepted ${JSON.stringify(input)}`)
}

describe('resolveDumpOptions: defaults', () => {
  it('fills every default', () => {
    const o = resolveDumpOptions({})
    expect(o).toMatchObject({
      schemas: [],
      excludeSchemas: [],
      tables: [],
      excludeTables: [],
      excludeTableData: [],
      schemaOnly: false,
      dataOnly: false,
      noOwner: false,
      noPrivileges: false,
      noComments: false,
      noPublications: false,
      noSecurityLabels: false,
      noTablespaces: false,
      noUnloggedTableData: false,
      clean: false,
      ifExists: false,
      loadViaPartitionRoot: false,
      applicationName: 'pgkeep',
    })
    for (const unset of ['connection', 'connectionString', 'largeObjects', 'lockWaitTimeout', 'snapshot', 'restrictKey', 'targetVersion', 'styleVersion'] as const) {
      expect(o[unset], unset).toBeUndefined()
    }
  })

  it('returns a frozen object', () => {
    const o = resolveDumpOptions({ schemas: ['app'] })
    expect(Object.isFrozen(o)).toBe(true)
  })

  it('keeps valid values', () => {
    const input = {
      connectionString: 'postgresql://postgres@127.0.0.1:5432/db',
      schemas: ['app', '"My.Schema"'],
      excludeTables: ['public.log_*'],
      schemaOnly: true,
      noOwner: true,
      clean: true,
      ifExists: true,
      largeObjects: false,
      lockWaitTimeout: 5000,
      snapshot: '00000003-000045D1-1',
      restrictKey: 'abcXYZ0123',
      targetVersion: 16,
      styleVersion: 18,
      applicationName: 'backup job',
    }
    expect(resolveDumpOptions(input)).toMatchObject(input)
  })

  it.each([
    ['a connection string', 'postgresql://h/db'],
    ['libpq keywords', { host: 'h', port: 5433, dbname: 'db' }],
  ])('accepts connection as %s', (_label, connection) => {
    expect(resolveDumpOptions({ connection }).connection).toEqual(connection)
  })

  it.each(['00000008-00000002-1', '00000003-000045d1-12'])('accepts the snapshot id %s', (snapshot) => {
    expect(resolveDumpOptions({ snapshot }).snapshot).toBe(snapshot)
  })

  it('accepts restrictKey: false (no \\restrict lines)', () => {
    expect(resolveDumpOptions({ restrictKey: false }).restrictKey).toBe(false)
  })

  it.each([13, 18])('accepts version %i', (v) => {
    expect(resolveDumpOptions({ targetVersion: v, styleVersion: v })).toMatchObject({ targetVersion: v, styleVersion: v })
  })
})

describe('resolveDumpOptions: invalid input', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['empty schema pattern', { schemas: [''] }, 'schemas'],
    ['empty exclude-table pattern', { excludeTables: ['ok', ''] }, 'excludeTables'],
    ['pattern list that is a string', { tables: 'public.t' }, 'tables'],
    ['pattern that is not a string', { excludeTableData: [42] }, 'excludeTableData'],
    ['boolean given as a string', { schemaOnly: 'yes' }, 'schemaOnly'],
    ['boolean given as a number', { noOwner: 1 }, 'noOwner'],
    ['largeObjects not a boolean', { largeObjects: 'true' }, 'largeObjects'],
    ['zero lock wait timeout', { lockWaitTimeout: 0 }, 'lockWaitTimeout'],
    ['negative lock wait timeout', { lockWaitTimeout: -1 }, 'lockWaitTimeout'],
    ['fractional lock wait timeout', { lockWaitTimeout: 1.5 }, 'lockWaitTimeout'],
    ['lock wait timeout as text', { lockWaitTimeout: '10s' }, 'lockWaitTimeout'],
    ['snapshot that is not an exported id', { snapshot: 'latest' }, 'snapshot'],
    ['snapshot with a missing part', { snapshot: '00000003-000045D1' }, 'snapshot'],
    ['restrict key with punctuation', { restrictKey: 'abc-def' }, 'restrictKey'],
    ['empty restrict key', { restrictKey: '' }, 'restrictKey'],
    ['restrict key true', { restrictKey: true }, 'restrictKey'],
    ['target version too old', { targetVersion: 12 }, 'targetVersion'],
    ['target version too new', { targetVersion: 19 }, 'targetVersion'],
    ['fractional target version', { targetVersion: 16.2 }, 'targetVersion'],
    ['style version too old', { styleVersion: 9 }, 'styleVersion'],
    ['style version as text', { styleVersion: '18' }, 'styleVersion'],
    ['application name not a string', { applicationName: 5 }, 'applicationName'],
    ['connection not a string or object', { connection: 5432 }, 'connection'],
    ['connectionString not a string', { connectionString: { host: 'h' } }, 'connectionString'],
    // combinations pg_dump refuses
    ['schemaOnly with dataOnly', { schemaOnly: true, dataOnly: true }, 'dataOnly'],
    ['clean with dataOnly', { clean: true, dataOnly: true }, 'clean'],
    ['ifExists without clean', { ifExists: true }, 'ifExists'],
    ['both connection and connectionString', { connection: 'postgresql://a/b', connectionString: 'postgresql://a/b' }, 'connectionString'],
    // unknown keys are errors, not silently ignored (a typo would otherwise change what is dumped)
    ['an unknown key', { schemaOnyl: true }, 'schemaOnyl'],
    ['a pg_dump flag name', { 'no-owner': true }, 'no-owner'],
  ]
  it.each(cases)('%s', (_label, input, field) => {
    expect(rejection(input).message).toContain(field)
  })

  it('names every invalid field at once', () => {
    const message = rejection({ schemas: [''], lockWaitTimeout: -5 }).message
    expect(message).toContain('schemas')
    expect(message).toContain('lockWaitTimeout')
  })

  it('keeps the validation error as the cause', () => {
    expect(rejection({ schemaOnly: 'yes' }).cause).toBeDefined()
  })

  it.each([null, undefined, 'postgresql://h/db', 42, true])('rejects %j as the options object', (input) => {
    rejection(input)
  })

  it('rejects an array as the options object', () => {
    rejection([])
  })
})
