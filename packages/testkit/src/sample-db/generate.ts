// Fills an empty database with the sample boarding-house ("kost") schema and deterministic data: the same
// scale and seed always give the same rows, on every PostgreSQL major from 13. Rows are made on the server
// (INSERT … SELECT over generate_series, with pseudo-random choices from hashint8extended, which is stable
// across versions) in batches of rooms, each its own transaction, so large scales never build one huge
// transaction; secondary indexes, unique and foreign keys and triggers are created after the data.
//
// Size: one unit of scale is 5 properties, 120 rooms and 60 months of history (360 stays, ~6 200 bills,
// ~6 800 payments, ~7 500 log entries, ~480 scanned documents) and adds about 7.7 MB to pg_database_size
// (measured on PostgreSQL 15: scale 10 → 85.5 MB, scale 64 → 500.5 MB in 43 s on 2 cores; an empty
// database is 7.2 MB). Scale 65 ≈ 500 MB, 130 ≈ 1 GB; see scaleForBytes(). Scale is quantised to whole
// properties (steps of 0.2).
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

export interface SampleLoadOptions {
  /** Size knob: 1 ≈ 8 MB, 65 ≈ 500 MB, 130 ≈ 1 GB of pg_database_size. @default 1 */
  scale?: number
  /** Different seeds give different (but equally shaped) data. @default 1 */
  seed?: number
  /** Called with a line of text as the load goes on. */
  onProgress?: (message: string) => void
}

export interface SampleLoadResult {
  /** Rows written per table (schema-qualified name). */
  rows: Record<string, number>
  /** pg_database_size of the database after the load (an empty database is ~7.2 MB of that). */
  bytes: number
}

/** Measured growth of pg_database_size per unit of scale on PostgreSQL 15 (see this file's header). */
export const SAMPLE_DB_BYTES_PER_SCALE = 7.7 * 1024 * 1024

/** pg_database_size of an empty database made from template0 (PostgreSQL 15). */
export const EMPTY_DB_BYTES = 7.2 * 1024 * 1024

/** The schema file: the part above "-- pgkeep-sample: after-data" runs before the data, the rest after. */
export const SAMPLE_SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), 'schema.sql')

/** The scale whose load makes a database of about `bytes` (pg_database_size), e.g. 500 MiB → 64. */
export function scaleForBytes(bytes: number): number {
  return Math.max(0.2, Math.round(((bytes - EMPTY_DB_BYTES) / SAMPLE_DB_BYTES_PER_SCALE) * 5) / 5)
}

/**
 * Creates the sample schema in the empty database at `url` and fills it.
 * @example
 * const { rows, bytes } = await loadSampleDatabase(db.url, { scale: 50, onProgress: console.log })
 */
