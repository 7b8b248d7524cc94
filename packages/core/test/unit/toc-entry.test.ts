// Which restore pass prints an entry (pg_backup_archiver.c _tocEntryRestorePass): ACLs and default ACLs
// after everything else, then event triggers and matview refreshes (with their comments) last.
import { describe, expect, it } from 'vitest'
import { passOf, type Pass, type TocEntry } from '../../src/emit/toc-entry'

const entry = (desc: string, tag = 'x'): TocEntry => ({ section: 'NONE', tag, desc, namespace: null, owner: null, defn: '' })

describe('passOf', () => {
  const cases: [string, string, Pass][] = [
    ['ACL', 'TABLE t', 'ACL'],
    ['DEFAULT ACL', 'DEFAULT PRIVILEGES FOR TABLES', 'ACL'],
    ['EVENT TRIGGER', 'evt', 'POST_ACL'],
    ['MATERIALIZED VIEW DATA', 'mv', 'POST_ACL'],
    ['COMMENT', 'EVENT TRIGGER evt', 'POST_ACL'],
    ['COMMENT', 'TABLE t', 'MAIN'],
    ['COMMENT', 'EVENT TRIGGERS', 'MAIN'],
    ['TABLE', 't', 'MAIN'],
    ['TABLE DATA', 't', 'MAIN'],
    ['MATERIALIZED VIEW', 'mv', 'MAIN'],
    ['FK CONSTRAINT', 't fk', 'MAIN'],
    ['SECURITY LABEL', 'TABLE t', 'MAIN'],
  ]
  it.each(cases)('%s %j -> %s', (desc, tag, pass) => {
    expect(passOf(entry(desc, tag))).toBe(pass)
  })
})
