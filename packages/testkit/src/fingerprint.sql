-- Catalog fingerprint: one text line per user-visible fact of the current database, without OIDs, so two
-- databases compare as sorted line sets on any server from 13 to 18. Extension members are left out.

-- Read by fingerprint.ts, which runs each block on its own:
--   "-- define: NAME" blocks become CTEs placed in front of every fact query;
--   "-- fact: NAME [since=N] [until=N]" blocks are one SELECT of one text column, run when
--   since <= server_version_num < until. Columns that only some versions have are read with to_jsonb(row).
-- ACLs are compared as sorted items with NULL read as the default ACL, since pg_dump writes no GRANT for either.
-- Options (storage parameters, FDW options) are sets: sorted, since pg_dump writes some of them sorted by name.
-- Options named pg_* are the server's own bookkeeping, not settings: PostgreSQL 15.20 stamps every column with
-- a pg_attver attribute option that changes on each CREATE/ALTER and that pg_dump leaves out, so they are skipped.
-- The session runs with search_path = pg_catalog, so every user object prints schema-qualified.

-- define: fp_ext
SELECT classid, objid FROM pg_depend WHERE deptype = 'e'

-- define: fp_ns
SELECT oid, nspname FROM pg_namespace
WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
  AND oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_namespace'::regclass)

-- define: fp_rel
SELECT c.oid FROM pg_class c
WHERE c.relnamespace IN (SELECT oid FROM fp_ns)
  AND c.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_class'::regclass)

-- fact: schema
SELECT 'schema ' || quote_ident(n.nspname) || ' owner=' || pg_get_userbyid(n.nspowner)
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '') FROM unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) x)
FROM pg_namespace n WHERE n.oid IN (SELECT oid FROM fp_ns)

-- fact: extension
SELECT 'extension ' || quote_ident(e.extname) || ' schema=' || quote_ident(n.nspname) || ' version=' || e.extversion
    || ' config=' || coalesce((SELECT string_agg(u.rel::regclass::text || coalesce(' ' || nullif(u.cond, ''), ''), ',' ORDER BY u.rel::regclass::text COLLATE "C")
                               FROM unnest(e.extconfig, e.extcondition) AS u(rel, cond)), '')
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace

-- fact: relation
SELECT 'relation ' || c.oid::regclass::text || ' kind=' || c.relkind::text || ' persistence=' || c.relpersistence::text
    || ' owner=' || pg_get_userbyid(c.relowner)
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '')
                   FROM unnest(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) x)
    || ' options=' || coalesce((SELECT string_agg(o, ',' ORDER BY o COLLATE "C") FROM unnest(c.reloptions) o WHERE o !~ '^pg_'), '')
    || ' toast-options=' || coalesce((SELECT string_agg(o, ',' ORDER BY o COLLATE "C") FROM pg_class t, unnest(t.reloptions) o
                                      WHERE t.oid = c.reltoastrelid AND o !~ '^pg_'), '')
    || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity || ' replident=' || c.relreplident::text
    || ' of=' || CASE WHEN c.reloftype <> 0 THEN c.reloftype::regtype::text ELSE '' END
    || ' partkey=' || coalesce(pg_get_partkeydef(c.oid), '') || ' bound=' || coalesce(pg_get_expr(c.relpartbound, c.oid), '')
    || ' am=' || coalesce(am.amname, '') || ' populated=' || c.relispopulated || ' tablespace=' || coalesce(ts.spcname, '')
FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
WHERE c.oid IN (SELECT oid FROM fp_rel) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c', 'i', 'I')

