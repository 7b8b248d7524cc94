// GRANT/REVOKE text for an object's privileges, diffed against acldefault() or pg_init_privs
// (dumputils.c buildACLCommands, pg_dump.c dumpACL). Every `acl`/`aclDefault`/`initPrivs` below was read
// from PostgreSQL 15.20 (or 18.4 for MAINTAIN) after the grants named in the test, and every expected
// text is what pg_dump 15.20 wrote for that object, except where a comment cites pg_dump 18's source.
import { describe, expect, it } from 'vitest'
import { isPgkeepError } from '../../src/errors'
import { aclEntries, buildAclCommands, type AclTarget } from '../../src/emit/acl'
import type { DumpableAcl } from '../../src/model/objects'

const table = (name: string, owner = 'postgres'): AclTarget => ({ type: 'TABLE', name, schema: 'app', owner })
const TABLE_DEFAULT_15 = '{postgres=arwdDxt/postgres}'

describe('buildAclCommands: differences from acldefault', () => {
  const cases: [string, AclTarget, DumpableAcl, number, string][] = [
    [
      'table: plain, ALL and grant-option grants',
      table('t1'),
      { acl: '{postgres=arwdDxt/postgres,pgk_r1=r/postgres,pgk_r2=arwdDxt/postgres,"\\"Pgk Weird\\"=a*r*/postgres"}', aclDefault: TABLE_DEFAULT_15 },
      15,
      'GRANT SELECT ON TABLE app.t1 TO pgk_r1;\n' +
        'GRANT ALL ON TABLE app.t1 TO pgk_r2;\n' +
        'GRANT SELECT,INSERT ON TABLE app.t1 TO "Pgk Weird" WITH GRANT OPTION;\n',
    ],
    [
      'table: everything revoked from the owner (REVOKE ALL ON app.t2 FROM postgres)',
      table('t2'),
      { acl: '{}', aclDefault: TABLE_DEFAULT_15 },
      15,
      'REVOKE ALL ON TABLE app.t2 FROM postgres;\n',
    ],
    [
      'table: owner lost some privileges, another role got ALL WITH GRANT OPTION',
      table('t3'),
      { acl: '{postgres=arwxt/postgres,pgk_r1=a*r*w*d*D*x*t*/postgres}', aclDefault: TABLE_DEFAULT_15 },
      15,
      'REVOKE ALL ON TABLE app.t3 FROM postgres;\n' +
        'GRANT SELECT,INSERT,REFERENCES,TRIGGER,UPDATE ON TABLE app.t3 TO postgres;\n' +
        'GRANT ALL ON TABLE app.t3 TO pgk_r1 WITH GRANT OPTION;\n',
    ],
    [
      'table: grants to PUBLIC and to a role named like a keyword',
      table('t4'),
      { acl: '{postgres=arwdDxt/postgres,=r/postgres,user=r/postgres}', aclDefault: TABLE_DEFAULT_15 },
      15,
      'GRANT SELECT ON TABLE app.t4 TO PUBLIC;\nGRANT SELECT ON TABLE app.t4 TO "user";\n',
    ],
    [
      'table: a grant made by a role other than the owner',
      table('t5', 'pgk_owner'),
      {
        acl: '{pgk_owner=arwdDxt/pgk_owner,pgk_r1=r*/pgk_owner,"\\"Pgk Weird\\"=arwdDxt/pgk_owner",pgk_r2=r/pgk_r1}',
        aclDefault: '{pgk_owner=arwdDxt/pgk_owner}',
      },
      15,
      'GRANT SELECT ON TABLE app.t5 TO pgk_r1 WITH GRANT OPTION;\n' +
        'GRANT ALL ON TABLE app.t5 TO "Pgk Weird";\n' +
        'SET SESSION AUTHORIZATION pgk_r1;\n' +
        'GRANT SELECT ON TABLE app.t5 TO pgk_r2;\n' +
        'RESET SESSION AUTHORIZATION;\n',
    ],
    [
      'sequence',
      { type: 'SEQUENCE', name: 's', schema: 'app', owner: 'postgres' },
      { acl: '{postgres=rwU/postgres,pgk_r1=U/postgres,pgk_r2=rwU/postgres,"\\"Pgk Weird\\"=rw/postgres"}', aclDefault: '{postgres=rwU/postgres}' },
      15,
      'GRANT USAGE ON SEQUENCE app.s TO pgk_r1;\nGRANT ALL ON SEQUENCE app.s TO pgk_r2;\nGRANT SELECT,UPDATE ON SEQUENCE app.s TO "Pgk Weird";\n',
    ],
    [
      'function: EXECUTE revoked from PUBLIC and granted to a role',
      { type: 'FUNCTION', name: 'f(a integer)', schema: 'app', owner: 'postgres' },
      { acl: '{postgres=X/postgres,pgk_r1=X/postgres}', aclDefault: '{=X/postgres,postgres=X/postgres}' },
      15,
      'REVOKE ALL ON FUNCTION app.f(a integer) FROM PUBLIC;\nGRANT ALL ON FUNCTION app.f(a integer) TO pgk_r1;\n',
    ],
    [
      'schema (no schema prefix on the name)',
      { type: 'SCHEMA', name: 'app', schema: null, owner: 'postgres' },
      { acl: '{postgres=UC/postgres,=U/postgres,pgk_r1=U*C*/postgres}', aclDefault: '{postgres=UC/postgres}' },
      15,
      'GRANT USAGE ON SCHEMA app TO PUBLIC;\nGRANT ALL ON SCHEMA app TO pgk_r1 WITH GRANT OPTION;\n',
    ],
    [
      'type: USAGE revoked from PUBLIC',
      { type: 'TYPE', name: 'ty', schema: 'app', owner: 'postgres' },
      { acl: '{postgres=U/postgres}', aclDefault: '{=U/postgres,postgres=U/postgres}' },
      15,
      'REVOKE ALL ON TYPE app.ty FROM PUBLIC;\n',
    ],
    [
      'column: SELECT to a role whose name holds a double quote',
      { type: 'TABLE', name: 't1', subname: 'id', schema: 'app', owner: 'postgres' },
      { acl: '{"\\"pgk\\"\\"q\\"=r/postgres"}', aclDefault: '{}' },
      15,
      'GRANT SELECT(id) ON TABLE app.t1 TO "pgk""q";\n',
    ],
    [
      'column: ALL, then a grant option passed on by a quoted grantor',
      { type: 'TABLE', name: 'c', subname: 'b', schema: 'app', owner: 'postgres' },
      { acl: '{"\\"Pgk Weird\\"=r*/postgres","pgk_r2=r/\\"Pgk Weird\\""}', aclDefault: '{}' },
      15,
      'GRANT SELECT(b) ON TABLE app.c TO "Pgk Weird" WITH GRANT OPTION;\n' +
        'SET SESSION AUTHORIZATION "Pgk Weird";\n' +
        'GRANT SELECT(b) ON TABLE app.c TO pgk_r2;\n' +
        'RESET SESSION AUTHORIZATION;\n',
    ],
    [
      'column: every column privilege is ALL(col)',
      { type: 'TABLE', name: 'c', subname: 'a', schema: 'app', owner: 'postgres' },
      { acl: '{pgk_r1=arwx/postgres}', aclDefault: '{}' },
      15,
      'GRANT ALL(a) ON TABLE app.c TO pgk_r1;\n',
    ],
    [
      'large object (name is the OID, no schema)',
      { type: 'LARGE OBJECT', name: '515151', schema: null, owner: 'postgres' },
      { acl: '{postgres=rw/postgres,pgk_r1=r/postgres,pgk_r2=rw/postgres}', aclDefault: '{postgres=rw/postgres}' },
      15,
      'GRANT SELECT ON LARGE OBJECT 515151 TO pgk_r1;\nGRANT ALL ON LARGE OBJECT 515151 TO pgk_r2;\n',
    ],
    [
      'quoted schema and object names',
      { type: 'TABLE', name: '"Tbl"', schema: 'Sch', owner: 'postgres' },
      { acl: '{postgres=arwdDxt/postgres,pgk_r1=r/postgres}', aclDefault: TABLE_DEFAULT_15 },
      15,
      'GRANT SELECT ON TABLE "Sch"."Tbl" TO pgk_r1;\n',
    ],
    [
      'PostgreSQL 18: GRANT MAINTAIN',
      { type: 'TABLE', name: 'tm', schema: 'public', owner: 'postgres' },
      { acl: '{postgres=arwdDxtm/postgres,r1=m/postgres}', aclDefault: '{postgres=arwdDxtm/postgres}' },
      18,
      'GRANT MAINTAIN ON TABLE public.tm TO r1;\n',
    ],
    [
      'PostgreSQL 18: GRANT ALL includes MAINTAIN',
      { type: 'TABLE', name: 'tm', schema: 'public', owner: 'postgres' },
      { acl: '{postgres=arwdDxtm/postgres,r1=arwdDxtm/postgres}', aclDefault: '{postgres=arwdDxtm/postgres}' },
      18,
      'GRANT ALL ON TABLE public.tm TO r1;\n',
    ],
  ]
  it.each(cases)('%s', (_label, target, dacl, major, expected) => {
    expect(buildAclCommands(target, dacl, major)).toBe(expected)
  })
})

