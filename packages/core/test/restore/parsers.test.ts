// The small readers behind the splitter: pg_dump TOC headers, the session settings it follows, and the
// client_encoding names it can decode.
import { describe, expect, it } from 'vitest'
import { parseEntryHeader } from '../../src/restore/entry-header'
import { canonicalEncoding, scriptDecoder } from '../../src/restore/script-encoding'
import { readSettingChange } from '../../src/restore/session-settings'

describe('parseEntryHeader', () => {
  const base = { isData: false, isStatistics: false, line: 3 }
  it.each([
    ['-- Name: app; Type: SCHEMA; Schema: -; Owner: app_owner', { ...base, name: 'app', type: 'SCHEMA', schema: null, owner: 'app_owner' }],
    ['-- Name: add(a integer, b integer); Type: FUNCTION; Schema: app; Owner: postgres', { ...base, name: 'add(a integer, b integer)', type: 'FUNCTION', schema: 'app', owner: 'postgres' }],
    ['-- Data for Name: parent; Type: TABLE DATA; Schema: app; Owner: app_owner', { ...base, isData: true, name: 'parent', type: 'TABLE DATA', schema: 'app', owner: 'app_owner' }],
    ['-- Statistics for Name: t; Type: STATISTICS DATA; Schema: public; Owner: -', { ...base, isStatistics: true, name: 't', type: 'STATISTICS DATA', schema: 'public', owner: null }],
    ['-- Name: t; Type: TABLE; Schema: public; Owner: o; Tablespace: fast', { ...base, name: 't', type: 'TABLE', schema: 'public', owner: 'o', tablespace: 'fast' }],
    ['-- Name: a; b; Type: x; Schema: c; Type: TABLE; Schema: s; x; Owner: o; p', { ...base, name: 'a; b; Type: x; Schema: c', type: 'TABLE', schema: 's; x', owner: 'o; p' }],
    ['-- Name: EXTENSION btree_gist; Type: COMMENT; Schema: -; Owner: ', { ...base, name: 'EXTENSION btree_gist', type: 'COMMENT', schema: null, owner: '' }],
    ['-- Name: t t_pkey; Type: CONSTRAINT; Schema: public; Owner: o\r', { ...base, name: 't t_pkey', type: 'CONSTRAINT', schema: 'public', owner: 'o' }],
    ['-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: -; Owner: postgres', { ...base, name: 'DEFAULT PRIVILEGES FOR TABLES', type: 'DEFAULT ACL', schema: null, owner: 'postgres' }],
  ])('%s', (line, expected) => {
    expect(parseEntryHeader(line, 3)).toEqual(expected)
  })

  it.each(['-- PostgreSQL database dump', '-- Name: x', '-- Name: x; Type: lower; Schema: -; Owner: -', '--Name: x; Type: TABLE; Schema: -; Owner: -', '-- TOC entry 215 (class 1259 OID 16390)'])(
    'not a header: %s',
    (line) => {
      expect(parseEntryHeader(line, 1)).toBeNull()
    },
  )
})

describe('readSettingChange', () => {
  it.each([
    ['SET standard_conforming_strings = on;', { standardConformingStrings: true }],
    ['SET standard_conforming_strings = off;', { standardConformingStrings: false }],
    ["set session standard_conforming_strings to 'off'", { standardConformingStrings: false }],
    ['SET standard_conforming_strings TO DEFAULT;', { standardConformingStrings: true }],
    ['/* x */ SET standard_conforming_strings=false;', { standardConformingStrings: false }],
    ['RESET standard_conforming_strings;', { standardConformingStrings: true }],
    ['RESET ALL;', { standardConformingStrings: true, clientEncoding: 'DEFAULT' }],
    ["SET client_encoding = 'LATIN1';", { clientEncoding: 'LATIN1' }],
    ['SET client_encoding TO utf8;', { clientEncoding: 'utf8' }],
    ["SELECT pg_catalog.set_config('standard_conforming_strings', 'off', false);", { standardConformingStrings: false }],
    ["SELECT pg_catalog.set_config('search_path', '', false);", null],
    ["SELECT set_config('standard_conforming_strings', 'off', true);", null],
    ['SET LOCAL standard_conforming_strings = off;', null],
    ['SET statement_timeout = 0;', null],
    ["SELECT 'SET standard_conforming_strings = off';", null],
  ])('%s', (sql, expected) => {
    expect(readSettingChange(sql)).toEqual(expected)
  })
})

describe('client_encoding names', () => {
  it.each([
    ['UTF8', 'UTF8'],
    ['utf-8', 'UTF8'],
    ['Unicode', 'UTF8'],
    ['latin1', 'LATIN1'],
    ['ISO-8859-15', 'LATIN9'],
    ['win1252', 'WIN1252'],
    ['Windows-1251', 'WIN1251'],
    ['euc_jp', 'EUC_JP'],
    ['koi8', 'KOI8R'],
    ['SQL_ASCII', 'SQL_ASCII'],
    ['klingon', undefined],
  ])('%s is %s', (name, canonical) => {
    expect(canonicalEncoding(name)).toBe(canonical)
  })

  it('decodes single-byte and EUC encodings', () => {
    expect(scriptDecoder('LATIN1')!.decode(Buffer.from([0x48, 0xfc]))).toBe('Hü')
    expect(scriptDecoder('WIN1252')!.decode(Buffer.from([0x61, 0x80, 0x9f, 0xe9]))).toBe('a€Ÿé')
    expect(scriptDecoder('LATIN5')!.decode(Buffer.from([0x80, 0xdd, 0xfd, 0xe9]))).toBe('\u0080İıé')
    expect(scriptDecoder('LATIN9')!.decode(Buffer.from([0xa4]))).toBe('€')
    expect(scriptDecoder('KOI8R')!.decode(Buffer.from([0xc1]))).toBe('а')
    expect(scriptDecoder('EUC_JP')!.decode(Buffer.from([0xa4, 0xa2]))).toBe('あ')
  })

  it('refuses invalid bytes', () => {
    expect(() => scriptDecoder('UTF8')!.decode(Buffer.from([0xc3, 0x28]))).toThrow('bytes that are not valid UTF-8')
    expect(() => scriptDecoder('EUC_JP')!.decode(Buffer.from([0xa4]))).toThrow('bytes that are not valid EUC_JP')
    expect(() => scriptDecoder('WIN1252')!.decode(Buffer.from([0x81]))).toThrow('bytes that are not valid WIN1252 (0x81)')
  })

  it.each(['SJIS', 'BIG5', 'GBK', 'GB18030', 'UHC', 'JOHAB', 'EUC_TW', 'MULE_INTERNAL', 'klingon'])('does not offer %s', (name) => {
    expect(scriptDecoder(name)).toBeUndefined()
  })
})