-- fact: column
SELECT 'column ' || c.oid::regclass::text || ' #' || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)
    || ' ' || quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
    || ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
    || ' collation=' || CASE WHEN a.attcollation <> t.typcollation THEN coalesce(a.attcollation::regcollation::text, '') ELSE '' END
    || ' storage=' || CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text ELSE '' END
    || ' compression=' || coalesce(to_jsonb(a) ->> 'attcompression', '')
    || ' statistics=' || coalesce(nullif(a.attstattarget::int, -1)::text, '')
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '') FROM unnest(a.attacl) x)
    || ' local=' || a.attislocal || ' inherited=' || a.attinhcount
    || ' options=' || coalesce((SELECT string_agg(o, ',' ORDER BY o COLLATE "C") FROM unnest(a.attoptions) o WHERE o !~ '^pg_'), '')
    || ' fdw-options=' || coalesce((SELECT string_agg(o, ',' ORDER BY o COLLATE "C") FROM unnest(a.attfdwoptions) o), '')
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.oid IN (SELECT oid FROM fp_rel)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c', 'i', 'I')

-- fact: inherits
SELECT 'inherits ' || i.inhrelid::regclass::text || ' from ' || i.inhparent::regclass::text || ' #' || i.inhseqno
FROM pg_inherits i WHERE i.inhrelid IN (SELECT oid FROM fp_rel)

-- fact: foreign-table
SELECT 'foreign-table ' || ft.ftrelid::regclass::text || ' server=' || quote_ident(s.srvname) || ' options=' || coalesce((SELECT string_agg(o, ',' ORDER BY o COLLATE "C") FROM unnest(ft.ftoptions) o), '')
FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver WHERE ft.ftrelid IN (SELECT oid FROM fp_rel)

-- fact: constraint
SELECT 'constraint ' || CASE WHEN con.conrelid <> 0 THEN con.conrelid::regclass::text ELSE con.contypid::regtype::text END
    || ' ' || quote_ident(con.conname) || ' type=' || con.contype::text || ' ' || pg_get_constraintdef(con.oid)
    || ' validated=' || con.convalidated || ' local=' || con.conislocal || ' inherited=' || con.coninhcount
    -- NO INHERIT means something for CHECK and NOT NULL only; on index-backed constraints the flag depends on
    -- how the partition's constraint came to be (created with the parent or attached), which no dump repeats
    || CASE WHEN con.contype IN ('c', 'n') THEN ' noinherit=' || con.connoinherit ELSE '' END
FROM pg_constraint con
WHERE con.connamespace IN (SELECT oid FROM fp_ns)
  AND (con.conrelid = 0 OR con.conrelid IN (SELECT oid FROM fp_rel))
  AND con.contypid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_type'::regclass)

-- fact: index
SELECT 'index ' || pg_get_indexdef(i.indexrelid) || ' clustered=' || i.indisclustered || ' replident=' || i.indisreplident
FROM pg_index i WHERE i.indexrelid IN (SELECT oid FROM fp_rel) AND i.indrelid IN (SELECT oid FROM fp_rel)

-- fact: trigger
-- tgparentid <> 0 marks the clones a partitioned table's trigger puts on its partitions
SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgrelid IN (SELECT oid FROM fp_rel)

-- fact: view
SELECT 'view ' || c.oid::regclass::text || ' ' || pg_get_viewdef(c.oid)
FROM pg_class c WHERE c.relkind IN ('v', 'm') AND c.oid IN (SELECT oid FROM fp_rel)

-- fact: rule
SELECT 'rule ' || pg_get_ruledef(r.oid) || ' enabled=' || r.ev_enabled::text
FROM pg_rewrite r WHERE r.rulename <> '_RETURN' AND r.ev_class IN (SELECT oid FROM fp_rel)

