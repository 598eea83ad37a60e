/**
 * The audit as a readable report (grouped by severity, colour only when
 * wanted: NO_COLOR, https://no-color.org) and as the `--json` document.
 */
import { groupFindings } from './group.js';
import { summarize } from './index.js';
import { SEVERITIES, type AuditFacts, type AuditReport, type Finding, type Severity, PROFILES, type Profile } from './types.js';
import { wrapText } from '../wrap.js';

/**
 * The `server` object of the JSON report: the facts without the pg_hba.conf
 * text. Stable keys; a key is absent when the fact is unknown.
 */
export function serverJson(facts: AuditFacts): Record<string, unknown> {
  const { hba, unchecked, ...rest } = facts;
  return {
    ...rest,
    ...(hba ? { hba: { path: hba.path, from: hba.from } } : {}),
    unchecked,
  };
}

/** The document `--format json` prints: {server, findings, summary, profile}, one finding per problem. */
export function buildReport(facts: AuditFacts, findings: Finding[], profile: Profile = 'default'): AuditReport {
  const grouped = groupFindings(findings);
  return { server: serverJson(facts), findings: grouped, summary: summarize(grouped), profile };
}

const COLORS: Record<Severity, string> = { high: '\u001B[31m', medium: '\u001B[33m', low: '\u001B[36m', info: '\u001B[2m' };
const RESET = '\u001B[0m';
const BOLD = '\u001B[1m';

/** Colour only on a terminal and when NO_COLOR is unset or empty. */
export function wantColor(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): boolean {
  return isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

function wrap(text: string, indent: string, width = 100): string {
  return wrapText(text, width - indent.length, { keepWords: true })
    .map((l) => indent + l)
    .join('\n');
}

function header(facts: AuditFacts): string {
  const version = facts.version ? `PostgreSQL ${facts.version}` : 'PostgreSQL (version unknown)';
  const how = facts.source === 'connection' ? `connected to ${facts.target}` : `files of ${facts.target}`;
  return `pg-secure-setup audit: ${version}, ${how}`;
}

/** The text report. */
export function renderText(report: AuditReport, facts: AuditFacts, opts: { color: boolean }): string {
  const c = (code: string, s: string) => (opts.color ? `${code}${s}${RESET}` : s);
  const s = report.summary;
  const out = [`${header(facts)}: ${s.high} high, ${s.medium} medium, ${s.low} low, ${s.info} info (profile ${report.profile})`];
  for (const sev of SEVERITIES) {
    const group = report.findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    out.push('', c(BOLD + COLORS[sev], sev.toUpperCase()));
    for (const f of group) {
      out.push(`  ${c(COLORS[sev], `[${f.id}]`)} ${f.title}${f.occurrences > 1 ? ` (${f.occurrences} places)` : ''}`);
      const seen = f.evidence.split('\n');
      if (seen.length === 1) out.push(wrap(`evidence: ${seen[0]}`, '      '));
      else out.push('      evidence:', ...seen.map((e) => `        - ${wrap(e, '          ').trimStart()}`));
      out.push(wrap(`fix: ${f.fix}`, '      '));
      if (f.profiles.length < PROFILES.length) out.push(`      wanted by: ${f.profiles.join(', ')}`);
    }
  }
  const failing = s.high + s.medium + s.low;
  out.push('', failing === 0 ? 'Clean: no finding needs action.' : `${failing} finding(s) need action.`);
  return out.join('\n') + '\n';
}
