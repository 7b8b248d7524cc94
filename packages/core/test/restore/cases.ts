// The lexing cases of the splitter tests: a small script each, and the items psql would produce from it.
// split-script.test.ts checks the expectations (whole, split at every byte, byte by byte);
// psql-parity.test.ts runs the same scripts through the local psql and compares.
import { copy, meta, stmt, type Flat } from './helpers'

export interface SplitCase {
  name: string
  script: string | Buffer
  items: Flat[]
  /** psql 15 does not behave as the splitter (which follows psql 16+); skipped in the parity test. */
  notPsql15?: string
}

const bs = String.raw

export const CASES: SplitCase[] = [
  // statements, whitespace and comments (mainloop.c + psqlscan.l {whitespace})
  { name: 'two statements on one line', script: 'SELECT 1; SELECT 2;\n', items: [stmt('SELECT 1;', 1), stmt('SELECT 2;', 1)] },
  { name: 'no newline at the end', script: 'SELECT 1;', items: [stmt('SELECT 1;', 1)] },
  {
    name: 'leading whitespace and -- comments dropped, comments inside kept, empty lines dropped',
    script: '-- lead\n\n  SELECT 1 -- trailing; not the end\n\n  , 2;  -- after\n',
    items: [stmt('SELECT 1 -- trailing; not the end\n  , 2;', 3)],
  },
  { name: 'block comment before a statement belongs to it', script: '/* c; */ SELECT 3;\n', items: [stmt('/* c; */ SELECT 3;', 1)] },
  {
    name: 'nested block comments hide ; and quotes',
    script: "SELECT /* a /* b; ' */ still; \" */ 1;\nSELECT 2;\n",
    items: [stmt("SELECT /* a /* b; ' */ still; \" */ 1;", 1), stmt('SELECT 2;', 2)],
  },
  { name: 'comment-only tail is not a statement', script: 'SELECT 1;\n/* tail */\n-- end\n', items: [stmt('SELECT 1;', 1)] },
  {
    name: 'empty lines dropped outside quotes, kept inside quotes and comments',
    script: "SELECT\n\n1, 'a\n\nb', /* x\n\ny */ $$p\n\nq$$;\n",
    items: [stmt("SELECT\n1, 'a\n\nb', /* x\n\ny */ $$p\n\nq$$;", 1)],
  },
  { name: 'CRLF line ends stay in the statement', script: 'SELECT 1\r\nFROM t;\r\n\r\nSELECT 2;\r\n', items: [stmt('SELECT 1\r\nFROM t;', 1), stmt('SELECT 2;', 4)] },
  { name: 'tabs and form feeds are whitespace', script: '\t SELECT\t1 ;\f\n\tSELECT 2;\n', items: [stmt('SELECT\t1 ;', 1), stmt('SELECT 2;', 2)] },
  { name: 'a vertical tab is not whitespace', script: '\vSELECT 1;\n', items: [stmt('\vSELECT 1;', 1)] },
  { name: 'a bare ; is sent on its own', script: 'SELECT 1;;\n', items: [stmt('SELECT 1;', 1), stmt(';', 1)] },
  { name: 'UTF-8 byte-order mark is dropped', script: '\uFEFFSELECT 1;\n', items: [stmt('SELECT 1;', 1)] },

  // quotes
  {
    name: '; inside strings and identifiers',
    script: `SELECT 'a;b', 'it''s;', "x;""y" FROM t;\nSELECT 2;\n`,
    items: [stmt(`SELECT 'a;b', 'it''s;', "x;""y" FROM t;`, 1), stmt('SELECT 2;', 2)],
  },
  { name: "E'\\'' escapes a quote", script: bs`SELECT E'\'';` + '\nSELECT 2;\n', items: [stmt(bs`SELECT E'\'';`, 1), stmt('SELECT 2;', 2)] },
  { name: "e'…' with an escaped backslash before the closing quote", script: bs`SELECT e'a\\'; SELECT 2;` + '\n', items: [stmt(bs`SELECT e'a\\';`, 1), stmt('SELECT 2;', 1)] },
  { name: "E'…' with '' and then \\'", script: bs`SELECT E'it''s\';', 2;` + '\n', items: [stmt(bs`SELECT E'it''s\';', 2;`, 1)] },
  {
    name: 'a string continued after a bare \\r keeps its E-ness (the quote-continuation rule)',
    script: "SELECT E'a' \r '\\';';\nSELECT 2;\n",
    items: [stmt("SELECT E'a' \r '\\';';", 1), stmt('SELECT 2;', 2)],
  },
  {
    name: "E'…' with \\ at the end of a line (psql sees the backslash alone)",
    script: "SELECT E'a\\\n';\nSELECT 2;\n",
    items: [stmt("SELECT E'a\\\n';", 1), stmt('SELECT 2;', 3)],
  },
  {
    name: "standard_conforming_strings off: '\\'' is a quote inside",
    script: 'SET standard_conforming_strings = off;\n' + bs`SELECT 'a\';b';` + '\nSET standard_conforming_strings TO on;\n' + bs`SELECT 'a\';` + '\n',
    items: [
      stmt('SET standard_conforming_strings = off;', 1),
      stmt(bs`SELECT 'a\';b';`, 2),
      stmt('SET standard_conforming_strings TO on;', 3),
      stmt(bs`SELECT 'a\';`, 4),
    ],
  },
  {
    name: 'a standard_conforming_strings change takes effect on the next line (psql sets up the lexer per line)',
    script: "SET standard_conforming_strings = 'off'; SELECT 'x\\';\nSELECT 'y\\';';\n",
    items: [stmt("SET standard_conforming_strings = 'off';", 1), stmt("SELECT 'x\\';", 1), stmt("SELECT 'y\\';';", 2)],
  },
  {
    name: 'RESET standard_conforming_strings turns it back on',
    script: "SET standard_conforming_strings = off;\nRESET standard_conforming_strings;\nSELECT 'a\\';\n",
    items: [stmt('SET standard_conforming_strings = off;', 1), stmt('RESET standard_conforming_strings;', 2), stmt("SELECT 'a\\';", 3)],
  },
  { name: "E string stays E after standard_conforming_strings off", script: "SET standard_conforming_strings = off;\nSELECT E'\\'';\n", items: [stmt('SET standard_conforming_strings = off;', 1), stmt("SELECT E'\\'';", 2)] },
  {
    name: "U&'…' and U&\"…\" with doubled quotes",
    script: `SELECT U&'d\\0061t;''a', U&"d;""x" FROM t;\nSELECT u&1;\n`,
    items: [stmt(`SELECT U&'d\\0061t;''a', U&"d;""x" FROM t;`, 1), stmt('SELECT u&1;', 2)],
  },
  { name: "B'…' and X'…' literals", script: "SELECT B'10;10', x'1F;' ;\n", items: [stmt("SELECT B'10;10', x'1F;' ;", 1)] },
  { name: "N'…' national string", script: "SELECT N'a;b', n'c';\n", items: [stmt("SELECT N'a;b', n'c';", 1)] },
  { name: "E, B, X only prefix a string at the start of a token", script: "SELECT be'a;', xe'b;';\n", items: [stmt("SELECT be'a;', xe'b;';", 1)] },
  { name: 'strings on two lines are two strings', script: "SELECT 'a'\n'b;';\n", items: [stmt("SELECT 'a'\n'b;';", 1)] },

  // dollar quotes
  { name: 'dollar quotes hide ;', script: 'SELECT $$;$$, $a$ ; $a$;\nSELECT 2;\n', items: [stmt('SELECT $$;$$, $a$ ; $a$;', 1), stmt('SELECT 2;', 2)] },
  {
    name: '$$ inside $_$',
    script: "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $_$ SELECT $$;$$ $_$;\nSELECT 2;\n",
    items: [stmt('CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $_$ SELECT $$;$$ $_$;', 1), stmt('SELECT 2;', 2)],
  },
  { name: 'a near-miss tag does not close', script: 'SELECT $ab$ $a$ ; $abc$ $ab$;\n', items: [stmt('SELECT $ab$ $a$ ; $abc$ $ab$;', 1)] },
  { name: 'a tag may end where another begins', script: 'SELECT $a$ x$b$a$;\n', items: [stmt('SELECT $a$ x$b$a$;', 1)] },
  { name: '$1 is a parameter, not a quote', script: 'PREPARE p AS SELECT $1;\nSELECT $2a;\n', items: [stmt('PREPARE p AS SELECT $1;', 1), stmt('SELECT $2a;', 2)] },
  { name: '$ inside an identifier is not a quote', script: 'SELECT a$b, c$$ FROM t;\n', items: [stmt('SELECT a$b, c$$ FROM t;', 1)] },
  { name: 'an unclosed $tag is a lone $', script: 'SELECT $abc + 1;\n', items: [stmt('SELECT $abc + 1;', 1)] },
  { name: 'tags with digits and non-ASCII letters', script: 'SELECT $q1$;$q1$, $ü$;$ü$;\n', items: [stmt('SELECT $q1$;$q1$, $ü$;$ü$;', 1)] },

  // parentheses and BEGIN ATOMIC
  {
    name: 'CREATE RULE … DO INSTEAD (INSERT …; INSERT …)',
    script: 'CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1;\n',
    items: [stmt('CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));', 1), stmt('SELECT 1;', 2)],
  },
  { name: 'a stray ) does not go below depth 0', script: 'SELECT 1); SELECT 2;\n', items: [stmt('SELECT 1);', 1), stmt('SELECT 2;', 1)] },
  {
    name: 'BEGIN ATOMIC body with CASE … END',
    script:
      'CREATE FUNCTION public.f(x integer) RETURNS integer\n    LANGUAGE sql\n    BEGIN ATOMIC\n SELECT CASE WHEN (x > 0) THEN 1 ELSE 0 END AS "case";\n SELECT 2;\nEND;\nSELECT 3;\n',
    items: [
      stmt('CREATE FUNCTION public.f(x integer) RETURNS integer\n    LANGUAGE sql\n    BEGIN ATOMIC\n SELECT CASE WHEN (x > 0) THEN 1 ELSE 0 END AS "case";\n SELECT 2;\nEND;', 1),
      stmt('SELECT 3;', 7),
    ],
  },
  {
    name: 'CREATE OR REPLACE PROCEDURE … BEGIN ATOMIC',
    script: 'create or replace procedure p() language sql begin atomic insert into t values (1); insert into t values (2); end;\ncall p();\n',
    items: [stmt('create or replace procedure p() language sql begin atomic insert into t values (1); insert into t values (2); end;', 1), stmt('call p();', 2)],
  },
  { name: 'BEGIN; … END; outside a routine are statements', script: 'BEGIN; SELECT 1; END;\n', items: [stmt('BEGIN;', 1), stmt('SELECT 1;', 1), stmt('END;', 1)] },
  { name: 'begin inside parentheses of a routine does not count', script: 'CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nSELECT 2;\n', items: [stmt('CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;', 1), stmt('SELECT 2;', 2)] },
  {
    name: "psql's heuristic: a routine named begin swallows statements until an END",
    script: 'CREATE FUNCTION public.begin() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nSELECT 2;\nEND;\nSELECT 3;\n',
    items: [stmt('CREATE FUNCTION public.begin() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nSELECT 2;\nEND;', 1), stmt('SELECT 3;', 4)],
  },
  { name: 'CREATE TABLE begin is not a routine', script: 'CREATE TABLE begin (x int);\nSELECT 1;\n', items: [stmt('CREATE TABLE begin (x int);', 1), stmt('SELECT 1;', 2)] },

  // psql-only syntax inside statements
  { name: '\\; joins statements into one query', script: 'SELECT 1 \\; SELECT 2;\n', items: [stmt('SELECT 1 ; SELECT 2;', 1)] },
  { name: 'colons: slices, casts, :name', script: 'SELECT a[1:2], x::int, :foo, :"bar" FROM t;\n', items: [stmt('SELECT a[1:2], x::int, :foo, :"bar" FROM t;', 1)] },
  { name: 'numbers', script: 'SELECT 1.5e3, .5, 1..2, 1_000, 0x1F, 1e-3;\n', items: [stmt('SELECT 1.5e3, .5, 1..2, 1_000, 0x1F, 1e-3;', 1)] },
  { name: 'operators next to comments', script: 'SELECT 2 *-- c\n3, 4 +/* d */5;\n', items: [stmt('SELECT 2 *-- c\n3, 4 +/* d */5;', 1)] },

  // multibyte text
  {
    name: 'UTF-8 in strings, identifiers and comments',
    script: 'CREATE TABLE "häuser🏠" (ü int); -- ü🏠\nSELECT \'ü;🏠\' AS ä, $€$🏠;$€$;\n',
    items: [stmt('CREATE TABLE "häuser🏠" (ü int);', 1), stmt("SELECT 'ü;🏠' AS ä, $€$🏠;$€$;", 2)],
  },
  {
    name: 'client_encoding LATIN1 decodes the bytes that follow',
    script: Buffer.concat([Buffer.from("SET client_encoding = 'LATIN1';\nSELECT '"), Buffer.from([0xfc, 0xe4]), Buffer.from("';\n")]),
    items: [stmt("SET client_encoding = 'LATIN1';", 1), stmt("SELECT 'üä';", 2)],
    notPsql15: 'the fake server answers in UTF-8 only',
  },

  // COPY FROM stdin
  { name: 'COPY block', script: 'COPY t (a) FROM stdin;\n1\n2\n\\.\nSELECT 5;\n', items: [copy('COPY t (a) FROM stdin;', 1, '1\n2\n'), stmt('SELECT 5;', 5)] },
  {
    name: 'COPY with a quoted column, options and lower case',
    script: 'copy public.t (a, "b;c") from STDIN with (format csv, delimiter \';\');\n1;2\n\\.\n',
    items: [copy('copy public.t (a, "b;c") from STDIN with (format csv, delimiter \';\');', 1, '1;2\n')],
  },
  {
    name: 'COPY data: escapes, \\\\. lines, \\.x, indented \\., tabs, \\N',
    script: 'COPY t (a, b) FROM stdin;\n\\\\.\t\\N\n\\.x\ty\n \\.\tz\na\\tb\tc\\\\\n\\.\n',
    items: [copy('COPY t (a, b) FROM stdin;', 1, '\\\\.\t\\N\n\\.x\ty\n \\.\tz\na\\tb\tc\\\\\n')],
  },
  { name: 'empty COPY block', script: 'COPY t FROM stdin;\n\\.\nSELECT 1;\n', items: [copy('COPY t FROM stdin;', 1, ''), stmt('SELECT 1;', 3)] },
  {
    name: 'COPY blocks back to back, one with an empty column list',
    script: 'COPY a  FROM stdin;\n1\n\\.\nCOPY b FROM stdin;\n2\n\\.\n',
    items: [copy('COPY a  FROM stdin;', 1, '1\n'), copy('COPY b FROM stdin;', 4, '2\n')],
  },
  { name: 'COPY data with CRLF and a \\.\\r\\n end', script: 'COPY t FROM stdin;\r\n1\r\n\\.\r\nSELECT 1;\r\n', items: [copy('COPY t FROM stdin;', 1, '1\r\n'), stmt('SELECT 1;', 4)] },
  { name: 'COPY data ended by \\. at the end of input', script: 'COPY t FROM stdin;\n1\n\\.', items: [copy('COPY t FROM stdin;', 1, '1\n')] },
  { name: 'COPY data with UTF-8', script: 'COPY t FROM stdin;\nü\t🏠\n\\.\n', items: [copy('COPY t FROM stdin;', 1, Buffer.from('ü\t🏠\n').toString('latin1'))] },
  { name: 'a comment after COPY … FROM stdin; on its line', script: 'COPY t FROM stdin; -- data follows\n1\n\\.\n', items: [copy('COPY t FROM stdin;', 1, '1\n')] },
  {
    name: 'COPY … TO stdout, FROM a file, FROM stdin inside parentheses are statements',
    script: "COPY t TO stdout;\nCOPY t FROM '/tmp/x';\nCOPY (SELECT a FROM stdin) TO STDOUT;\n",
    items: [stmt('COPY t TO stdout;', 1), stmt("COPY t FROM '/tmp/x';", 2), stmt('COPY (SELECT a FROM stdin) TO STDOUT;', 3)],
  },
  { name: 'COPY statement over several lines', script: '/* load */ COPY t\n  FROM\n  stdin;\nx\n\\.\n', items: [copy('/* load */ COPY t\n  FROM\n  stdin;', 1, 'x\n')] },

  // backslash commands
  {
    name: '\\restrict and \\unrestrict',
    script: '\\restrict abc123\nSELECT 6;\n\\unrestrict abc123\n',
    items: [meta('restrict', 'abc123', 1), stmt('SELECT 6;', 2), meta('unrestrict', 'abc123', 3)],
  },
  {
    name: '\\connect as pg_dump --create writes it',
    script: '\\unrestrict k\n\\connect -reuse-previous=on "dbname=\'my db\'"\n\\restrict k\n\nSELECT 1;\n\\unrestrict k\n',
    items: [meta('unrestrict', 'k', 1), meta('connect', '-reuse-previous=on "dbname=\'my db\'"', 2), meta('restrict', 'k', 3), stmt('SELECT 1;', 5), meta('unrestrict', 'k', 6)],
  },
  { name: 'backslash command after whitespace or after a statement', script: '  \\c db\r\nSELECT 1; \\echo hi  \n', items: [meta('c', 'db', 1), stmt('SELECT 1;', 2), meta('echo', 'hi', 2)] },
  {
    name: 'a backslash command between a comment and its statement',
    script: '/* c */\n\\restrict k\nSELECT 1;\n\\unrestrict k\n',
    items: [meta('restrict', 'k', 2), stmt('/* c */\nSELECT 1;', 1), meta('unrestrict', 'k', 4)],
  },
]

