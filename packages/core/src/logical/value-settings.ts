// The session settings values are printed and read in. pgoutput prints each column value with the type's
// output function in the walsender's session, so the text depends on that session's settings, which a
// database or role can change (ALTER DATABASE … SET datestyle = 'SQL, DMY', extra_float_digits = 0,
// timezone, intervalstyle, bytea_output, lc_monetary). As pg_dump does for its own session, the archive's
// replication connection forces settings whose output every server reads back exactly, and the replay
// session reads (and, for REPLICA IDENTITY FULL, compares) the values in the same settings.

/** Each setting and the value both sessions use. */
export const VALUE_SETTINGS: readonly (readonly [name: string, value: string])[] = [
  ['DateStyle', 'ISO'], // year first: read back the same whatever the day/month order
  ['IntervalStyle', 'postgres'],
  ['TimeZone', 'UTC'], // timestamptz printed with its offset; its text independent of the source's zone
  ['extra_float_digits', '3'], // float4/float8 printed exactly (shortest text that reads back the same)
  ['bytea_output', 'hex'],
  ['lc_monetary', 'C'], // money: the C locale's format, which every server reads
]

/** The settings as startup options (`-c name=value …`), for the replication connection's `options`. */
export function valueSettingsOptions(): string {
  return VALUE_SETTINGS.map(([name, value]) => `-c ${name}=${value}`).join(' ')
}

/** One statement that sets them for the session (a single result: one entry of a multi-statement script). */
export function valueSettingsSql(): string {
  return `SELECT ${VALUE_SETTINGS.map(([name, value]) => `pg_catalog.set_config('${name}', '${value}', false)`).join(', ')}`
}
