// Which parts of an object a dump writes, as a bit set (pg_dump's DUMP_COMPONENT_*). An object's
// `dump` says what was requested; its `components` say what exists; only the intersection is written.

export const Component = {
  NONE: 0,
  DEFINITION: 1 << 0,
  DATA: 1 << 1,
  COMMENT: 1 << 2,
  SECLABEL: 1 << 3,
  ACL: 1 << 4,
  POLICY: 1 << 5,
  USERMAP: 1 << 6,
  ALL: 0xffff,
} as const

export function has(mask: number, component: number): boolean {
  return (mask & component) !== 0
}
