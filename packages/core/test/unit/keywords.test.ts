// The keyword list that forces quoting must be exactly PostgreSQL 18's non-UNRESERVED keywords, and a
// superset of older servers' lists. The lists below are `SELECT word FROM pg_get_keywords()` with
// catcode <> 'U' (resp. = 'U') on PostgreSQL 18.4 and 15.20.
import { describe, expect, it } from 'vitest'
import { QUOTE_FORCING_KEYWORDS } from '../../src/emit/keywords'
import { quoteIdent } from '../../src/emit/quote'

const words = (text: string) => text.split(/\s+/).filter(Boolean)

const PG18_NOT_UNRESERVED = words(`
all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case
cast char character check coalesce collate collation column concurrently constraint create cross
current_catalog current_date current_role current_schema current_time current_timestamp current_user dec
decimal default deferrable desc distinct do else end except exists extract false fetch float for foreign
freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect
interval into is isnull join json json_array json_arrayagg json_exists json_object json_objectagg json_query
json_scalar json_serialize json_table json_value lateral leading least left like limit localtime
localtimestamp merge_action national natural nchar none normalize not notnull null nullif numeric offset on
only or order out outer overlaps overlay placing position precision primary real references returning right
row select session_user setof similar smallint some substring symmetric system_user table tablesample then
time timestamp to trailing treat trim true union unique user using values varchar variadic verbose when where
window with xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot
xmlserialize xmltable
`)

const PG15_NOT_UNRESERVED = words(`
all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case
cast char character check coalesce collate collation column concurrently constraint create cross
current_catalog current_date current_role current_schema current_time current_timestamp current_user dec
decimal default deferrable desc distinct do else end except exists extract false fetch float for foreign
freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect
interval into is isnull join lateral leading least left like limit localtime localtimestamp national natural
nchar none normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay
placing position precision primary real references returning right row select session_user setof similar
smallint some substring symmetric table tablesample then time timestamp to trailing treat trim true union
unique user using values varchar variadic verbose when where window with xmlattributes xmlconcat xmlelement
xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable
`)

const PG18_UNRESERVED = words(`
abort absent absolute access action add admin after aggregate also alter always asensitive assertion
assignment at atomic attach attribute backward before begin breadth by cache call called cascade cascaded
catalog chain characteristics checkpoint class close cluster columns comment comments commit committed
compression conditional configuration conflict connection constraints content continue conversion copy cost
csv cube current cursor cycle data database day deallocate declare defaults deferred definer delete delimiter
delimiters depends depth detach dictionary disable discard document domain double drop each empty enable
encoding encrypted enforced enum error escape event exclude excluding exclusive execute explain expression
extension external family filter finalize first following force format forward function functions generated
global granted groups handler header hold hour identity if immediate immutable implicit import include
including increment indent index indexes inherit inherits inline input insensitive insert instead invoker
isolation keep key keys label language large last leakproof level listen load local location lock locked
logged mapping match matched materialized maxvalue merge method minute minvalue mode month move name names
nested new next nfc nfd nfkc nfkd no normalized nothing notify nowait nulls object objects of off oids old
omit operator option options ordinality others over overriding owned owner parallel parameter parser partial
partition passing password path period plan plans policy preceding prepare prepared preserve prior privileges
procedural procedure procedures program publication quote quotes range read reassign recursive ref
referencing refresh reindex relative release rename repeatable replace replica reset restart restrict return
returns revoke role rollback rollup routine routines rows rule savepoint scalar schema schemas scroll search
second security sequence sequences serializable server session set sets share show simple skip snapshot
source sql stable standalone start statement statistics stdin stdout storage stored strict string strip
subscription support sysid system tables tablespace target temp template temporary text ties transaction
transform trigger truncate trusted type types uescape unbounded uncommitted unconditional unencrypted unknown
unlisten unlogged until update vacuum valid validate validator value varying version view views virtual
volatile whitespace within without work wrapper write xml year yes zone
`)

describe('QUOTE_FORCING_KEYWORDS', () => {
  it('is exactly the 164 non-unreserved keywords of PostgreSQL 18', () => {
    expect(PG18_NOT_UNRESERVED).toHaveLength(164)
    expect([...QUOTE_FORCING_KEYWORDS].sort()).toEqual([...PG18_NOT_UNRESERVED].sort())
  })

  it('contains every keyword PostgreSQL 15 reserves (a newer list may only add words)', () => {
    const missing = PG15_NOT_UNRESERVED.filter((w) => !QUOTE_FORCING_KEYWORDS.has(w))
    expect(missing).toEqual([])
  })

  it('contains no unreserved keyword', () => {
    expect(PG18_UNRESERVED).toHaveLength(330)
    expect(PG18_UNRESERVED.filter((w) => QUOTE_FORCING_KEYWORDS.has(w))).toEqual([])
  })
})

describe('quoteIdent and the keyword list', () => {
  it.each(PG18_NOT_UNRESERVED)('quotes %s', (word) => {
    expect(quoteIdent(word)).toBe(`"${word}"`)
  })

  it('leaves every unreserved keyword bare', () => {
    expect(PG18_UNRESERVED.filter((w) => quoteIdent(w) !== w)).toEqual([])
  })

  it('matches keywords case-sensitively only after the lower-case check (upper-case is quoted anyway)', () => {
    expect(quoteIdent('SELECT')).toBe('"SELECT"')
    expect(quoteIdent('Name')).toBe('"Name"')
  })
})
