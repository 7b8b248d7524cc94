// The pure rules of a parallel restore: which entries run in workers, which tables a post-data statement
// locks and how, which locks conflict, and which statements are session settings that follow into workers.
import { describe, expect, it } from 'vitest'
import { settingName } from '../../src/restore/apply-parallel'
import { locksConflict, parallelClass, tableLocks } from '../../src/restore/parallel-entries'
import type { EntryHeader } from '../../src/restore/script-item'

const entry = (type: string): EntryHeader => ({ name: 'x', type, schema: 'public', owner: 'postgres', isData: type === 'TABLE DATA', isStatistics: false, line: 1 })

describe('parallelClass', () => {
  it('puts table data, builds and foreign keys in workers, everything else alone', () => {
    expect(parallelClass(entry('TABLE DATA'))).toBe('data')
    expect(parallelClass(entry('INDEX'))).toBe('build')
    expect(parallelClass(entry('CONSTRAINT'))).toBe('build')
    expect(parallelClass(entry('FK CONSTRAINT'))).toBe('fk')
    for (const type of ['TABLE', 'INDEX ATTACH', 'TRIGGER', 'CHECK CONSTRAINT', 'SEQUENCE SET', 'ACL', 'MATERIALIZED VIEW DATA']) {
      expect(parallelClass(entry(type)), type).toBeNull()
    }
    expect(parallelClass(null)).toBeNull()
  })
})

describe('tableLocks', () => {
  it('reads the table of CREATE INDEX (share) and of ALTER TABLE … ADD CONSTRAINT (exclusive), with REFERENCES', () => {
    expect(tableLocks('CREATE INDEX idx_fk_city_id ON public.address USING btree (city_id);')).toEqual([{ table: 'public\u0000address', mode: 'share' }])
    expect(tableLocks('CREATE UNIQUE INDEX "Odd ""i""" ON ONLY "My Schema"."Order" USING btree (id);')).toEqual([{ table: 'My Schema\u0000Order', mode: 'share' }])
    expect(tableLocks('ALTER TABLE ONLY public.actor\n    ADD CONSTRAINT actor_pkey PRIMARY KEY (actor_id);')).toEqual([{ table: 'public\u0000actor', mode: 'exclusive' }])
    expect(tableLocks('ALTER TABLE ONLY public.address\n    ADD CONSTRAINT address_city_id_fkey FOREIGN KEY (city_id) REFERENCES public.city(city_id) ON UPDATE CASCADE ON DELETE RESTRICT;')).toEqual([
      { table: 'public\u0000address', mode: 'exclusive' },
      { table: 'public\u0000city', mode: 'exclusive' },
    ])
  })

  it('gives null for a statement of another shape (the entry then runs alone)', () => {
    expect(tableLocks('ALTER INDEX public.idx ALTER COLUMN 1 SET STATISTICS 100;')).toBeNull()
    expect(tableLocks('ALTER TABLE public.t ALTER COLUMN a SET DEFAULT 1;')).toBeNull()
  })
})

describe('locksConflict', () => {
  const share = (table: string) => ({ table, mode: 'share' as const })
  const exclusive = (table: string) => ({ table, mode: 'exclusive' as const })
  it('lets index builds on one table run together, but not with an ALTER TABLE on it', () => {
    expect(locksConflict([share('a')], [share('a')])).toBe(false)
    expect(locksConflict([share('a')], [exclusive('a')])).toBe(true)
    expect(locksConflict([exclusive('a'), exclusive('b')], [exclusive('c'), exclusive('b')])).toBe(true)
    expect(locksConflict([exclusive('a')], [exclusive('b')])).toBe(false)
  })
})

describe('settingName', () => {
  it('names the session settings a dump makes, and leaves everything else alone', () => {
    expect(settingName("SET search_path = public, pg_catalog;")).toBe('search_path')
    expect(settingName("SELECT pg_catalog.set_config('search_path', '', false);")).toBe('search_path')
    expect(settingName('SET SESSION AUTHORIZATION alice;')).toBe('session authorization')
    expect(settingName('SET ROLE alice;')).toBe('role')
    expect(settingName("SET default_tablespace = '';")).toBe('default_tablespace')
    expect(settingName('RESET ROLE;')).toBe('role')
    expect(settingName('SET LOCAL search_path = x;')).toBeNull()
    expect(settingName("SELECT pg_catalog.set_config('search_path', '', true);")).toBeNull()
    expect(settingName("SELECT pg_catalog.setval('public.s', 1, true);")).toBeNull()
    expect(settingName('CREATE TABLE public.settings (a int);')).toBeNull()
  })
})