-- fact: routine
SELECT 'routine ' || p.oid::regprocedure::text || ' kind=' || p.prokind::text || ' owner=' || pg_get_userbyid(p.proowner)
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '') FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) x)
    || ' ' || CASE WHEN p.prokind = 'a' THEN (
         SELECT 'aggkind=' || ag.aggkind::text || ' direct-args=' || ag.aggnumdirectargs || ' parallel=' || p.proparallel::text
             || ' sfunc=' || ag.aggtransfn::regprocedure::text || ' stype=' || format_type(ag.aggtranstype, NULL) || ' sspace=' || ag.aggtransspace
             || ' final=' || ag.aggfinalfn::regprocedure::text || ' final-extra=' || ag.aggfinalextra || ' final-modify=' || ag.aggfinalmodify::text
             || ' combine=' || ag.aggcombinefn::regprocedure::text || ' serial=' || ag.aggserialfn::regprocedure::text
             || ' deserial=' || ag.aggdeserialfn::regprocedure::text
             || ' msfunc=' || ag.aggmtransfn::regprocedure::text || ' minvfunc=' || ag.aggminvtransfn::regprocedure::text
             || ' mstype=' || CASE WHEN ag.aggmtranstype <> 0 THEN format_type(ag.aggmtranstype, NULL) ELSE '' END || ' mspace=' || ag.aggmtransspace
             || ' mfinal=' || ag.aggmfinalfn::regprocedure::text || ' mfinal-extra=' || ag.aggmfinalextra || ' mfinal-modify=' || ag.aggmfinalmodify::text
             || ' sortop=' || ag.aggsortop::regoperator::text
             || ' init=' || coalesce(quote_literal(ag.agginitval), '') || ' minit=' || coalesce(quote_literal(ag.aggminitval), '')
         FROM pg_aggregate ag WHERE ag.aggfnoid = p.oid)
       ELSE pg_get_functiondef(p.oid) END
FROM pg_proc p
WHERE p.pronamespace IN (SELECT oid FROM fp_ns) AND p.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_proc'::regclass)

-- fact: type
-- array types and the row types of tables are made with their owners and left out; composite types are
-- listed here for owner and ACL, and their attributes as columns of their relation
SELECT 'type ' || t.oid::regtype::text || ' kind=' || t.typtype::text || ' owner=' || pg_get_userbyid(t.typowner)
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '') FROM unnest(coalesce(t.typacl, acldefault('T', t.typowner))) x)
    || CASE t.typtype
         WHEN 'd' THEN ' base=' || format_type(t.typbasetype, t.typtypmod) || ' notnull=' || t.typnotnull
             || ' default=' || coalesce(pg_get_expr(t.typdefaultbin, 0), t.typdefault, '')
             || ' collation=' || CASE WHEN t.typcollation <> (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
                                      THEN t.typcollation::regcollation::text ELSE '' END
         WHEN 'e' THEN ' labels=' || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
         WHEN 'r' THEN coalesce((SELECT ' subtype=' || format_type(r.rngsubtype, NULL)
             || ' collation=' || CASE WHEN r.rngcollation <> 0 THEN r.rngcollation::regcollation::text ELSE '' END
             || ' opclass=' || (SELECT quote_ident(n.nspname) || '.' || quote_ident(oc.opcname) FROM pg_opclass oc JOIN pg_namespace n ON n.oid = oc.opcnamespace WHERE oc.oid = r.rngsubopc)
             || ' canonical=' || r.rngcanonical::regprocedure::text || ' subdiff=' || r.rngsubdiff::regprocedure::text
             || ' multirange=' || coalesce((to_jsonb(r) ->> 'rngmultitypid')::oid::regtype::text, '')
             FROM pg_range r WHERE r.rngtypid = t.oid), '')
         WHEN 'b' THEN ' input=' || t.typinput::regprocedure::text || ' output=' || t.typoutput::regprocedure::text
             || ' receive=' || t.typreceive::regprocedure::text || ' send=' || t.typsend::regprocedure::text
             || ' typmod-in=' || t.typmodin::regprocedure::text || ' typmod-out=' || t.typmodout::regprocedure::text
             || ' analyze=' || t.typanalyze::regprocedure::text || ' subscript=' || coalesce((to_jsonb(t) ->> 'typsubscript'), '')
             || ' length=' || t.typlen || ' byval=' || t.typbyval || ' align=' || t.typalign::text || ' storage=' || t.typstorage::text
             || ' category=' || t.typcategory::text || ' preferred=' || t.typispreferred || ' delimiter=' || t.typdelim::text
             || ' element=' || CASE WHEN t.typelem <> 0 THEN t.typelem::regtype::text ELSE '' END
             || ' default=' || coalesce(t.typdefault, '')
         ELSE ''
       END
FROM pg_type t
WHERE t.typnamespace IN (SELECT oid FROM fp_ns) AND t.typtype IN ('b', 'c', 'd', 'e', 'r')
  AND t.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_type'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid)
  AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')

-- fact: sequence
SELECT 'sequence ' || c.oid::regclass::text || ' type=' || format_type(s.seqtypid, NULL)
    || ' start=' || s.seqstart || ' min=' || s.seqmin || ' max=' || s.seqmax || ' increment=' || s.seqincrement
    || ' cycle=' || s.seqcycle || ' cache=' || s.seqcache || ' owner=' || pg_get_userbyid(c.relowner)
    || ' owned-by=' || coalesce((SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname)
                                 FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                                   AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
                                 ORDER BY 1 LIMIT 1), '')
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.oid IN (SELECT oid FROM fp_rel)

