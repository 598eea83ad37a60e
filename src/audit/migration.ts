/**
 * Where a server stands on the way from MD5 to SCRAM, in the manual's order
 * (20.5 Password Authentication): set password_encryption first, have every
 * role set its password again (the md5 method accepts SCRAM secrets in the
 * meantime), and only then rewrite md5 rules to scram-sha-256.
 */
import type { AuditFacts } from './types.js';

/** The migration's steps. */
export type MigrationStep = 'password-encryption' | 'reset-passwords' | 'rewrite-hba' | 'check-roles';

/** The next step for this server; `check-roles` when the roles could not be read. */
export function nextMigrationStep(facts: AuditFacts): MigrationStep {
  const pe = facts.settings.password_encryption;
  if (pe !== undefined && pe !== 'scram-sha-256') return 'password-encryption';
  if (facts.md5Roles === undefined) return 'check-roles';
  if (facts.md5Roles.length > 0) return 'reset-passwords';
  return 'rewrite-hba';
}

export const POOLER_NOTE =
  "Connection poolers hold their own copy: pgbouncer's auth_type must become scram-sha-256 and its userlist.txt (or auth_query) must carry the SCRAM secrets, or clients going through it fail.";

function roleList(roles: readonly string[]): string {
  const shown = roles.slice(0, 10).join(', ');
  return roles.length > 10 ? `${shown} and ${roles.length - 10} more` : shown;
}

/** The remaining steps, as one paragraph with the commands to run. */
export function migrationSteps(facts: AuditFacts): string {
  const setPe = "1) password_encryption = 'scram-sha-256' and reload (pg-secure-setup apply installs it; or ALTER SYSTEM SET password_encryption = 'scram-sha-256'; SELECT pg_reload_conf());";
  const reset = (roles?: readonly string[]) =>
    `2) give each role still on MD5 a SCRAM secret: pg-secure-setup set-password ROLE (or the user runs \\password)${roles && roles.length > 0 ? ` for ${roleList(roles)}` : ''};`;
  const rewrite = '3) when pg-secure-setup audit shows no md5-roles finding, pg-secure-setup apply BUNDLE --pgdata DATA_DIR --md5-to-scram rewrites the md5 rules to scram-sha-256.';
  let steps: string;
  switch (nextMigrationStep(facts)) {
    case 'password-encryption':
      steps = `${setPe} ${reset(facts.md5Roles)} ${rewrite}`;
      break;
    case 'reset-passwords':
      steps = `password_encryption is already scram-sha-256. ${reset(facts.md5Roles)} ${rewrite}`;
      break;
    case 'check-roles':
      steps = `password_encryption is already scram-sha-256. Audit as a superuser to see which roles still store an MD5 password (pg_authid); ${reset()} ${rewrite}`;
      break;
    default:
      steps = `No role stores an MD5 password any more: ${rewrite.replace(/^3\) when .*?, /, '')}`;
  }
  return `${steps} ${POOLER_NOTE}`;
}
