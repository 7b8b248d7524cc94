// Where pgkeep's --clean section departs from pg_dump 15's on purpose, so that it replays over itself:
// - no DROP CONSTRAINT for a partition's constraint attached to its parent's (the server refuses it; the
//   parent's DROP CONSTRAINT or the partition's DROP TABLE removes it);
// - without --if-exists, no DROP FUNCTION for a function taking or returning a dumped base type (or an array
//   of one): the type's DROP TYPE … CASCADE, which comes first, has removed it;
// - with --if-exists, pg_dump's statements that have no IF EXISTS form (the dummy-view replacement that
//   breaks a view's cycle, ALTER DOMAIN … DROP CONSTRAINT) run inside a DO block only when the object exists.
// pgkeepCleanSection rewrites pg_dump's script that way, taking each DO block from pgkeep's script only
// when it runs exactly pg_dump's statement, so any other difference still shows in the line diff.
import { withClient } from '@pgkeep/testkit'

export interface CleanTargets {
  /** `schema.table constraint` (quoted) of partitions' index constraints attached to their parent's. */
  partitionConstraints: Set<string>
  /** `schema.function(argument types)` of functions taking or returning a base type of the database. */
  baseTypeFunctions: Set<string>
}

/** What pgkeep's clean section leaves out, read from the source database. */
export async function cleanTargets(url: string): Promise<CleanTargets> {
  return withClient(url, async (client) => {
    const constraints = await client.query<{ target: string }>(
      `SELECT quote_ident(n.nspname) || '.' || quote_ident(r.relname) || ' ' || quote_ident(c.conname) AS target
         FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE c.conparentid <> 0 AND c.contype IN ('p', 'u', 'x')`,
    )
    await client.query("SELECT pg_catalog.set_config('search_path', '', false)")
    const functions = await client.query<{ target: string }>(
      `SELECT p.oid::pg_catalog.regprocedure::text AS target FROM pg_catalog.pg_proc p
        WHERE EXISTS (SELECT FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
                       WHERE (t.oid = p.prorettype OR t.oid = ANY (p.proargtypes))
                         AND coalesce(e.typtype, t.typtype) = 'b' AND coalesce(e.typnamespace, t.typnamespace) <> 'pg_catalog'::pg_catalog.regnamespace
                         AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                                           AND d.objid = coalesce(e.oid, t.oid) AND d.deptype = 'e'))`,
    )
    return { partitionConstraints: new Set(constraints.rows.map((r) => r.target)), baseTypeFunctions: new Set(functions.rows.map((r) => r.target)) }
  })
}

/** pg_dump's script with its clean section changed the way pgkeep's is meant to differ (see the file comment). */
export function pgkeepCleanSection(pgDump: string, pgkeep: string, targets: CleanTargets): string {
  const guarded = new Map<string, string>()
  for (const statement of cleanStatements(pgkeep)) {
    const inner = guardedStatement(statement)
    if (inner !== undefined) guarded.set(inner, statement)
  }
  const [head, clean, tail] = splitClean(pgDump)
  const kept: string[] = []
  for (const statement of statementsOf(clean)) {
    const drop = /^ALTER TABLE (?:IF EXISTS )?ONLY (\S+) DROP CONSTRAINT (?:IF EXISTS )?(\S+);\n$/.exec(statement)
    if (drop && targets.partitionConstraints.has(`${drop[1]} ${drop[2]}`)) continue
    const dropFunction = /^DROP FUNCTION (.+);\n$/.exec(statement)
    if (dropFunction && targets.baseTypeFunctions.has(dropFunction[1]!)) continue
    const body = statement.replace(/;\n$/, '')
    const replacement = guarded.get(body) ?? guarded.get(body.replace(/^(ALTER DOMAIN \S+ DROP CONSTRAINT) /, '$1 IF EXISTS '))
    kept.push(replacement ?? statement)
  }
  return head + kept.join('') + tail
}

// --- internal ---

/** The script cut around its DROP section: the lines after the preamble and before the first entry header. */
function splitClean(script: string): [string, string, string] {
  const start = script.indexOf('SET row_security = off;\n\n')
  const end = script.indexOf('\n--\n-- Name: ', start)
  if (start < 0 || end < 0) return [script, '', '']
  const from = start + 'SET row_security = off;\n\n'.length
  return [script.slice(0, from), script.slice(from, end + 1), script.slice(end + 1)]
}

function cleanStatements(script: string): string[] {
  return statementsOf(splitClean(script)[1])
}

/** Statements of the clean section: lines up to one ending in `;` (no statement there has `;` at a line end inside). */
function statementsOf(section: string): string[] {
  const out: string[] = []
  let current = ''
  for (const line of section.split(/(?<=\n)/)) {
    current += line
    if (/;\n$/.test(line) || line === '\n') {
      out.push(current)
      current = ''
    }
  }
  if (current) out.push(current)
  return out
}

/** The statement a `DO` guard runs, or undefined when `statement` is not such a guard. */
function guardedStatement(statement: string): string | undefined {
  const m = /^DO \$(do\w*)\$BEGIN IF pg_catalog\.to_reg(?:class|type)\('(?:[^']|'')*'\) IS NOT NULL THEN EXECUTE \$(q\w*)\$([\s\S]*)\$\2\$; END IF; END\$\1\$;\n$/.exec(statement)
  return m?.[3]
}