-- fact: policy
SELECT 'policy ' || quote_ident(pol.polname) || ' on ' || pol.polrelid::regclass::text || ' cmd=' || pol.polcmd::text
    || ' permissive=' || pol.polpermissive
    || ' roles=' || (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END, ',' ORDER BY CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END COLLATE "C")
                     FROM unnest(pol.polroles) r)
    || ' using=' || coalesce(pg_get_expr(pol.polqual, pol.polrelid), '') || ' check=' || coalesce(pg_get_expr(pol.polwithcheck, pol.polrelid), '')
FROM pg_policy pol WHERE pol.polrelid IN (SELECT oid FROM fp_rel)

-- fact: comment
-- objects made by initdb have OIDs below 16384 (FirstNormalObjectId); the public schema is the one kept
SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' = ' || quote_literal(d.description)
FROM pg_description d
WHERE (d.objoid >= 16384 OR (d.classoid = 'pg_namespace'::regclass AND d.objoid IN (SELECT oid FROM fp_ns)))
  AND NOT EXISTS (SELECT 1 FROM fp_ext e WHERE e.classid = d.classoid AND e.objid = d.objoid)
  AND NOT (d.classoid = 'pg_class'::regclass AND d.objoid NOT IN (SELECT oid FROM fp_rel))

-- fact: default-acl
SELECT 'default-acl ' || pg_get_userbyid(da.defaclrole) || ' in=' || CASE WHEN da.defaclnamespace = 0 THEN '*' ELSE da.defaclnamespace::regnamespace::text END
    || ' objtype=' || da.defaclobjtype::text
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '') FROM unnest(da.defaclacl) x)
FROM pg_default_acl da

-- fact: collation
SELECT 'collation ' || co.oid::regcollation::text || ' owner=' || pg_get_userbyid(co.collowner) || ' provider=' || co.collprovider::text
    || ' deterministic=' || co.collisdeterministic
    || ' collate=' || coalesce(co.collcollate, '') || ' ctype=' || coalesce(co.collctype, '')
    || ' locale=' || coalesce(to_jsonb(co) ->> 'colllocale', to_jsonb(co) ->> 'colliculocale', '')
    || ' rules=' || coalesce(to_jsonb(co) ->> 'collicurules', '')
FROM pg_collation co
WHERE co.collnamespace IN (SELECT oid FROM fp_ns) AND co.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_collation'::regclass)

-- fact: operator
SELECT 'operator ' || o.oid::regoperator::text || ' owner=' || pg_get_userbyid(o.oprowner) || ' fn=' || o.oprcode::regprocedure::text
    || ' commutator=' || CASE WHEN o.oprcom <> 0 THEN o.oprcom::regoperator::text ELSE '' END
    || ' negator=' || CASE WHEN o.oprnegate <> 0 THEN o.oprnegate::regoperator::text ELSE '' END
    || ' restrict=' || o.oprrest::regproc::text || ' join=' || o.oprjoin::regproc::text
    || ' hashes=' || o.oprcanhash || ' merges=' || o.oprcanmerge
