// aclitem parsing as pg_dump's parseAclItem does it (dumputils.c): privilege letters become keywords in
// pg_dump's order, `*` means WITH GRANT OPTION, a complete set becomes ALL, role names are dequoted.
// The item texts are what PostgreSQL 15.20 and 18.4 printed for the grants described; the keyword lists
// match the GRANT statements pg_dump 15.20 wrote for them.
import { describe, expect, it } from 'vitest'
import { parseAclItem, quoteAclRole, type ParsedAclItem } from '../../src/emit/acl-items'

const parsed = (grantee: string, grantor: string, privs: string, privsWithGrant: string): ParsedAclItem => ({ grantee, grantor, privs, privsWithGrant })

describe('parseAclItem', () => {
  const cases: [string, string, string | null, number, ParsedAclItem][] = [
    // GRANT SELECT ON TABLE app.t1 TO pgk_r1
    ['pgk_r1=r/postgres', 'TABLE', null, 15, parsed('pgk_r1', 'postgres', 'SELECT', '')],
    // GRANT ALL ON TABLE (15: arwdDxt is every table privilege)
    ['pgk_r2=arwdDxt/postgres', 'TABLE', null, 15, parsed('pgk_r2', 'postgres', 'ALL', '')],
    // GRANT SELECT,INSERT ... WITH GRANT OPTION, grantee quoted by aclitemout
    ['"Pgk Weird"=a*r*/postgres', 'TABLE', null, 15, parsed('Pgk Weird', 'postgres', '', 'SELECT,INSERT')],
    // GRANT ALL ... WITH GRANT OPTION
    ['pgk_r1=a*r*w*d*D*x*t*/postgres', 'TABLE', null, 15, parsed('pgk_r1', 'postgres', '', 'ALL')],
    // the owner after REVOKE DELETE, TRUNCATE: pg_dump lists the rest in its own order, UPDATE last
    ['postgres=arwxt/postgres', 'TABLE', null, 15, parsed('postgres', 'postgres', 'SELECT,INSERT,REFERENCES,TRIGGER,UPDATE', '')],
    // a mix of privileges with and without grant option
    ['r=r*w/postgres', 'TABLE', null, 15, parsed('r', 'postgres', 'UPDATE', 'SELECT')],
    // PUBLIC is the empty grantee
    ['=r/postgres', 'TABLE', null, 15, parsed('', 'postgres', 'SELECT', '')],
    // a doubled quote inside a quoted role name
    ['"pgk""q"=r/postgres', 'TABLE', 'id', 15, parsed('pgk"q', 'postgres', 'SELECT(id)', '')],
    ['"pgk""q"=w/postgres', 'TABLE', 'name', 15, parsed('pgk"q', 'postgres', 'UPDATE(name)', '')],
    // = and / inside a quoted role name do not end it
    ['"a=b/c"=r/"a=b/c"', 'TABLE', null, 15, parsed('a=b/c', 'a=b/c', 'SELECT', '')],
    // quoted grantor
    ['pgk_r2=r/"Pgk Weird"', 'TABLE', 'b', 15, parsed('pgk_r2', 'Pgk Weird', 'SELECT(b)', '')],
    // column privileges: SELECT, INSERT, REFERENCES, UPDATE make ALL(col)
    ['pgk_r1=arwx/postgres', 'TABLE', 'a', 15, parsed('pgk_r1', 'postgres', 'ALL(a)', '')],
    ['r=r*a*w*x*/postgres', 'TABLE', '"Col"', 15, parsed('r', 'postgres', '', 'ALL("Col")')],
    // sequences: SELECT, USAGE, UPDATE
    ['pgk_r1=U/postgres', 'SEQUENCE', null, 15, parsed('pgk_r1', 'postgres', 'USAGE', '')],
    ['pgk_r2=rwU/postgres', 'SEQUENCE', null, 15, parsed('pgk_r2', 'postgres', 'ALL', '')],
    ['"Pgk Weird"=rw/postgres', 'SEQUENCE', null, 15, parsed('Pgk Weird', 'postgres', 'SELECT,UPDATE', '')],
    // functions and procedures: EXECUTE is everything
    ['pgk_r1=X/postgres', 'FUNCTION', null, 15, parsed('pgk_r1', 'postgres', 'ALL', '')],
    ['=X/postgres', 'PROCEDURE', null, 15, parsed('', 'postgres', 'ALL', '')],
    // schemas: CREATE, USAGE
    ['=U/postgres', 'SCHEMA', null, 15, parsed('', 'postgres', 'USAGE', '')],
    ['pgk_r1=U*C*/postgres', 'SCHEMA', null, 15, parsed('pgk_r1', 'postgres', '', 'ALL')],
    ['pgk_r1=C/pg_database_owner', 'SCHEMA', null, 15, parsed('pgk_r1', 'pg_database_owner', 'CREATE', '')],
    // types, languages, FDWs, servers: USAGE is everything
    ['=U/postgres', 'TYPE', null, 15, parsed('', 'postgres', 'ALL', '')],
    ['r=U/postgres', 'LANGUAGE', null, 15, parsed('r', 'postgres', 'ALL', '')],
    ['r=U/postgres', 'FOREIGN DATA WRAPPER', null, 15, parsed('r', 'postgres', 'ALL', '')],
    ['r=U*/postgres', 'FOREIGN SERVER', null, 15, parsed('r', 'postgres', '', 'ALL')],
    // databases: CREATE, CONNECT, TEMPORARY
    ['=Tc/postgres', 'DATABASE', null, 15, parsed('', 'postgres', 'CONNECT,TEMPORARY', '')],
    ['r=CTc/postgres', 'DATABASE', null, 15, parsed('r', 'postgres', 'ALL', '')],
    ['r=C/postgres', 'TABLESPACE', null, 15, parsed('r', 'postgres', 'ALL', '')],
    // large objects: SELECT, UPDATE
    ['pgk_r1=r/postgres', 'LARGE OBJECT', null, 15, parsed('pgk_r1', 'postgres', 'SELECT', '')],
    ['pgk_r2=rw/postgres', 'LARGE OBJECT', null, 15, parsed('pgk_r2', 'postgres', 'ALL', '')],
    // the plural forms ALTER DEFAULT PRIVILEGES uses
    ['pgk_r1=r/postgres', 'TABLES', null, 15, parsed('pgk_r1', 'postgres', 'SELECT', '')],
    ['pgk_r2=U/postgres', 'SEQUENCES', null, 15, parsed('pgk_r2', 'postgres', 'USAGE', '')],
    ['=X/postgres', 'FUNCTIONS', null, 15, parsed('', 'postgres', 'ALL', '')],
    ['=U/postgres', 'TYPES', null, 15, parsed('', 'postgres', 'ALL', '')],
    ['pgk_r1=UC/postgres', 'SCHEMAS', null, 15, parsed('pgk_r1', 'postgres', 'ALL', '')],
    // MAINTAIN (m) exists from 17 on: PostgreSQL 18.4 prints GRANT MAINTAIN as r1=m/… and
    // acldefault('r', owner) as owner=arwdDxtm/owner
    ['r1=m/postgres', 'TABLE', null, 18, parsed('r1', 'postgres', 'MAINTAIN', '')],
    ['r1=arwdDxtm/postgres', 'TABLE', null, 18, parsed('r1', 'postgres', 'ALL', '')],
    ['r1=arwdDxtm/postgres', 'TABLES', null, 17, parsed('r1', 'postgres', 'ALL', '')],
    // on 17+ the seven older letters are no longer everything (pg_dump 17/18 list them one by one)
    ['r1=arwdDxt/postgres', 'TABLE', null, 17, parsed('r1', 'postgres', 'SELECT,INSERT,REFERENCES,DELETE,TRIGGER,TRUNCATE,UPDATE', '')],
    ['r1=r*m*/postgres', 'TABLE', null, 17, parsed('r1', 'postgres', '', 'SELECT,MAINTAIN')],
    // MAINTAIN is not a column privilege
    ['r1=arwx/postgres', 'TABLE', 'c', 18, parsed('r1', 'postgres', 'ALL(c)', '')],
  ]
  it.each(cases)('%s as %s (column %s, server %i)', (item, type, subname, major, expected) => {
    expect(parseAclItem(item, type, subname, major)).toEqual(expected)
  })

  it('folds grant options into plain privileges when asked to (as for REVOKE)', () => {
    expect(parseAclItem('pgk_r1=a*r*w*d*D*x*t*/postgres', 'TABLE', null, 15, false)).toEqual(parsed('pgk_r1', 'postgres', 'ALL', ''))
    expect(parseAclItem('r=r*w/postgres', 'TABLE', null, 15, false)).toEqual(parsed('r', 'postgres', 'SELECT,UPDATE', ''))
    expect(parseAclItem('r1=X*/postgres', 'FUNCTION', null, 15, false)).toEqual(parsed('r1', 'postgres', 'ALL', ''))
  })

  it('returns no privileges when the item has none of the type\'s letters', () => {
    expect(parseAclItem('r=/postgres', 'TABLE', null, 15)).toEqual(parsed('r', 'postgres', '', ''))
  })

  const invalid: [string, string][] = [
    ['no equals sign', 'TABLE'],
    ['r=r', 'TABLE'],
    ['r=r/postgres', 'NOT A GRANT TYPE'],
  ]
  it.each(invalid)('rejects %j as %s', (item, type) => {
    expect(parseAclItem(item, type, null, 15)).toBeNull()
  })
})

describe('quoteAclRole', () => {
  // role names as PostgreSQL 15.20 printed them in acldefault('r', role)::text elements
  const cases: [string, string][] = [
    ['postgres', 'postgres'],
    ['pgk_r1', 'pgk_r1'],
    // putid() quotes only for characters other than letters, digits and _ (keywords stay bare)
    ['user', 'user'],
    ['Bob', 'Bob'],
    ['Pgk Weird', '"Pgk Weird"'],
    ['pgk"q', '"pgk""q"'],
    ['a=b/c', '"a=b/c"'],
    ['café', '"café"'],
    ['', ''],
  ]
  it.each(cases)('%j -> %s', (role, expected) => {
    expect(quoteAclRole(role)).toBe(expected)
  })

  it.each(cases.filter(([role]) => role !== ''))('round-trips %j through parseAclItem', (role) => {
    const q = quoteAclRole(role)
    expect(parseAclItem(`${q}=r/${q}`, 'TABLE', null, 15)).toEqual(parsed(role, role, 'SELECT', ''))
  })
})