/** Scripts that must fail, with the SCRIPT_INVALID message. */
export interface ErrorCase {
  name: string
  script: string | Buffer
  error: string | RegExp
  options?: { maxStatementBytes?: number; requireUnrestrict?: boolean }
}

export const ERROR_CASES: ErrorCase[] = [
  { name: 'unterminated string', script: "SELECT 1;\nSELECT 'abc;\n", error: 'script ends inside a quoted string that starts at line 2' },
  { name: "unterminated E string ending in \\'", script: "SELECT E'abc\\';", error: 'script ends inside a quoted string that starts at line 1' },
  { name: 'unterminated identifier', script: 'SELECT "abc;', error: 'script ends inside a quoted identifier that starts at line 1' },
  { name: 'unterminated dollar quote', script: 'SELECT $$abc$;\n', error: 'script ends inside the dollar-quoted string $$ that starts at line 1' },
  { name: 'unterminated tagged dollar quote', script: 'SELECT $a$ x $b$;', error: 'script ends inside the dollar-quoted string $a$ that starts at line 1' },
  { name: 'unterminated nested comment', script: '/* a /* b */', error: 'script ends inside a /* comment */ that starts at line 1' },
  { name: 'unterminated bit string', script: "SELECT B'101", error: 'script ends inside a bit-string or hex-string literal that starts at line 1' },
  { name: 'statement without ;', script: 'SELECT 1;\nSELECT 2\n-- end\n', error: 'script ends inside the statement that starts at line 2 (no terminating ";")' },
  { name: 'unclosed parenthesis', script: 'SELECT (1;\n', error: 'script ends inside the statement that starts at line 1 (1 unclosed parenthesis)' },
  {
    name: 'unclosed BEGIN ATOMIC',
    script: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\n',
    error: 'script ends inside the statement that starts at line 1 (its BEGIN ATOMIC … END body is not closed)',
  },
  { name: 'COPY data without \\.', script: 'COPY t FROM stdin;\n1\n2\n', error: 'script ends inside the COPY data of the statement at line 1: there is no "\\." line' },
  { name: 'COPY statement at the very end', script: 'COPY t FROM stdin;', error: 'script ends inside the COPY data of the statement at line 1: there is no "\\." line' },
  { name: '\\. outside COPY data', script: 'SELECT 1;\n\\.\n', error: 'line 2: "\\." outside COPY data' },
  { name: 'backslash command inside a statement', script: 'SELECT 1\n\\g\n', error: 'line 2: a backslash command inside the statement that starts at line 1' },
  { name: '\\restrict without \\unrestrict', script: '\\restrict k\nSELECT 1;\n', error: 'script ends inside "\\restrict" (line 1): there is no matching "\\unrestrict" line' },
  { name: '\\unrestrict with another key', script: '\\restrict k\nSELECT 1;\n\\unrestrict x\n', error: 'script ends inside "\\restrict" (line 1): there is no matching "\\unrestrict" line' },
  { name: 'text after COPY … FROM stdin;', script: 'COPY t FROM stdin; SELECT 1;\n\\.\n', error: 'line 1: text follows "COPY … FROM stdin;" on the same line (psql would run it after the COPY data)' },
  { name: 'binary COPY', script: 'COPY t FROM stdin (FORMAT binary);\n', error: 'line 1: COPY … FROM stdin in binary format cannot be read from a script' },
  { name: 'custom-format archive', script: 'PGDMP\x01\x0e\x00', error: 'the input is a pg_dump custom-format archive, not a plain SQL script' },
  { name: 'gzip', script: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), error: 'the input is gzip-compressed, not a plain SQL script' },
  { name: 'statement over maxStatementBytes', script: "SELECT 1;\nSELECT 'aaaaaaaaaaaaaaaaaaaa';\n", options: { maxStatementBytes: 16 }, error: /^the statement that starts at line 2 is larger than maxStatementBytes \(16 bytes\)$|^a single token or backslash-command line at line 2 is larger than maxStatementBytes \(16 bytes\)$/ },
  { name: 'long unterminated dollar-quote tag', script: `SELECT $${'t'.repeat(100)}$ x;`, error: `script ends inside the dollar-quoted string $${'t'.repeat(31)}…$ (a tag of 102 bytes) that starts at line 1` },
  { name: 'NUL byte in a statement', script: "SELECT 1;\nSELECT '\0';\n", error: 'line 2 (byte offset 18 of the script) holds a NUL byte, which SQL text cannot contain' },
  { name: 'NUL byte in COPY data', script: 'COPY t FROM stdin;\n1\n2\0\n\\.\n', error: 'line 3 (byte offset 22 of the script) holds a NUL byte, which SQL text cannot contain' },
  { name: 'NUL bytes only', script: Buffer.alloc(64), error: 'line 1 (byte offset 0 of the script) holds a NUL byte, which SQL text cannot contain' },
  { name: 'NUL byte after a byte-order mark', script: '\ufeff\0SELECT 1;', error: 'line 1 (byte offset 3 of the script) holds a NUL byte, which SQL text cannot contain' },
  { name: 'invalid UTF-8', script: Buffer.concat([Buffer.from("SELECT '"), Buffer.from([0xc3, 0x28]), Buffer.from("';\n")]), error: 'the statement at line 1 holds bytes that are not valid UTF-8' },
  { name: 'unsupported client_encoding', script: "SET client_encoding = 'SJIS';\nSELECT 1;\n", error: 'line 1: client_encoding "SJIS" is not supported by the script splitter' },
]