FROM pg_operator o
WHERE o.oprnamespace IN (SELECT oid FROM fp_ns) AND o.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_operator'::regclass)

-- fact: operator-family
SELECT 'operator-family ' || quote_ident(n.nspname) || '.' || quote_ident(f.opfname) || ' using=' || am.amname || ' owner=' || pg_get_userbyid(f.opfowner)
    || ' operators=' || coalesce((SELECT string_agg(ao.amopstrategy || ':' || ao.amopopr::regoperator::text || ':' || ao.amoppurpose::text
                                        || CASE WHEN ao.amopsortfamily <> 0 THEN ':' || (SELECT sf.opfname FROM pg_opfamily sf WHERE sf.oid = ao.amopsortfamily) ELSE '' END,
                                        ',' ORDER BY ao.amopstrategy, ao.amopopr::regoperator::text COLLATE "C")
                                  FROM pg_amop ao WHERE ao.amopfamily = f.oid), '')
    || ' functions=' || coalesce((SELECT string_agg(ap.amprocnum || ':' || format_type(ap.amproclefttype, NULL) || '/' || format_type(ap.amprocrighttype, NULL)
                                        || ':' || ap.amproc::regprocedure::text,
                                        ',' ORDER BY ap.amprocnum, format_type(ap.amproclefttype, NULL) COLLATE "C", format_type(ap.amprocrighttype, NULL) COLLATE "C")
                                  FROM pg_amproc ap WHERE ap.amprocfamily = f.oid), '')
FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace JOIN pg_am am ON am.oid = f.opfmethod
WHERE f.opfnamespace IN (SELECT oid FROM fp_ns) AND f.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_opfamily'::regclass)

-- fact: operator-class
SELECT 'operator-class ' || quote_ident(n.nspname) || '.' || quote_ident(oc.opcname) || ' using=' || am.amname || ' owner=' || pg_get_userbyid(oc.opcowner)
    || ' type=' || format_type(oc.opcintype, NULL) || ' default=' || oc.opcdefault
    || ' storage=' || CASE WHEN oc.opckeytype <> 0 THEN format_type(oc.opckeytype, NULL) ELSE '' END
    || ' family=' || (SELECT quote_ident(fn.nspname) || '.' || quote_ident(f.opfname) FROM pg_opfamily f JOIN pg_namespace fn ON fn.oid = f.opfnamespace WHERE f.oid = oc.opcfamily)
FROM pg_opclass oc JOIN pg_namespace n ON n.oid = oc.opcnamespace JOIN pg_am am ON am.oid = oc.opcmethod
WHERE oc.opcnamespace IN (SELECT oid FROM fp_ns) AND oc.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_opclass'::regclass)

-- fact: statistics
SELECT 'statistics ' || pg_get_statisticsobjdef(s.oid) || ' owner=' || pg_get_userbyid(s.stxowner)
    || ' target=' || coalesce(nullif((to_jsonb(s) ->> 'stxstattarget')::int, -1)::text, '')
FROM pg_statistic_ext s
WHERE s.stxnamespace IN (SELECT oid FROM fp_ns) AND s.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_statistic_ext'::regclass)

-- fact: text-search-config
SELECT 'text-search-config ' || cfg.oid::regconfig::text || ' owner=' || pg_get_userbyid(cfg.cfgowner)
    || ' parser=' || (SELECT quote_ident(pn.nspname) || '.' || quote_ident(prs.prsname) FROM pg_ts_parser prs JOIN pg_namespace pn ON pn.oid = prs.prsnamespace WHERE prs.oid = cfg.cfgparser)
    || ' maps=' || coalesce((SELECT string_agg(m.maptokentype || ':' || m.mapseqno || ':' || m.mapdict::regdictionary::text, ',' ORDER BY m.maptokentype, m.mapseqno)
                             FROM pg_ts_config_map m WHERE m.mapcfg = cfg.oid), '')
