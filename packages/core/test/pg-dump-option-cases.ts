// The option matrix that dump-options-vs-pg-dump.test.ts runs: each case is one pg_dump command line, the
// pgkeep options meaning the same, the database it runs on ("fixtures": every file of test/fixtures
// loaded into one database; "pagila"), and how pgkeep's output must restore.
import type { DumpOptions } from '../src/index'
import type { RestorePlan } from './restore-plan'

export type SourceDatabase = 'fixtures' | 'pagila'

export interface OptionCase {
  /** pg_dump's options; also the case's title. */
  args: string[]
  /** The same request as pgkeep library options (the connection is added by the test). */
  options: Omit<DumpOptions, 'connection' | 'connectionString'>
  db: SourceDatabase
  restore: RestorePlan
}

const fresh: RestorePlan = { kind: 'fresh' }
/** What a dump of only the relations of fx_tables needs: the schema, the typed table's composite type, the access method, a default's function. */
const FX_TABLES_OUTSIDE = `CREATE SCHEMA fx_tables;
CREATE TYPE fx_tables.contact AS (id integer, name text, phone text);
CREATE ACCESS METHOD fx_heap_copy TYPE TABLE HANDLER heap_tableam_handler;
CREATE FUNCTION fx_tables.next_code(prefix text DEFAULT 'C') RETURNS text LANGUAGE sql AS $$SELECT prefix$$;`
/** pg_dump 15 emits ALTER TABLE ONLY … DROP CONSTRAINT for a partition's primary key, which the server refuses (pgkeep does not). */
const DROP_PARTITION_PKEY_FIXTURES = 'cannot drop inherited constraint "measurements_other_pkey" of relation "measurements_other"'
const DROP_PARTITION_PKEY_PAGILA = 'cannot drop inherited constraint "payment_p2022_07_pkey" of relation "payment_p2022_07"'