export async function loadSampleDatabase(url: string, opts: SampleLoadOptions = {}): Promise<SampleLoadResult> {
  const scale = opts.scale ?? 1
  const seed = opts.seed ?? 1
  const progress = opts.onProgress ?? (() => {})
  if (!(Number.isFinite(scale) && scale > 0)) throw new Error(`unable to load the sample database: scale must be a positive number, not ${scale}`)
  if (!Number.isSafeInteger(seed)) throw new Error(`unable to load the sample database: seed must be an integer, not ${seed}`)

  const properties = Math.max(1, Math.round(scale * PROPERTIES_PER_SCALE))
  const rooms = properties * ROOMS_PER_PROPERTY
  const [beforeData, afterData] = splitSchema(readFileSync(SAMPLE_SCHEMA_FILE, 'utf8'))
  const rows: Record<string, number> = {}
  const count = (table: string, n: number | null) => (rows[`public.${table}`] = (rows[`public.${table}`] ?? 0) + (n ?? 0))
  const started = Date.now()

  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {}) // a dropped connection fails the running query instead
  await client.connect()
  try {
    const major = Math.floor(Number((await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v) / 10_000)
    if (major < 13) throw new Error(`unable to load the sample database: PostgreSQL ${major} is older than 13`)
    const { rows: existing } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_catalog.pg_class WHERE relnamespace = 'public'::regnamespace`,
    )
    if (Number(existing[0]!.n) > 0) {
      throw new Error(`unable to load the sample database: schema public already holds ${existing[0]!.n} relations; give it an empty database`)
    }
    // results must not depend on the session: fixed time zone and date style for timestamps and to_char()
    await client.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET synchronous_commit = off`)
    await client.query(beforeData)
    await client.query(helperFunctions(seed))
    progress(`schema created; generating ${properties} properties, ${rooms} rooms (scale ${scale}, seed ${seed})`)

    count('facilities', (await client.query(INSERT_FACILITIES)).rowCount)
    count('users', (await client.query(INSERT_STAFF, [properties])).rowCount)
    count('properties', (await client.query(INSERT_PROPERTIES, [properties])).rowCount)
    count('rooms', (await client.query(INSERT_ROOMS, [rooms])).rowCount)
    count('room_facilities', (await client.query(INSERT_ROOM_FACILITIES, [rooms])).rowCount)

    for (let first = 1; first <= rooms; first += ROOMS_PER_BATCH) {
      const last = Math.min(rooms, first + ROOMS_PER_BATCH - 1)
      await client.query('BEGIN')
      count('users', (await client.query(INSERT_TENANT_USERS, [first, last, properties])).rowCount)
      count('tenants', (await client.query(INSERT_TENANTS, [first, last, properties])).rowCount)
      count('documents', (await client.query(INSERT_DOCUMENTS, [first, last])).rowCount)
      const bills = await idRange(client, INSERT_BILLS, [first, last])
      count('bills', bills.n)
      const payments = bills.n === 0 ? { n: 0, lo: 0, hi: -1 } : await idRange(client, INSERT_PAYMENTS, [bills.lo, bills.hi])
      count('payments', payments.n)
      count('activity_log', (await client.query(INSERT_PAYMENT_LOG, [payments.lo, payments.hi])).rowCount)
      count('activity_log', (await client.query(INSERT_STAY_LOG, [first, last])).rowCount)
      await client.query('COMMIT')
      progress(`rooms ${first}-${last} of ${rooms}: ${rows['public.bills']} bills, ${rows['public.payments']} payments so far (${seconds(started)} s)`)
    }

    progress('creating indexes, constraints and triggers')
    await client.query(afterData)
    await client.query(SET_SEQUENCES)
    await client.query('ANALYZE')
    const bytes = Number((await client.query<{ b: string }>(`SELECT pg_database_size(current_database()) AS b`)).rows[0]!.b)
    progress(`done: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${seconds(started)} s`)
    return { rows: sortKeys(rows), bytes }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    await client.end().catch(() => {})
  }
}

// --- internal ---

const PROPERTIES_PER_SCALE = 5
const ROOMS_PER_PROPERTY = 24
const ROOMS_PER_BATCH = 400
const MARKER = /^-- pgkeep-sample: after-data$/m

function splitSchema(text: string): [string, string] {
  const match = MARKER.exec(text)
  if (!match) throw new Error(`unable to read ${SAMPLE_SCHEMA_FILE}: it has no "-- pgkeep-sample: after-data" line`)
  return [text.slice(0, match.index), text.slice(match.index)]
}

async function idRange(client: pg.Client, sql: string, params: unknown[]): Promise<{ n: number; lo: number; hi: number }> {
  const { rows } = await client.query<{ n: string; lo: string | null; hi: string | null }>(sql, params)
  const r = rows[0]!
  return { n: Number(r.n), lo: Number(r.lo ?? 0), hi: Number(r.hi ?? -1) }
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1)
}

function sortKeys(rows: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(rows).sort(([a], [b]) => a.localeCompare(b)))
}

