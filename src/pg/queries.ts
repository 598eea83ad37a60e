/**
 * Queries more than one part of the tool asks, written once. Plain SQL
 * without parameters, so every SQL port adapter (node-postgres or psql)
 * can run them.
 */

/** A row of QUERIES.currentRole (a type, not an interface, so it is a Row too). */
export type CurrentRoleRow = {
  user: string;
  super: boolean;
  createrole: boolean;
};

/** Named queries. */
export const QUERIES = {
  /** Roles whose stored password is still an MD5 hash (pg_authid: superuser only; "Password Authentication"). */
  md5Roles: "SELECT rolname FROM pg_catalog.pg_authid WHERE rolpassword LIKE 'md5%' ORDER BY 1",
  /** Who this session is and what it may do (rows: CurrentRoleRow). */
  currentRole: 'SELECT current_user AS "user", rolsuper AS super, rolcreaterole AS createrole FROM pg_catalog.pg_roles WHERE rolname = current_user',
} as const;