describe('buildAclCommands: owner handling', () => {
  // From buildACLCommands: the owner's own grants go first whatever their place in the ACL, and
  // with no owner known every grant is wrapped in SET SESSION AUTHORIZATION of its grantor.
  it('prints the owner\'s own grants before the others', () => {
    const sql = buildAclCommands(table('t'), { acl: '{pgk_r1=r/postgres,postgres=arwd/postgres}', aclDefault: TABLE_DEFAULT_15 }, 15)
    expect(sql).toBe(
      'REVOKE ALL ON TABLE app.t FROM postgres;\n' +
        'GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE app.t TO postgres;\n' +
        'GRANT SELECT ON TABLE app.t TO pgk_r1;\n',
    )
  })

  it.each([null, ''])('treats owner %j as unknown', (owner) => {
    const sql = buildAclCommands({ type: 'TABLE', name: 't', schema: 'app', owner }, { acl: '{postgres=arwdDxt/postgres,pgk_r1=r/postgres}', aclDefault: '{}' }, 15)
    expect(sql).toBe(
      'SET SESSION AUTHORIZATION postgres;\nGRANT ALL ON TABLE app.t TO postgres;\nRESET SESSION AUTHORIZATION;\n' +
        'SET SESSION AUTHORIZATION postgres;\nGRANT SELECT ON TABLE app.t TO pgk_r1;\nRESET SESSION AUTHORIZATION;\n',
    )
  })

  it('ignores grant options and grantors of revoked items', () => {
    const sql = buildAclCommands(
      { type: 'FUNCTION', name: 'f()', schema: 'app', owner: 'postgres' },
      { acl: '{postgres=X/postgres}', aclDefault: '{=X/postgres,postgres=X/postgres,r1=X*/r2}' },
      15,
    )
    expect(sql).toBe('REVOKE ALL ON FUNCTION app.f() FROM PUBLIC;\nREVOKE ALL ON FUNCTION app.f() FROM r1;\n')
  })
})

