/**
 * Live queries for the access checks: login roles and their passwords
 * (pg_authid, superuser only), whether the server is a standby, and the
 * settings server.ts does not read.
 */
import type { Session } from '../pg/server.js';
import type { RoleFacts } from './types.js';

/** Roles that can log in, whether superuser, whether a password is stored. */
export async function loginRoles(s: Session): Promise<RoleFacts[]> {
  const rows = await s.query<{ rolname: string; rolsuper: boolean; haspw: boolean }>(
    'SELECT rolname, rolsuper, rolpassword IS NOT NULL AS haspw FROM pg_catalog.pg_authid WHERE rolcanlogin ORDER BY rolname',
  );
  return rows.map((r) => ({ name: r.rolname, superuser: r.rolsuper, hasPassword: r.haspw }));
}

/** pg_is_in_recovery(): true on a standby. */
export async function inRecovery(s: Session): Promise<boolean> {
  const [row] = await s.query<{ r: boolean }>('SELECT pg_catalog.pg_is_in_recovery() AS r');
  return row?.r === true;
}

/** Settings by name; hidden ones (not superuser) are absent. */
export async function settingsNamed(s: Session, names: readonly string[]): Promise<Record<string, string>> {
  const rows = await s.query<{ name: string; setting: string }>('SELECT name, setting FROM pg_catalog.pg_settings WHERE name = ANY($1)', [names]);
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}

/** The configuration files the server read (pg_file_settings, superuser): included files and conf.d. */
export async function confFiles(s: Session): Promise<string[]> {
  const rows = await s.query<{ f: string }>('SELECT DISTINCT sourcefile AS f FROM pg_catalog.pg_file_settings WHERE sourcefile IS NOT NULL ORDER BY 1');
  return rows.map((r) => r.f);
}