/** Session-local (pg_temp) helpers, so nothing of the generator stays in the database. */
function helperFunctions(seed: number): string {
  return `
-- a stable pseudo-random non-negative bigint for a key and a salt
CREATE FUNCTION pg_temp.h(k bigint, salt integer) RETURNS bigint LANGUAGE sql IMMUTABLE
  AS $$SELECT hashint8extended(k, salt * 1000003::bigint + (${seed})::bigint) & 9223372036854775807$$;
CREATE FUNCTION pg_temp.pick(a text[], k bigint, salt integer) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$SELECT a[1 + pg_temp.h(k, salt) % cardinality(a)]$$;
-- 'Rp 1.250.000'
CREATE FUNCTION pg_temp.rp(x bigint) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$SELECT 'Rp ' || replace(to_char(x, 'FM999,999,999,990'), ',', '.')$$;
-- n pseudo-random bytes for a key (scanned documents do not compress)
CREATE FUNCTION pg_temp.noise(k bigint, n integer) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$SELECT substr(string_agg(sha256(int8send(k * 1024 + i) || int8send((${seed})::bigint)), ''::bytea ORDER BY i), 1, n)
       FROM generate_series(0, (n - 1) / 32) i$$;
CREATE FUNCTION pg_temp.person(k bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT f || coalesce(' ' || l, '')
  FROM (SELECT pg_temp.pick(ARRAY[${FIRST_NAMES}], k, 60) AS f,
               (ARRAY[${LAST_NAMES}])[1 + pg_temp.h(k, 61) % ${LAST_NAMES_COUNT}] AS l) n
$$;
CREATE FUNCTION pg_temp.phone(k bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN pg_temp.h(k, 70) % 5 = 0 THEN '+628' ELSE '08' END
         || (ARRAY['11', '12', '13', '21', '22', '52', '53', '57', '77', '78', '95', '96'])[1 + pg_temp.h(k, 71) % 12]
         || lpad((pg_temp.h(k, 72) % 100000000)::text, 8, '0')
$$;
-- month m (0 = 2020-07) as a date, and a Jakarta wall-clock time as timestamptz
CREATE FUNCTION pg_temp.month(m integer) RETURNS date LANGUAGE sql IMMUTABLE
  AS $$SELECT (DATE '2020-07-01' + make_interval(months => m))::date$$;
CREATE FUNCTION pg_temp.wib(d date, secs bigint) RETURNS timestamptz LANGUAGE sql IMMUTABLE
  AS $$SELECT (d::timestamp + make_interval(secs => secs) - interval '7 hours') AT TIME ZONE 'UTC'$$;
-- the three stays of a room: slot 1 and 2 have ended; slot 3 may still be going on at month 59 (2025-06)
CREATE FUNCTION pg_temp.stays(room bigint) RETURNS TABLE (slot integer, start_m integer, months integer, ongoing boolean)
  LANGUAGE sql IMMUTABLE AS $$
  SELECT v.slot, v.start_m, v.months, v.ongoing
  FROM (SELECT c.*, CASE WHEN c.on3 THEN 60 - c.s3 ELSE least(3 + (pg_temp.h(room, 7) % 6)::integer, 59 - c.s3) END AS len3
        FROM (SELECT b.*, b.s2 + b.len2 + (pg_temp.h(room, 5) % 3)::integer AS s3,
                     pg_temp.h(room, 6) % 10 < 8 OR b.s2 + b.len2 + (pg_temp.h(room, 5) % 3)::integer >= 57 AS on3
              FROM (SELECT a.*, a.s1 + a.len1 + (pg_temp.h(room, 3) % 3)::integer AS s2, 6 + (pg_temp.h(room, 4) % 22)::integer AS len2
                    FROM (SELECT (pg_temp.h(room, 1) % 6)::integer AS s1, 6 + (pg_temp.h(room, 2) % 18)::integer AS len1) a) b) c) d
  CROSS JOIN LATERAL (VALUES (1, d.s1, d.len1, false), (2, d.s2, d.len2, false), (3, d.s3, d.len3, d.on3)) v(slot, start_m, months, ongoing)
$$;
`
}

const FIRST_NAMES = [
  'Agus', 'Budi', 'Citra', 'Dewi', 'Eko', 'Fitri', 'Gilang', 'Hendra', 'Indah', 'Joko', 'Kartika', 'Lestari', 'Muhammad',
  "Nur'aini", 'Oktaviani', 'Putri', 'Rizky', 'Siti', 'Taufik', 'Utami', 'Wahyu', 'Yusuf', 'Zulfikar', 'Ni Luh Putu',
  'I Gede', 'Made', 'Wayan', 'Kadek', 'Ketut', 'Andi', 'Ayu', 'Bayu', 'Dimas', 'Fajar', 'Galih', 'Hana', 'Intan', "Ma'ruf",
  'Rahmat', 'Sri', 'Yohanes', 'Maria', 'Theresia', 'Stefanus', 'Aisyah', 'Nadia', 'Reza', 'Tiara',
]
  .map(sqlText)
  .join(', ')
