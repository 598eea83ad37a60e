/**
 * The audit's rules: facts in, findings out. Pure: no I/O, no clock.
 *
 *   types.ts       AuditFacts, Finding, AuditReport
 *   rules-tls.ts   ssl, protocol versions, certificate, key file
 *   rules-crl.ts   CRLs near or past their next update
 *   rules-hba.ts   pg_hba.conf (through lintHba)
 *   rules-gss.ts   GSSAPI rules that leave traffic unencrypted
 *   rules-auth.ts  password_encryption, MD5 roles, plaintext sessions, coverage
 *   migration.ts   the MD5 to SCRAM steps, in the manual's order
 *   defaults.ts    settings' defaults by server version (files mode)
 *   rules-tls-more.ts  cipher suites, TLS 1.3, passphrase, standby's primary_conninfo
 *   rules-access.ts    listen_addresses, superusers, ident, wide ranges, roles without password
 *   rules-files.ts     owner and mode of the configuration files and directories
 *   profiles.ts    which profiles want which finding
 *   group.ts       one report entry per problem, every line it occurs on
 *   report.ts      the text report and the JSON document
 *   format-sarif.ts, format-junit.ts  the CI formats
 *   prefill.ts     what a reachable server answers for the wizard and generate
 *
 * Gathering the facts is I/O and lives beside them, not behind this index:
 *   gather-files.ts  a data directory's files;  gather-live.ts  a connection
 *   queries.ts       the named queries gather-live.ts sends
 */
import { accessFindings } from './rules-access.js';
import { authFindings } from './rules-auth.js';
import { crlFindings } from './rules-crl.js';
import { fileFindings } from './rules-files.js';
import { wants } from './profiles.js';
import { moreTlsFindings } from './rules-tls-more.js';
import { hbaFindings } from './rules-hba.js';
import { gssFindings } from './rules-gss.js';
import { tlsFindings } from './rules-tls.js';
import { SEVERITIES, type AuditFacts, type AuditOptions, type Finding, type Severity } from './types.js';

export * from './types.js';
export { certCoversHost, isOn, normalizeIp } from './rules-tls.js';
export { migrationSteps, nextMigrationStep, type MigrationStep } from './migration.js';

/** Every finding the profile wants, most severe first; within a severity, in the order the rules run. */
export function auditFindings(facts: AuditFacts, opts: AuditOptions): Finding[] {
  const profile = opts.profile ?? 'default';
  const all = [...tlsFindings(facts, opts), ...moreTlsFindings(facts), ...crlFindings(facts, opts), ...hbaFindings(facts, opts), ...gssFindings(facts), ...accessFindings(facts), ...fileFindings(facts), ...authFindings(facts)].filter((f) =>
    wants(profile, f.id),
  );
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return all.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.severity) - rank(b.f.severity) || a.i - b.i).map(({ f }) => f);
}

/** Count of findings per severity. */
export function summarize(findings: readonly Finding[]): Record<Severity, number> {
  const out: Record<Severity, number> = { high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}

/** Severities `--fail-on` takes: the least severe finding that fails the audit. */
export const FAIL_ON = ['high', 'medium', 'low'] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** 1 when a finding is at least as severe as `failOn` (default low: anything but info), else 0. */
export function auditExitCode(findings: readonly Finding[], failOn: FailOn = 'low'): 0 | 1 {
  const limit = SEVERITIES.indexOf(failOn);
  return findings.some((f) => SEVERITIES.indexOf(f.severity) <= limit) ? 1 : 0;
}