describe('buildAclCommands: default privileges', () => {
  // pg_dump 15.20 (dumputils.c before 18) always printed "<name> " after the type, so the empty name of a
  // default ACL left two spaces: `ON TABLES  TO`. pg_dump 18 prints the name only when it is non-empty.
  const globalPrefix = 'ALTER DEFAULT PRIVILEGES FOR ROLE postgres '
  const schemaPrefix = 'ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA app '
  const cases: [string, string, string, DumpableAcl, string][] = [
    ['TABLES', globalPrefix, 'global GRANT', { acl: '{postgres=arwdDxt/postgres,pgk_r1=r/postgres}', aclDefault: TABLE_DEFAULT_15 }, 'GRANT SELECT ON TABLES%TO pgk_r1;\n'],
    ['FUNCTIONS', globalPrefix, 'global REVOKE', { acl: '{postgres=X/postgres}', aclDefault: '{=X/postgres,postgres=X/postgres}' }, 'REVOKE ALL ON FUNCTIONS%FROM PUBLIC;\n'],
    ['TYPES', globalPrefix, 'global REVOKE', { acl: '{postgres=U/postgres}', aclDefault: '{=U/postgres,postgres=U/postgres}' }, 'REVOKE ALL ON TYPES%FROM PUBLIC;\n'],
    ['SCHEMAS', globalPrefix, 'global GRANT ALL', { acl: '{postgres=UC/postgres,pgk_r1=UC/postgres}', aclDefault: '{postgres=UC/postgres}' }, 'GRANT ALL ON SCHEMAS%TO pgk_r1;\n'],
    ['SEQUENCES', schemaPrefix, 'per-schema', { acl: '{pgk_r2=U/postgres}', aclDefault: '{}' }, 'GRANT USAGE ON SEQUENCES%TO pgk_r2;\n'],
    ['TABLES', schemaPrefix, 'per-schema, quoted role', { acl: '{"\\"Pgk Weird\\"=arwdDxt/postgres"}', aclDefault: '{}' }, 'GRANT ALL ON TABLES%TO "Pgk Weird";\n'],
  ]
  it.each(cases)('%s %s (%s), pg_dump 15 spacing', (type, prefix, _label, dacl, expected) => {
    const target: AclTarget = { type, name: '', schema: null, owner: 'postgres', prefix, legacySpacing: true }
    expect(buildAclCommands(target, dacl, 15)).toBe(prefix + expected.replace('%', '  '))
  })
  it.each(cases)('%s %s (%s), pg_dump 18 spacing', (type, prefix, _label, dacl, expected) => {
    const target: AclTarget = { type, name: '', schema: null, owner: 'postgres', prefix }
    expect(buildAclCommands(target, dacl, 15)).toBe(prefix + expected.replace('%', ' '))
  })
})

