/**
 * Password storage, live connections, and what the audit could not see
 * (20.5 Password Authentication; the pg_stat_ssl view, 27.2 The Cumulative
 * Statistics System; the pg_authid catalog).
 */
import { migrationSteps, POOLER_NOTE } from './migration.js';
import type { AuditFacts, Finding, NonSslConnection, Unchecked } from './types.js';

function passwordEncryption(facts: AuditFacts): Finding[] {
  const v = facts.settings.password_encryption;
  if (v === undefined || v === 'scram-sha-256') return [];
  const from = facts.settingSources.password_encryption;
  return [
    {
      id: 'password-encryption',
      severity: 'medium',
      title: 'New passwords are stored as MD5 hashes',
      evidence: `password_encryption = ${v}${from ? ` (${from})` : ''}`,
      fix: "Set password_encryption = 'scram-sha-256' and reload, the first step of the migration (20.5): pg-secure-setup apply BUNDLE --pgdata DATA_DIR installs it, or ALTER SYSTEM SET password_encryption = 'scram-sha-256'; SELECT pg_reload_conf(); Passwords set afterwards are stored as SCRAM secrets.",
    },
  ];
}

function md5Roles(facts: AuditFacts): Finding[] {
  const roles = facts.md5Roles;
  if (!roles || roles.length === 0) return [];
  return [
    {
      id: 'md5-roles',
      severity: 'high',
      title: `${roles.length} role(s) still store an MD5 password hash`,
      evidence: `pg_authid.rolpassword LIKE 'md5%': ${roles.join(', ')}`,
      fix: migrationSteps(facts),
    },
  ];
}

function describeConnection(c: NonSslConnection): string {
  const who = `pid ${c.pid}${c.user ? ` user ${c.user}` : ''} from ${c.clientAddr}${c.applicationName ? ` (${c.applicationName})` : ''}`;
  return c.own ? `${who} [this audit's own connection]` : who;
}

function nonSsl(facts: AuditFacts): Finding[] {
  const list = facts.nonSslConnections;
  if (!list || list.length === 0) return [];
  const shown = list.slice(0, 10).map(describeConnection).join('; ');
  return [
    {
      id: 'non-ssl-connections',
      severity: 'medium',
      title: `${list.length} TCP connection(s) are not encrypted right now`,
      evidence: `pg_stat_ssl.ssl = false and pg_stat_gssapi.encrypted = false: ${shown}${list.length > 10 ? `; and ${list.length - 10} more` : ''}`,
      fix: 'Refuse plaintext with "hostnossl all all all reject" first in pg_hba.conf (pg-secure-setup generate writes it unless --allow-plaintext; install with pg-secure-setup apply), and point clients at sslmode=verify-full. Sessions already open keep running until they reconnect.',
    },
  ];
}

function list(items: readonly Unchecked[]): string {
  return items.map((u) => `${u.what}: ${u.detail}`).join('; ');
}

function coverage(facts: AuditFacts): Finding[] {
  const out: Finding[] = [];
  const notSuper = facts.unchecked.filter((u) => u.cause === 'not-superuser');
  if (notSuper.length > 0) {
    out.push({
      id: 'not-superuser',
      severity: 'low',
      title: `Connected as "${facts.currentUser ?? '?'}", not a superuser: some checks were skipped`,
      evidence: list(notSuper),
      fix: 'Run the audit as a superuser, e.g. --connect "user=postgres ...". Reading stored passwords (pg_authid) and pg_hba_file_rules needs one; pg_read_all_settings and pg_read_all_stats cover settings and other sessions.',
    });
  }
  const offline = facts.unchecked.filter((u) => u.cause === 'no-connection');
  if (offline.length > 0) {
    out.push({
      id: 'live-checks-skipped',
      severity: 'info',
      title: 'Checked from the files only: what only the running server knows was not checked',
      evidence: list(offline),
      fix: `Run pg-secure-setup audit --connect "host=... user=postgres" as well. ${POOLER_NOTE}`,
    });
  }
  for (const u of facts.unchecked.filter((x) => x.cause === 'unreadable' || x.cause === 'not-local')) {
    out.push({
      id: 'not-checked',
      severity: 'info',
      title: `The ${u.what} could not be checked`,
      evidence: u.detail,
      fix: u.cause === 'not-local' ? 'Run the audit on the server machine, as root or the server\'s OS user, to check files.' : 'Run the audit as root or as the server\'s OS user.',
    });
  }
  return out;
}

/** Password, connection and coverage findings. */
export function authFindings(facts: AuditFacts): Finding[] {
  return [...passwordEncryption(facts), ...md5Roles(facts), ...nonSsl(facts), ...coverage(facts)];
}