FROM pg_ts_config cfg
WHERE cfg.cfgnamespace IN (SELECT oid FROM fp_ns) AND cfg.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_ts_config'::regclass)

-- fact: text-search-dictionary
SELECT 'text-search-dictionary ' || dict.oid::regdictionary::text || ' owner=' || pg_get_userbyid(dict.dictowner)
    || ' template=' || (SELECT quote_ident(tn.nspname) || '.' || quote_ident(tmpl.tmplname) FROM pg_ts_template tmpl JOIN pg_namespace tn ON tn.oid = tmpl.tmplnamespace WHERE tmpl.oid = dict.dicttemplate)
    || ' options=' || coalesce(dict.dictinitoption, '')
FROM pg_ts_dict dict
WHERE dict.dictnamespace IN (SELECT oid FROM fp_ns) AND dict.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_ts_dict'::regclass)

-- fact: text-search-parser
SELECT 'text-search-parser ' || quote_ident(n.nspname) || '.' || quote_ident(prs.prsname)
    || ' start=' || prs.prsstart::regproc::text || ' token=' || prs.prstoken::regproc::text || ' end=' || prs.prsend::regproc::text
    || ' headline=' || prs.prsheadline::regproc::text || ' lextypes=' || prs.prslextype::regproc::text
FROM pg_ts_parser prs JOIN pg_namespace n ON n.oid = prs.prsnamespace
WHERE prs.prsnamespace IN (SELECT oid FROM fp_ns) AND prs.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_ts_parser'::regclass)

-- fact: text-search-template
SELECT 'text-search-template ' || quote_ident(n.nspname) || '.' || quote_ident(tmpl.tmplname)
    || ' init=' || tmpl.tmplinit::regproc::text || ' lexize=' || tmpl.tmpllexize::regproc::text
FROM pg_ts_template tmpl JOIN pg_namespace n ON n.oid = tmpl.tmplnamespace
WHERE tmpl.tmplnamespace IN (SELECT oid FROM fp_ns) AND tmpl.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_ts_template'::regclass)

-- fact: publication
SELECT 'publication ' || quote_ident(p.pubname) || ' owner=' || pg_get_userbyid(p.pubowner) || ' all-tables=' || p.puballtables
    || ' insert=' || p.pubinsert || ' update=' || p.pubupdate || ' delete=' || p.pubdelete || ' truncate=' || p.pubtruncate
    || ' via-root=' || p.pubviaroot || ' generated=' || coalesce(to_jsonb(p) ->> 'pubgencols', '')
FROM pg_publication p

-- fact: publication-table until=150000
SELECT 'publication-table ' || quote_ident(p.pubname) || ' ' || pr.prrelid::regclass::text
FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid

-- fact: publication-table since=150000
SELECT 'publication-table ' || quote_ident(p.pubname) || ' ' || pr.prrelid::regclass::text
    || ' where=' || coalesce(pg_get_expr(pr.prqual, pr.prrelid), '')
    || ' columns=' || coalesce((SELECT string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum)
                                FROM pg_attribute a WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs::int2[])), '')
FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid

-- fact: publication-schema since=150000
SELECT 'publication-schema ' || quote_ident(p.pubname) || ' ' || pn.pnnspid::regnamespace::text
FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid

-- fact: event-trigger
SELECT 'event-trigger ' || quote_ident(e.evtname) || ' owner=' || pg_get_userbyid(e.evtowner) || ' event=' || e.evtevent
    || ' fn=' || e.evtfoid::regprocedure::text || ' enabled=' || e.evtenabled::text || ' tags=' || coalesce(e.evttags::text, '')
FROM pg_event_trigger e WHERE e.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_event_trigger'::regclass)