const LAST_NAME_LIST = [
  'Saputra', 'Wijaya', 'Hidayat', 'Pratama', 'Siregar', 'Nasution', 'Simanjuntak', 'Lubis', 'Harahap', 'Wibowo', 'Santoso',
  'Gunawan', 'Kusuma', 'Setiawan', 'Rahmawati', 'Purnamasari', 'Halim', 'Tanjung', 'Sihombing', 'Manurung', 'Nugroho',
  'Susanto', 'Permata', 'Anggraini', 'Daulay', 'Wulandari', 'Sinaga', 'Pangaribuan', 'Lim', 'Tan',
]
// about one person in six goes by a single name
const LAST_NAMES = [...LAST_NAME_LIST.map(sqlText), 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL'].join(', ')
const LAST_NAMES_COUNT = LAST_NAME_LIST.length + 6

function sqlText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

const INSERT_FACILITIES = `
INSERT INTO public.facilities (id, name, icon) VALUES
  (1, 'Kasur', 'bed'), (2, 'Lemari', 'wardrobe'), (3, 'WiFi', 'wifi'), (4, 'AC', 'snowflake'),
  (5, 'Kamar mandi dalam', 'shower'), (6, 'Water heater', 'flame'), (7, 'Meja belajar', 'desk'),
  (8, 'Parkir motor', 'motorbike'), (9, 'Dapur bersama', 'cooking-pot'), (10, 'Laundry', 'washing-machine'),
  (11, 'CCTV', 'cctv'), (12, 'Jendela ke luar', NULL)`

// user 1 is the owner; users 2 .. properties + 1 manage one property each
const INSERT_STAFF = `
INSERT INTO public.users (id, email, full_name, role, phone, password_hash, is_active, created_at, last_login_at)
SELECT 1, 'pemilik@example.id', 'Hj. Sulastri Wibowo', 'admin'::public.user_role, '081100000001',
       '$2b$10$' || left(translate(encode(sha256(int8send(pg_temp.h(1, 90))), 'base64'), '+=', './'), 53),
       true, TIMESTAMPTZ '2019-12-01 02:00:00+00', TIMESTAMPTZ '2025-06-14 01:23:45+00'
UNION ALL
SELECT 1 + p, 'pengelola' || p || '@example.id', pg_temp.person(1000000 + p), 'staff'::public.user_role, pg_temp.phone(1000000 + p),
       '$2b$10$' || left(translate(encode(sha256(int8send(pg_temp.h(1 + p, 90))), 'base64'), '+=', './'), 53),
       pg_temp.h(p, 91) % 10 <> 0, pg_temp.wib(DATE '2020-01-15' + p::integer, 9 * 3600),
       CASE WHEN pg_temp.h(p, 92) % 4 <> 0 THEN pg_temp.wib(DATE '2025-06-01' + (pg_temp.h(p, 93) % 14)::integer, pg_temp.h(p, 94) % 86400) END
FROM generate_series(1, $1::integer) p
ORDER BY 1`

const INSERT_PROPERTIES = `
INSERT INTO public.properties (id, manager_id, name, address, city, province, postal_code, gender_policy, description, created_at)
SELECT p, 1 + p,
       (ARRAY['Kost ', 'Wisma ', 'Griya ', 'Rumah Kost '])[1 + pg_temp.h(p, 100) % 4]
         || pg_temp.pick(ARRAY['Melati', 'Mawar', 'Anggrek', 'Kenanga', 'Cempaka', 'Flamboyan', 'Dahlia', 'Teratai', 'Kamboja', 'Bougenville'], p, 101)
         || ' ' || p,
       'Jl. ' || pg_temp.pick(ARRAY['Merdeka', 'Sudirman', 'Diponegoro', 'Gajah Mada', 'Pemuda', 'Kaliurang', 'Dago', 'Cik Di Tiro', 'Veteran', 'Ahmad Yani'], p, 102)
         || ' No. ' || (1 + pg_temp.h(p, 103) % 150)
         || CASE WHEN pg_temp.h(p, 104) % 3 = 0 THEN ' RT 0' || (1 + pg_temp.h(p, 105) % 9) || '/RW 0' || (1 + pg_temp.h(p, 106) % 9) ELSE '' END,
       c.city, c.province, c.zip || lpad((pg_temp.h(p, 107) % 1000)::text, 3, '0'),
       (ARRAY['putra', 'putri', 'campur'])[1 + pg_temp.h(p, 108) % 3],
       CASE pg_temp.h(p, 109) % 4
         WHEN 0 THEN NULL
         WHEN 1 THEN E'Dekat kampus, 5 menit jalan kaki.\\nWiFi 50 Mbps, dapur bersama, parkir motor luas.'
         WHEN 2 THEN 'Lingkungan aman & tenang — akses 24 jam, CCTV, penjaga malam.'
         ELSE E'Harga sudah termasuk listrik & air.\\tTamu lawan jenis dilarang menginap. 🙏'
       END,
       pg_temp.wib(DATE '2020-01-15' + p::integer, 10 * 3600)
FROM generate_series(1, $1::integer) p
CROSS JOIN LATERAL (
  SELECT (ARRAY['Jakarta Selatan', 'Bandung', 'Yogyakarta', 'Surabaya', 'Malang', 'Semarang', 'Denpasar', 'Medan', 'Makassar', 'Depok'])[i] AS city,
         (ARRAY['DKI Jakarta', 'Jawa Barat', 'DI Yogyakarta', 'Jawa Timur', 'Jawa Timur', 'Jawa Tengah', 'Bali', 'Sumatera Utara', 'Sulawesi Selatan', 'Jawa Barat'])[i] AS province,
         (ARRAY['12', '40', '55', '60', '65', '50', '80', '20', '90', '16'])[i] AS zip
  FROM (SELECT 1 + (pg_temp.h(p, 110) % 10)::integer AS i) x
) c
ORDER BY p`

const INSERT_ROOMS = `
INSERT INTO public.rooms (id, property_id, code, floor, size_m2, monthly_rent, status, created_at, updated_at)
SELECT r, p, fl || lpad((i % 8 + 1)::text, 2, '0'), fl, 9 + (pg_temp.h(r, 120) % 13) * 0.5,
       500000 + (pg_temp.h(r, 121) % 31) * 50000,
       CASE WHEN s.ongoing THEN 'occupied' WHEN pg_temp.h(r, 122) % 10 = 0 THEN 'maintenance' ELSE 'available' END::public.room_status,
       pg_temp.wib(DATE '2020-02-01' + p::integer, 11 * 3600),
       pg_temp.wib(pg_temp.month(s.start_m + CASE WHEN s.ongoing THEN 0 ELSE s.months END), 12 * 3600)
FROM generate_series(1, $1::integer) r
CROSS JOIN LATERAL (SELECT (r - 1) / ${ROOMS_PER_PROPERTY} + 1 AS p, (r - 1) % ${ROOMS_PER_PROPERTY} AS i) x
CROSS JOIN LATERAL (SELECT x.i / 8 + 1 AS fl) f
JOIN LATERAL pg_temp.stays(r) s ON s.slot = 3
ORDER BY r`

const INSERT_ROOM_FACILITIES = `
INSERT INTO public.room_facilities (room_id, facility_id)
SELECT r, f
FROM generate_series(1, $1::integer) r, generate_series(1, 12) f
WHERE pg_temp.h(r * 16 + f, 130) % 100 < (ARRAY[100, 90, 95, 50, 60, 25, 70, 80, 40, 30, 60, 75])[f]
ORDER BY r, f`

// a stay of room r in slot j is tenant (r - 1) * 3 + j; 70 % of tenants have an app account, user id = 1 + properties + tenant id
const STAYS = `
FROM generate_series($1::integer, $2::integer) r
CROSS JOIN LATERAL pg_temp.stays(r) s
CROSS JOIN LATERAL (SELECT (r - 1)::bigint * 3 + s.slot AS tid) t
CROSS JOIN LATERAL (SELECT pg_temp.person(t.tid) AS name,
                           pg_temp.month(s.start_m) + (pg_temp.h(t.tid, 140) % 5)::integer AS check_in,
                           CASE WHEN NOT s.ongoing THEN pg_temp.month(s.start_m + s.months) END AS check_out) d`

const INSERT_TENANT_USERS = `
INSERT INTO public.users (id, email, full_name, role, phone, password_hash, is_active, created_at, last_login_at)
SELECT 1 + $3::integer + t.tid,
       trim(BOTH '.' FROM regexp_replace(lower(d.name), '[^a-z0-9]+', '.', 'g')) || '.' || t.tid || '@'
         || pg_temp.pick(ARRAY['example.com', 'example.co.id', 'example.id', 'example.net'], t.tid, 141),
       d.name, 'tenant', pg_temp.phone(t.tid),
       '$2b$10$' || left(translate(encode(sha256(int8send(pg_temp.h(t.tid, 142))), 'base64'), '+=', './'), 53),
       s.ongoing, pg_temp.wib(d.check_in - 2, 15 * 3600 + pg_temp.h(t.tid, 143) % 7200),
       CASE WHEN pg_temp.h(t.tid, 144) % 6 = 0 THEN NULL
            WHEN s.ongoing THEN pg_temp.wib(DATE '2025-06-01' + (pg_temp.h(t.tid, 145) % 14)::integer, pg_temp.h(t.tid, 146) % 86400)
            ELSE pg_temp.wib(d.check_out - 1, 20 * 3600) END
${STAYS}
WHERE pg_temp.h(t.tid, 147) % 10 < 7
ORDER BY t.tid`

const INSERT_TENANTS = `
INSERT INTO public.tenants (id, user_id, room_id, full_name, nik, phone, emergency_contact, occupation, check_in, check_out,
                            deposit, notes, created_at, updated_at)
SELECT t.tid,
       CASE WHEN pg_temp.h(t.tid, 147) % 10 < 7 THEN 1 + $3::integer + t.tid END,
       r, d.name,
       pg_temp.pick(ARRAY['3171', '3273', '3471', '3578', '3507', '3374', '5171', '1271', '7371', '3276'], t.tid, 150)
         || lpad(((t.tid * 982451653 + 104729) % 1000000000000)::text, 12, '0'),
       pg_temp.phone(t.tid),
       CASE WHEN pg_temp.h(t.tid, 151) % 5 <> 0 THEN
         pg_temp.person(t.tid + 5000000) || ' (' || pg_temp.pick(ARRAY['Ayah', 'Ibu', 'Kakak', 'Adik', 'Paman', 'Suami', 'Istri'], t.tid, 152)
         || ') ' || pg_temp.phone(t.tid + 5000000) END,
       (ARRAY['Mahasiswa', 'Mahasiswi', 'Karyawan swasta', 'PNS', 'Perawat', 'Guru', 'Programmer', 'Pengemudi ojek online',
              'Wiraswasta', 'Barista', NULL, NULL])[1 + pg_temp.h(t.tid, 153) % 12],
       d.check_in, d.check_out,
       (pg_temp.h(t.tid, 154) % 3) * 500000,
       CASE pg_temp.h(t.tid, 155) % 12
         WHEN 0 THEN 'Membawa motor sendiri (B 1234 XYZ)'
         WHEN 1 THEN E'Alergi debu.\\nMinta kamar dibersihkan seminggu sekali.'
         WHEN 2 THEN 'Deposit dikembalikan ' || pg_temp.rp((pg_temp.h(t.tid, 154) % 3) * 500000) || ' saat keluar'
         WHEN 3 THEN E'Kontrak 6 bulan\\tperpanjang otomatis'
         WHEN 4 THEN ''
         ELSE NULL
       END,
       pg_temp.wib(d.check_in - 3, 10 * 3600 + pg_temp.h(t.tid, 156) % 3600),
       pg_temp.wib(coalesce(d.check_out, d.check_in + 30), 10 * 3600)
${STAYS}
ORDER BY t.tid`

const INSERT_DOCUMENTS = `
INSERT INTO public.documents (tenant_id, kind, filename, mime_type, content, uploaded_at)
SELECT t.tid, k.kind::public.document_kind,
       CASE k.kind WHEN 'ktp' THEN 'ktp_' || t.tid || '.jpg' ELSE 'kontrak_sewa_' || t.tid || '.pdf' END,
       CASE k.kind WHEN 'ktp' THEN 'image/jpeg' ELSE 'application/pdf' END,
       CASE k.kind
         WHEN 'ktp' THEN '\\xffd8ffe000104a464946'::bytea || pg_temp.noise(t.tid * 2, 1500 + (pg_temp.h(t.tid, 160) % 2500)::integer)
         ELSE convert_to(E'%PDF-1.4\\n', 'UTF8') || pg_temp.noise(t.tid * 2 + 1, 5000 + (pg_temp.h(t.tid, 161) % 7000)::integer)
       END,
       pg_temp.wib(d.check_in - 3, 11 * 3600 + pg_temp.h(t.tid, 162) % 3600)
${STAYS}
CROSS JOIN LATERAL (VALUES (1, 'ktp'), (2, 'contract')) k(n, kind)
WHERE k.kind = 'ktp' OR pg_temp.h(t.tid, 163) % 3 = 0
ORDER BY t.tid, k.n`

// A bill's key is tenant * 64 + its month; the bill's status and the number, amounts and times of its
// payments all derive from that key, so bills and payments agree without reading each other.
const BILL_FACTS = `
CROSS JOIN LATERAL (SELECT pg_temp.h(bk, 13) % 100 AS rr, pg_temp.h(bk, 15) % 100 < 15 AS two_payments) f
CROSS JOIN LATERAL (SELECT CASE
         WHEN mi <= 57 THEN CASE WHEN f.rr < 95 THEN 'paid' WHEN f.rr < 97 THEN 'partial' WHEN f.rr < 99 THEN 'unpaid' ELSE 'void' END
         ELSE CASE WHEN f.rr < 55 THEN 'paid' WHEN f.rr < 65 THEN 'partial' ELSE 'unpaid' END
       END AS status) st
CROSS JOIN LATERAL (SELECT CASE st.status WHEN 'paid' THEN 1 + f.two_payments::integer WHEN 'partial' THEN 1 ELSE 0 END AS n_payments) np`

// the j-th payment of bill key bk, due on date due: a Jakarta time from a week before to a week after the due date
const PAY_AT = (bk: string, j: string, due: string) => `pg_temp.wib(${due} - 7 + (pg_temp.h(${bk}, 20) % 14)::integer
  + CASE WHEN ${j} = 2 THEN 7 + (pg_temp.h(${bk}, 21) % 14)::integer ELSE 0 END, 7 * 3600 + pg_temp.h(${bk} * 4 + ${j}, 22) % 50400)`

const INSERT_BILLS = `
WITH ins AS (
INSERT INTO public.bills (tenant_id, room_id, period, due_date, rent, extra_charges, paid_amount, status, created_at, updated_at)
SELECT t.tid, r, pg_temp.month(mi), pg_temp.month(mi) + 9, b.rent, b.extra,
       CASE st.status
         WHEN 'paid' THEN b.rent + b.extra
         WHEN 'partial' THEN greatest(1000, (b.rent + b.extra) * (30 + pg_temp.h(bk, 14) % 50) / 100000 * 1000)
         ELSE 0
       END,
       st.status::public.bill_status,
       pg_temp.wib(pg_temp.month(mi) - 3, 8 * 3600),
       CASE WHEN np.n_payments = 0 THEN pg_temp.wib(pg_temp.month(mi) - 3, 8 * 3600)
            ELSE ${PAY_AT('bk', 'np.n_payments', 'pg_temp.month(mi) + 9')} END
FROM generate_series($1::integer, $2::integer) r
CROSS JOIN LATERAL pg_temp.stays(r) s
CROSS JOIN LATERAL (SELECT (r - 1)::bigint * 3 + s.slot AS tid) t
CROSS JOIN LATERAL generate_series(s.start_m, s.start_m + s.months - 1) mi
CROSS JOIN LATERAL (SELECT t.tid * 64 + mi AS bk) k
JOIN public.rooms room ON room.id = r
CROSS JOIN LATERAL (SELECT (room.monthly_rent * (100 + 4 * (mi / 12)) / 500000 * 5000)::bigint AS rent,
                           CASE WHEN pg_temp.h(bk, 11) % 4 = 0 THEN 0 ELSE 25000 * (1 + pg_temp.h(bk, 12) % 8) END AS extra) b
${BILL_FACTS}
ORDER BY t.tid, mi
RETURNING id)
SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM ins`

const INSERT_PAYMENTS = `
WITH ins AS (
INSERT INTO public.payments (bill_id, amount, method, paid_at, reference, received_by, notes, created_at)
SELECT b.id,
       a.amount,
       m.method::public.payment_method, pay.at,
       CASE m.method
         WHEN 'bank_transfer' THEN 'TRF' || to_char(pay.at, 'YYYYMMDD') || lpad((pg_temp.h(pk, 31) % 1000000)::text, 6, '0')
         WHEN 'qris' THEN 'QR' || upper(left(md5(pg_temp.h(pk, 37)::text), 12))
         WHEN 'ewallet' THEN pg_temp.pick(ARRAY['GOPAY', 'OVO', 'DANA', 'SHOPEEPAY'], pk, 32) || '-' || (pg_temp.h(pk, 33) % 10000000000)
       END,
       CASE WHEN m.method = 'cash' THEN 1 + room.property_id END,
       CASE pg_temp.h(pk, 34) % 20
         WHEN 10 THEN 'Transfer via ' || pg_temp.pick(ARRAY['BCA', 'BRI', 'Mandiri', 'BNI', 'BSI'], pk, 35) || ' a.n. ' || ten.full_name
         WHEN 11 THEN 'Lunas untuk bulan ' || (ARRAY['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus',
                       'September', 'Oktober', 'November', 'Desember'])[extract(month FROM b.period)::integer] || ' ' || extract(year FROM b.period)
         WHEN 12 THEN E'Dibayar\\t' || pg_temp.rp(a.amount) || E'\\tditerima pengelola'
         WHEN 13 THEN CASE WHEN b.amount > b.paid_amount
                           THEN E'Cicilan.\\nSisa ' || pg_temp.rp(b.amount - b.paid_amount) || ' dibayar minggu depan 🙏'
                           ELSE E'Lunas 👍\\nTerima kasih, Bu/Pak' END
         WHEN 14 THEN 'QRIS — terima kasih 😊'
         WHEN 15 THEN E'Bukti transfer: C:\\\\Users\\\\' || split_part(ten.full_name, ' ', 1) || E'\\\\Pictures\\\\bukti.jpg'
         WHEN 16 THEN E'Baris satu\\r\\nBaris dua'
         WHEN 17 THEN 'Titip ke Bu Kos: "uang listrik" sudah termasuk'
         WHEN 18 THEN ''
         WHEN 19 THEN E'catatan:\\n\\\\.\\nselesai'
       END,
       pay.at + make_interval(secs => pg_temp.h(pk, 36) % 600)
FROM public.bills b
JOIN public.rooms room ON room.id = b.room_id
JOIN public.tenants ten ON ten.id = b.tenant_id
CROSS JOIN LATERAL (SELECT (extract(year FROM b.period)::integer - 2020) * 12 + extract(month FROM b.period)::integer - 7 AS mi) m0
CROSS JOIN LATERAL (SELECT b.tenant_id * 64 + m0.mi AS bk) kk
CROSS JOIN LATERAL (SELECT pg_temp.h(kk.bk, 13) % 100 AS rr, pg_temp.h(kk.bk, 15) % 100 < 15 AS two_payments) f
CROSS JOIN LATERAL (SELECT CASE b.status WHEN 'paid' THEN 1 + f.two_payments::integer WHEN 'partial' THEN 1 ELSE 0 END AS n_payments) np
CROSS JOIN LATERAL generate_series(1, np.n_payments) j
CROSS JOIN LATERAL (SELECT kk.bk * 4 + j AS pk) p
CROSS JOIN LATERAL (SELECT CASE WHEN np.n_payments = 1 THEN b.paid_amount WHEN j = 1 THEN b.paid_amount / 2000 * 1000
                                ELSE b.paid_amount - b.paid_amount / 2000 * 1000 END AS amount) a
CROSS JOIN LATERAL (SELECT CASE WHEN pg_temp.h(p.pk, 30) % 100 < 45 THEN 'bank_transfer' WHEN pg_temp.h(p.pk, 30) % 100 < 70 THEN 'qris'
                                WHEN pg_temp.h(p.pk, 30) % 100 < 85 THEN 'ewallet' ELSE 'cash' END AS method) m
CROSS JOIN LATERAL (SELECT ${PAY_AT('kk.bk', 'j', 'b.due_date')} AS at) pay
WHERE b.id BETWEEN $1 AND $2
ORDER BY b.id, j
RETURNING id)
SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM ins`

const INSERT_PAYMENT_LOG = `
INSERT INTO public.activity_log (user_id, action, entity, entity_id, details, created_at)
SELECT coalesce(p.received_by, t.user_id), 'payment.recorded', 'payment', p.id,
       jsonb_build_object('bill_id', p.bill_id, 'amount', p.amount, 'method', p.method, 'period', to_char(b.period, 'YYYY-MM'),
                          'bill_status', b.status, 'note', p.notes,
                          'ip', '10.' || (pg_temp.h(p.id, 170) % 256) || '.' || (pg_temp.h(p.id, 171) % 256) || '.' || (pg_temp.h(p.id, 172) % 254 + 1),
                          'user_agent', pg_temp.pick(ARRAY['Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36',
                                                           'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1',
                                                           'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36',
                                                           'okhttp/4.12.0'], p.id, 173)),
       p.created_at
FROM public.payments p
JOIN public.bills b ON b.id = p.bill_id
JOIN public.tenants t ON t.id = b.tenant_id
WHERE p.id BETWEEN $1 AND $2
ORDER BY p.id`

const INSERT_STAY_LOG = `
INSERT INTO public.activity_log (user_id, action, entity, entity_id, details, created_at)
SELECT 1 + room.property_id, e.action, 'tenant', t.id,
       jsonb_build_object('room', room.code, 'property_id', room.property_id, 'deposit', t.deposit, 'nik', '************' || right(t.nik, 4)),
       pg_temp.wib(e.day, 9 * 3600 + pg_temp.h(t.id * 2 + e.n, 180) % 28800)
FROM public.tenants t
JOIN public.rooms room ON room.id = t.room_id
CROSS JOIN LATERAL (VALUES (1, 'tenant.check_in', t.check_in), (2, 'tenant.check_out', t.check_out)) e(n, action, day)
WHERE t.room_id BETWEEN $1 AND $2 AND e.day IS NOT NULL
ORDER BY t.id, e.n`

const SET_SEQUENCES = `
SELECT setval(pg_get_serial_sequence(format('public.%I', t), 'id'), coalesce(m, 1), m IS NOT NULL)
FROM (VALUES
  ('users', (SELECT max(id) FROM public.users)),
  ('properties', (SELECT max(id) FROM public.properties)),
  ('rooms', (SELECT max(id) FROM public.rooms)),
  ('facilities', (SELECT max(id) FROM public.facilities)),
  ('tenants', (SELECT max(id) FROM public.tenants))
) v(t, m)`
