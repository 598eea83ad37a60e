/**
 * What one PostgreSQL major accepts in pg_hba.conf, where majors differ
 * (Client Authentication, "The pg_hba.conf File"). The values come from the
 * version table (plan/versions.ts); this room only reads them.
 */

/** The pg_hba.conf syntax and option values of one server. */
export interface HbaDialect {
  /** How messages name the server, e.g. "PostgreSQL 13". */
  readonly server: string;
  /** clientcert values the server takes (20.1; 1, 0 and no-verify only up to 13). */
  readonly clientcertValues: readonly string[];
  /** `cert clientcert=verify-ca` is taken as it stands (up to 13; rejected from 14, 20.12). */
  readonly certTakesVerifyCa: boolean;
  /** The clientname option (CN or DN, from 14; before, an unknown option). */
  readonly clientname: boolean;
  /** A trailing backslash continues the line (from 14; before, `\` is a field of its own). */
  readonly continuations: boolean;
  /** include, include_if_exists and include_dir lines (from 16). */
  readonly includes: boolean;
  /** Database and user names starting with `/` are regular expressions (from 16; before, plain names). */
  readonly regexNames: boolean;
}

/** The newest syntax: what the parser assumes when the server's version is not known. */
export const NEWEST_HBA_DIALECT: HbaDialect = {
  server: 'PostgreSQL 14 or later',
  clientcertValues: ['verify-ca', 'verify-full'],
  certTakesVerifyCa: false,
  clientname: true,
  continuations: true,
  includes: true,
  regexNames: true,
};
