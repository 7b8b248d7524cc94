// What global-setup.ts hands to every test through Vitest's provide/inject, typed for `inject('pgDefault')`
// and `inject('s3')`.
// Importing anything from the kit's index brings this augmentation along.
import type {} from 'vitest'
import type { S3Endpoint } from './s3-server'

export interface PgServerRef {
  /** `postgresql://user@host:port/postgres`: a maintenance database to create test databases from. */
  url: string
  major: number
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server in TEST_DATABASE_URL, else an embedded PostgreSQL 15. */
    pgDefault: PgServerRef
    /** One server per major in PGKEEP_TEST_MAJORS (default 13,18; `all`; `none`), keyed by major. */
    pgServers: Record<number, PgServerRef>
    /** An s3rver endpoint on 127.0.0.1, started once per run (see s3-server.ts). Use a bucket of your own. */
    s3: S3Endpoint
  }
}
