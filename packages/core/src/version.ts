// The library's version, written into each dump's "-- Dumped by" line.
export const PGKEEP_VERSION = '0.1.0'
