/**
 * The audit's rules: facts in, findings out. Pure: no I/O, no clock.
 *
 *   types.ts       AuditFacts, Finding, AuditReport
 *   rules-tls.ts   ssl, protocol versions, certificate, key file
 *   rules-hba.ts   pg_hba.conf (through lintHba)
 *   rules-gss.ts   GSSAPI rules that leave traffic unencrypted
 *   rules-auth.ts  password_encryption, MD5 roles, plaintext sessions, coverage
 *   migration.ts   the MD5 to SCRAM steps, in the manual's order
 *   defaults.ts    settings' defaults by server version (files mode)
 *   report.ts      the text report and the JSON document
 *   prefill.ts     what a reachable server answers for the wizard and generate
 */
import { authFindings } from './rules-auth.js';
import { hbaFindings } from './rules-hba.js';
import { gssFindings } from './rules-gss.js';
import { tlsFindings } from './rules-tls.js';
import { SEVERITIES, type AuditFacts, type AuditOptions, type Finding, type Severity } from './types.js';

export * from './types.js';
export { certCoversHost, isOn, normalizeIp } from './rules-tls.js';
export { migrationSteps, nextMigrationStep, type MigrationStep } from './migration.js';

/** Every finding, most severe first; within a severity, in the order the rules run. */
export function auditFindings(facts: AuditFacts, opts: AuditOptions): Finding[] {
  const all = [...tlsFindings(facts, opts), ...hbaFindings(facts, opts), ...gssFindings(facts), ...authFindings(facts)];
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return all.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.severity) - rank(b.f.severity) || a.i - b.i).map(({ f }) => f);
}

/** Count of findings per severity. */
export function summarize(findings: readonly Finding[]): Record<Severity, number> {
  const out: Record<Severity, number> = { high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}

/** 0 when only info findings (or none) remain, 1 otherwise. */
export function auditExitCode(findings: readonly Finding[]): 0 | 1 {
  return findings.some((f) => f.severity !== 'info') ? 1 : 0;
}