describe('buildAclCommands: pg_init_privs as the base', () => {
  const cases: [string, AclTarget, DumpableAcl, string][] = [
    [
      'GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text) TO pgk_r1 (initdb revoked it from PUBLIC)',
      { type: 'FUNCTION', name: 'pg_ls_dir(text)', schema: 'pg_catalog', owner: 'postgres' },
      { acl: '{postgres=X/postgres,pgk_r1=X/postgres}', aclDefault: '{=X/postgres,postgres=X/postgres}', initPrivs: '{postgres=X/postgres}' },
      'GRANT ALL ON FUNCTION pg_catalog.pg_ls_dir(text) TO pgk_r1;\n',
    ],
    [
      'REVOKE EXECUTE ON FUNCTION pg_catalog.pg_reload_conf() FROM postgres',
      { type: 'FUNCTION', name: 'pg_reload_conf()', schema: 'pg_catalog', owner: 'postgres' },
      { acl: '{}', aclDefault: '{=X/postgres,postgres=X/postgres}', initPrivs: '{postgres=X/postgres}' },
      'REVOKE ALL ON FUNCTION pg_catalog.pg_reload_conf() FROM postgres;\n',
    ],
    [
      'public schema (15+): USAGE revoked from PUBLIC, CREATE granted',
      { type: 'SCHEMA', name: 'public', schema: null, owner: 'pg_database_owner' },
      {
        acl: '{pg_database_owner=UC/pg_database_owner,pgk_r1=C/pg_database_owner}',
        aclDefault: '{pg_database_owner=UC/pg_database_owner}',
        initPrivs: '{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}',
      },
      'REVOKE USAGE ON SCHEMA public FROM PUBLIC;\nGRANT CREATE ON SCHEMA public TO pgk_r1;\n',
    ],
    [
      // dumpACL: with init privileges, a NULL acl stands for acldefault and is diffed against them
      'a NULL acl with init privileges means acldefault',
      { type: 'FUNCTION', name: 'g()', schema: 'pg_catalog', owner: 'postgres' },
      { acl: null, aclDefault: '{=X/postgres,postgres=X/postgres}', initPrivs: '{postgres=X/postgres}' },
      'GRANT ALL ON FUNCTION pg_catalog.g() TO PUBLIC;\n',
    ],
    [
      'unchanged since initdb',
      { type: 'FUNCTION', name: 'pg_ls_dir(text)', schema: 'pg_catalog', owner: 'postgres' },
      { acl: '{postgres=X/postgres}', aclDefault: '{=X/postgres,postgres=X/postgres}', initPrivs: '{postgres=X/postgres}' },
      '',
    ],
    [
      // dumpACL checks `initprivs && *initprivs`: an empty string is no init privileges
      'empty init privileges fall back to acldefault',
      { type: 'FUNCTION', name: 'f()', schema: 'app', owner: 'postgres' },
      { acl: '{postgres=X/postgres}', aclDefault: '{=X/postgres,postgres=X/postgres}', initPrivs: '' },
      'REVOKE ALL ON FUNCTION app.f() FROM PUBLIC;\n',
    ],
  ]
  it.each(cases)('%s', (_label, target, dacl, expected) => {
    expect(buildAclCommands(target, dacl, 15)).toBe(expected)
  })
})