-- fact: foreign-data-wrapper
SELECT 'foreign-data-wrapper ' || quote_ident(w.fdwname) || ' owner=' || pg_get_userbyid(w.fdwowner)
    || ' handler=' || CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::regprocedure::text ELSE '' END
    || ' validator=' || CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::regprocedure::text ELSE '' END
    || ' options=' || coalesce((SELECT string_agg(o, ',' ORDER BY o COLLATE "C") FROM unnest(w.fdwoptions) o), '')
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '') FROM unnest(coalesce(w.fdwacl, acldefault('F', w.fdwowner))) x)
FROM pg_foreign_data_wrapper w WHERE w.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_foreign_data_wrapper'::regclass)

-- fact: foreign-server
SELECT 'foreign-server ' || quote_ident(s.srvname) || ' fdw=' || quote_ident(w.fdwname) || ' owner=' || pg_get_userbyid(s.srvowner)
    || ' type=' || coalesce(s.srvtype, '') || ' version=' || coalesce(s.srvversion, '') || ' options=' || coalesce((SELECT string_agg(o, ',' ORDER BY o COLLATE "C") FROM unnest(s.srvoptions) o), '')
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '') FROM unnest(coalesce(s.srvacl, acldefault('S', s.srvowner))) x)
FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE s.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_foreign_server'::regclass)

-- fact: user-mapping
SELECT 'user-mapping ' || quote_ident(um.srvname) || ' for=' || um.usename || ' options=' || coalesce((SELECT string_agg(o, ',' ORDER BY o COLLATE "C") FROM unnest(um.umoptions) o), '')
FROM pg_user_mappings um

-- fact: cast
SELECT 'cast ' || format_type(c.castsource, NULL) || ' as ' || format_type(c.casttarget, NULL)
    || ' fn=' || CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text ELSE '' END
    || ' context=' || c.castcontext::text || ' method=' || c.castmethod::text
FROM pg_cast c WHERE c.oid >= 16384 AND c.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_cast'::regclass)

-- fact: language
SELECT 'language ' || quote_ident(l.lanname) || ' owner=' || pg_get_userbyid(l.lanowner) || ' trusted=' || l.lanpltrusted
    || ' handler=' || CASE WHEN l.lanplcallfoid <> 0 THEN l.lanplcallfoid::regprocedure::text ELSE '' END
    || ' inline=' || CASE WHEN l.laninline <> 0 THEN l.laninline::regprocedure::text ELSE '' END
    || ' validator=' || CASE WHEN l.lanvalidator <> 0 THEN l.lanvalidator::regprocedure::text ELSE '' END
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '') FROM unnest(coalesce(l.lanacl, acldefault('l', l.lanowner))) x)
FROM pg_language l WHERE l.oid >= 16384 AND l.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_language'::regclass)

-- fact: access-method
SELECT 'access-method ' || quote_ident(am.amname) || ' type=' || am.amtype::text || ' handler=' || am.amhandler::regprocedure::text
FROM pg_am am WHERE am.oid >= 16384 AND am.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_am'::regclass)

-- fact: conversion
SELECT 'conversion ' || quote_ident(n.nspname) || '.' || quote_ident(cv.conname) || ' owner=' || pg_get_userbyid(cv.conowner)
    || ' from=' || pg_encoding_to_char(cv.conforencoding) || ' to=' || pg_encoding_to_char(cv.contoencoding)
    || ' fn=' || cv.conproc::regprocedure::text || ' default=' || cv.condefault
FROM pg_conversion cv JOIN pg_namespace n ON n.oid = cv.connamespace
WHERE cv.connamespace IN (SELECT oid FROM fp_ns) AND cv.oid NOT IN (SELECT objid FROM fp_ext WHERE classid = 'pg_conversion'::regclass)

-- fact: large-object
-- a large object's OID is its user-visible name (tables store it), so it stays in the fact
SELECT 'large-object ' || m.oid::text || ' owner=' || pg_get_userbyid(m.lomowner)
    || ' acl=' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE "C"), '') FROM unnest(coalesce(m.lomacl, acldefault('L', m.lomowner))) x)
FROM pg_largeobject_metadata m