export const OPTION_CASES: OptionCase[] = [
  // --- definitions / data ---
  { db: 'fixtures', args: ['-s'], options: { schemaOnly: true }, restore: fresh },
  { db: 'pagila', args: ['-s'], options: { schemaOnly: true }, restore: fresh },
  { db: 'fixtures', args: ['-a'], options: { dataOnly: true }, restore: { kind: 'into-sections' } },
  { db: 'pagila', args: ['-a'], options: { dataOnly: true }, restore: { kind: 'into-sections' } },
  { db: 'fixtures', args: ['-a', '-B'], options: { dataOnly: true, largeObjects: false }, restore: { kind: 'into-sections' } },
  { db: 'fixtures', args: ['-s', '-b'], options: { schemaOnly: true, largeObjects: true }, restore: fresh },

  // --- clean ---
  // pgkeep's clean section departs from pg_dump's where pg_dump's fails (see clean-section.ts): no DROP for a
  // partition's constraint, and the dummy-view replacement (the view's schema does not exist yet on an
  // empty database) and ALTER DOMAIN … DROP CONSTRAINT guarded under --if-exists
  { db: 'fixtures', args: ['-c'], options: { clean: true }, restore: { kind: 'over-copy', pgDumpFails: DROP_PARTITION_PKEY_FIXTURES } },
  { db: 'pagila', args: ['-c'], options: { clean: true }, restore: { kind: 'over-copy', pgDumpFails: DROP_PARTITION_PKEY_PAGILA } },
  { db: 'fixtures', args: ['-c', '--if-exists'], options: { clean: true, ifExists: true }, restore: { kind: 'fresh-twice', pgDumpFails: 'schema "fx_pg14" does not exist' } },
  { db: 'pagila', args: ['-c', '--if-exists'], options: { clean: true, ifExists: true }, restore: { kind: 'fresh-twice', pgDumpFails: DROP_PARTITION_PKEY_PAGILA } },
  { db: 'fixtures', args: ['-c', '-n', 'fx_tables', '-n', 'fx_names', '-n', 'fx_views'], options: { clean: true, schemas: ['fx_tables', 'fx_names', 'fx_views'] }, restore: { kind: 'over-copy' } },
  { db: 'fixtures', args: ['-c', '--if-exists', '-n', 'fx_names', '-n', '"fx Names.""odd"" $ü"'], options: { clean: true, ifExists: true, schemas: ['fx_names', '"fx Names.""odd"" $ü"'] }, restore: { kind: 'fresh-twice' } },
  { db: 'fixtures', args: ['-s', '-c', '--if-exists', '-O', '-x'], options: { schemaOnly: true, clean: true, ifExists: true, noOwner: true, noPrivileges: true }, restore: { kind: 'fresh-twice', pgDumpFails: 'schema "fx_pg14" does not exist' } },
  { db: 'pagila', args: ['-s', '-c', '--if-exists', '-O', '-x'], options: { schemaOnly: true, clean: true, ifExists: true, noOwner: true, noPrivileges: true }, restore: { kind: 'fresh-twice', pgDumpFails: DROP_PARTITION_PKEY_PAGILA } },

  // --- leaving things out ---
  { db: 'fixtures', args: ['-O'], options: { noOwner: true }, restore: fresh },
  // without its GRANTs, a materialized view owned by another role cannot be refreshed
  { db: 'fixtures', args: ['-x'], options: { noPrivileges: true }, restore: { kind: 'fresh', failsLikePgDump: 'permission denied for table staff' } },
  { db: 'fixtures', args: ['-O', '-x'], options: { noOwner: true, noPrivileges: true }, restore: fresh },
  { db: 'fixtures', args: ['--no-comments'], options: { noComments: true }, restore: fresh },
  { db: 'fixtures', args: ['--no-publications'], options: { noPublications: true }, restore: fresh },
  { db: 'fixtures', args: ['--no-security-labels'], options: { noSecurityLabels: true }, restore: fresh },
  { db: 'fixtures', args: ['--no-tablespaces'], options: { noTablespaces: true }, restore: fresh },
  { db: 'fixtures', args: ['--no-unlogged-table-data'], options: { noUnloggedTableData: true }, restore: fresh },
  { db: 'fixtures', args: ['-B'], options: { largeObjects: false }, restore: fresh },
  { db: 'pagila', args: ['-O', '-x', '--no-comments'], options: { noOwner: true, noPrivileges: true, noComments: true }, restore: fresh },

  // --- schemas ---
  { db: 'fixtures', args: ['-n', 'fx_tables'], options: { schemas: ['fx_tables'] }, restore: { kind: 'fresh', prepare: 'CREATE ACCESS METHOD fx_heap_copy TYPE TABLE HANDLER heap_tableam_handler;' } },
  { db: 'fixtures', args: ['-n', 'fx_p*', '-n', 'fx_cons'], options: { schemas: ['fx_p*', 'fx_cons'] }, restore: { kind: 'fresh', prepare: 'CREATE ACCESS METHOD fx_heap15 TYPE TABLE HANDLER heap_tableam_handler; CREATE EXTENSION btree_gist;' } },
  { db: 'fixtures', args: ['-N', 'fx_names', '-N', 'fx_p*'], options: { excludeSchemas: ['fx_names', 'fx_p*'] }, restore: fresh },
  { db: 'fixtures', args: ['-N', 'fx_pg15_pub'], options: { excludeSchemas: ['fx_pg15_pub'] }, restore: fresh },
  { db: 'fixtures', args: ['-n', 'fx_s*', '-n', 'fx_t*', '-N', 'fx_tr*'], options: { schemas: ['fx_s*', 'fx_t*'], excludeSchemas: ['fx_tr*'] }, restore: { kind: 'fresh', prepare: 'CREATE EXTENSION citext; CREATE SCHEMA fx_ext; CREATE EXTENSION hstore SCHEMA fx_ext; CREATE EXTENSION "uuid-ossp" SCHEMA fx_ext; CREATE ACCESS METHOD fx_heap_copy TYPE TABLE HANDLER heap_tableam_handler;' } },
  { db: 'fixtures', args: ['-n', 'fx_lobs'], options: { schemas: ['fx_lobs'] }, restore: fresh },
  { db: 'fixtures', args: ['-n', 'fx_lobs', '-b'], options: { schemas: ['fx_lobs'], largeObjects: true }, restore: fresh },
  { db: 'fixtures', args: ['-n', '"fx Names.""odd"" $ü"'], options: { schemas: ['"fx Names.""odd"" $ü"'] }, restore: fresh },
  { db: 'fixtures', args: ['-n', '"fx_Schemas Mixed Case"', '-n', 'FX_SCHEMAS_OWNED'], options: { schemas: ['"fx_Schemas Mixed Case"', 'FX_SCHEMAS_OWNED'] }, restore: fresh },
  { db: 'fixtures', args: ['-n', 'fx_sec*'], options: { schemas: ['fx_sec*'] }, restore: fresh },
  { db: 'fixtures', args: ['-N', 'fx_sec_defacl'], options: { excludeSchemas: ['fx_sec_defacl'] }, restore: fresh },
  { db: 'fixtures', args: ['-n', 'fx_lobs', '-N', 'nomatch', '-T', 'nomatch.*', '--exclude-table-data', 'nomatch'], options: { schemas: ['fx_lobs'], excludeSchemas: ['nomatch'], excludeTables: ['nomatch.*'], excludeTableData: ['nomatch'] }, restore: fresh },
  { db: 'pagila', args: ['-n', 'public'], options: { schemas: ['public'] }, restore: { kind: 'fresh', prepare: 'DROP SCHEMA public;' } },

  // --- tables ---
  { db: 'fixtures', args: ['-t', 'fx_tables.serials'], options: { tables: ['fx_tables.serials'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA fx_tables;' } },
  { db: 'fixtures', args: ['-t', 'fx_tables.ri_*'], options: { tables: ['fx_tables.ri_*'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA fx_tables;' } },
  { db: 'fixtures', args: ['-t', 'fx_tables.*', '-T', 'fx_tables.bikes'], options: { tables: ['fx_tables.*'], excludeTables: ['fx_tables.bikes'] }, restore: { kind: 'fresh', prepare: FX_TABLES_OUTSIDE } },
  { db: 'fixtures', args: ['-t', 'fx_tables.seq_custom'], options: { tables: ['fx_tables.seq_custom'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA fx_tables;' } },
  { db: 'fixtures', args: ['-t', 'fx_parts.measurements'], options: { tables: ['fx_parts.measurements'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA fx_parts;' } },
  { db: 'fixtures', args: ['-t', 'fx_views.*'], options: { tables: ['fx_views.*'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA fx_views;' } },
  { db: 'fixtures', args: ['-t', 'fx_names."Mixed Case Table"', '-t', 'fx_names."quote""in name"', '-t', 'FX_NAMES.USER'], options: { tables: ['fx_names."Mixed Case Table"', 'fx_names."quote""in name"', 'FX_NAMES.USER'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA fx_names;' } },
  { db: 'fixtures', args: ['-t', '"fx_Schemas Mixed Case"."Some Table"', '-t', 'fx_names."with.dot"', '-t', 'fx_names.dollar$sign', '-t', 'fx_names."🏠 rumah"'], options: { tables: ['"fx_Schemas Mixed Case"."Some Table"', 'fx_names."with.dot"', 'fx_names.dollar$sign', 'fx_names."🏠 rumah"'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA fx_names; CREATE SCHEMA "fx_Schemas Mixed Case";' } },
  { db: 'fixtures', args: ['-t', 'fx_names.?ser', '-t', 'fx_names.?rder'], options: { tables: ['fx_names.?ser', 'fx_names.?rder'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA fx_names;' } },
  { db: 'fixtures', args: ['-t', '"fx Names.""odd"" $ü".*'], options: { tables: ['"fx Names.""odd"" $ü".*'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA "fx Names.""odd"" $ü";' } },
  { db: 'fixtures', args: ['-n', 'fx_parts', '-t', 'fx_tables.serials'], options: { schemas: ['fx_parts'], tables: ['fx_tables.serials'] }, restore: { kind: 'fresh', prepare: 'CREATE SCHEMA fx_tables;' } },
  { db: 'pagila', args: ['-t', 'actor', '-t', 'public.actor_actor_id_seq'], options: { tables: ['actor', 'public.actor_actor_id_seq'] }, restore: { kind: 'fresh', prepare: 'CREATE FUNCTION public.last_updated() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.last_update = CURRENT_TIMESTAMP; RETURN NEW; END$$;' } },
  // -t on a partitioned table takes neither its partitions (15 has no --table-and-children) nor the sequence of its default
  { db: 'pagila', args: ['-t', 'public.payment'], options: { tables: ['public.payment'] }, restore: { kind: 'fresh', prepare: 'CREATE SEQUENCE public.payment_payment_id_seq;' } },
  { db: 'fixtures', args: ['-t', 'fx_tables.products', '-t', 'fx_tables.seq_s*'], options: { tables: ['fx_tables.products', 'fx_tables.seq_s*'] }, restore: { kind: 'fresh', prepare: FX_TABLES_OUTSIDE } },
  // a sequence owned by a dumped table is dumped whatever -T says (pg_dump's getOwnedSeqs ORs in the table's components)
  { db: 'fixtures', args: ['-T', 'fx_tables.serials', '-T', 'fx_tables.seq_owned', '-T', 'fx_tables.serials_id_seq'], options: { excludeTables: ['fx_tables.serials', 'fx_tables.seq_owned', 'fx_tables.serials_id_seq'] }, restore: fresh },
  { db: 'fixtures', args: ['-T', 'fx_tables.seq_owned'], options: { excludeTables: ['fx_tables.seq_owned'] }, restore: fresh },
  { db: 'fixtures', args: ['-T', 'fx_tables.*', '-T', 'fx_names."Mixed Case Table"'], options: { excludeTables: ['fx_tables.*', 'fx_names."Mixed Case Table"'] }, restore: fresh },
  { db: 'fixtures', args: ['-T', 'fx_misc.customers', '-T', 'fx_pg15_pub.payments'], options: { excludeTables: ['fx_misc.customers', 'fx_pg15_pub.payments'] }, restore: fresh },
  { db: 'pagila', args: ['-T', 'public.payment_p2022_0[1-3]'], options: { excludeTables: ['public.payment_p2022_0[1-3]'] }, restore: fresh },
  { db: 'fixtures', args: ['--exclude-table-data', 'fx_names.*', '--exclude-table-data', 'fx_parts.measurements'], options: { excludeTableData: ['fx_names.*', 'fx_parts.measurements'] }, restore: fresh },
  { db: 'fixtures', args: ['--exclude-table-data', 'fx_tables.seq_*', '--exclude-table-data', 'fx_views.*'], options: { excludeTableData: ['fx_tables.seq_*', 'fx_views.*'] }, restore: fresh },
  { db: 'pagila', args: ['--exclude-table-data', 'payment*'], options: { excludeTableData: ['payment*'] }, restore: fresh },
  { db: 'fixtures', args: ['-a', '-t', 'fx_tables.serials', '-t', 'fx_names.*'], options: { dataOnly: true, tables: ['fx_tables.serials', 'fx_names.*'] }, restore: { kind: 'into-sections' } },
  { db: 'pagila', args: ['-a', '-t', 'actor', '--exclude-table-data', 'actor'], options: { dataOnly: true, tables: ['actor'], excludeTableData: ['actor'] }, restore: { kind: 'into-sections' } },
  { db: 'pagila', args: ['-a', '-t', 'public.actor', '-t', 'public.category', '-t', 'language'], options: { dataOnly: true, tables: ['public.actor', 'public.category', 'language'] }, restore: { kind: 'into-sections' } },

  // --- partitions, locks ---
  { db: 'fixtures', args: ['--load-via-partition-root'], options: { loadViaPartitionRoot: true }, restore: fresh },
  { db: 'pagila', args: ['--load-via-partition-root'], options: { loadViaPartitionRoot: true }, restore: fresh },
  { db: 'fixtures', args: ['-a', '--load-via-partition-root', '-n', 'fx_parts'], options: { dataOnly: true, loadViaPartitionRoot: true, schemas: ['fx_parts'] }, restore: { kind: 'into-sections' } },
  { db: 'fixtures', args: ['--lock-wait-timeout=5000', '-n', 'fx_cycles'], options: { lockWaitTimeout: 5000, schemas: ['fx_cycles'] }, restore: fresh },
]

/** The case's title: pg_dump's command line on its database. */
export function caseTitle(c: OptionCase): string {
  return `${c.db}: pg_dump ${c.args.map((a) => (/^[\w.=*-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`
}