describe('buildAclCommands: nothing to do', () => {
  const cases: [string, DumpableAcl][] = [
    ['NULL acl (never granted or revoked)', { acl: null, aclDefault: TABLE_DEFAULT_15 }],
    ['empty acl text', { acl: '', aclDefault: TABLE_DEFAULT_15 }],
    ['acl equal to the default', { acl: TABLE_DEFAULT_15, aclDefault: TABLE_DEFAULT_15 }],
    ['same items in another order', { acl: '{pgk_r1=r/postgres,postgres=arwdDxt/postgres}', aclDefault: '{postgres=arwdDxt/postgres,pgk_r1=r/postgres}' }],
  ]
  it.each(cases)('%s', (_label, dacl) => {
    expect(buildAclCommands(table('t'), dacl, 15)).toBe('')
  })

  it('fails with CATALOG_QUERY_FAILED on an unparseable item', () => {
    let err: unknown
    try {
      buildAclCommands(table('t'), { acl: '{garbage}', aclDefault: TABLE_DEFAULT_15 }, 15)
    } catch (e) {
      err = e
    }
    expect(isPgkeepError(err, 'CATALOG_QUERY_FAILED')).toBe(true)
    expect((err as Error).message).toContain('garbage')
  })
})

describe('aclEntries', () => {
  const ctx = { noPrivileges: false, dumpSchema: true, aclMajor: 15 }
  const dacl: DumpableAcl = { acl: '{postgres=arwdDxt/postgres,pgk_r1=r/postgres}', aclDefault: TABLE_DEFAULT_15 }

  it('makes one ACL entry tagged as pg_dump tags it', () => {
    expect(aclEntries(ctx, table('t1'), dacl)).toEqual([
      { section: 'NONE', tag: 'TABLE t1', desc: 'ACL', namespace: 'app', owner: 'postgres', defn: 'GRANT SELECT ON TABLE app.t1 TO pgk_r1;\n' },
    ])
  })

  it('tags column ACLs COLUMN table.column', () => {
    const [entry] = aclEntries(ctx, { ...table('t1'), subname: 'id' }, { acl: '{"\\"pgk\\"\\"q\\"=r/postgres"}', aclDefault: '{}' })
    expect(entry?.tag).toBe('COLUMN t1.id')
    expect(entry?.defn).toBe('GRANT SELECT(id) ON TABLE app.t1 TO "pgk""q";\n')
  })

  it('makes nothing for default privileges', () => {
    expect(aclEntries(ctx, table('t1'), { acl: null, aclDefault: TABLE_DEFAULT_15 })).toEqual([])
  })

  it('makes nothing with noPrivileges (-x)', () => {
    expect(aclEntries({ ...ctx, noPrivileges: true }, table('t1'), dacl)).toEqual([])
  })

  // dumpACL: "--data-only skips ACLs *except* large object ACLs"
  it('keeps only large-object ACLs in a data-only dump', () => {
    const dataOnly = { ...ctx, dumpSchema: false }
    expect(aclEntries(dataOnly, table('t1'), dacl)).toEqual([])
    const lo = aclEntries(dataOnly, { type: 'LARGE OBJECT', name: '515151', schema: null, owner: 'postgres' }, { acl: '{postgres=rw/postgres,pgk_r1=r/postgres}', aclDefault: '{postgres=rw/postgres}' })
    expect(lo.map((e) => e.defn)).toEqual(['GRANT SELECT ON LARGE OBJECT 515151 TO pgk_r1;\n'])
  })
})
