/**
 * pg_hba.conf findings: lintHba's, worded for the audit with the fix that
 * fits where the server stands (20.1 The pg_hba.conf File, 20.5 Password
 * Authentication, 20.12 Certificate Authentication).
 */
import { lintHba, parseHba, type HbaDocument, type HbaFinding, type HbaLintCode, type HbaRecordLine } from '../hba/index.js';
import { knownVersionTraits } from '../plan/versions.js';
import { migrationSteps } from './migration.js';
import type { AuditFacts, AuditOptions, Finding, HbaSource, Severity } from './types.js';

const RELOAD_REJECTED = 'The server rejects the whole file: a reload keeps the old rules ("pg_hba.conf was not reloaded") and a restart fails.';

/** Severity and title of each lint code. */
const LINT: Record<HbaLintCode, { severity: Severity; title: string }> = {
  'trust-network': { severity: 'high', title: 'A network rule uses trust: anyone who reaches the server logs in as any role, without a password' },
  'trust-local': { severity: 'high', title: 'A local (Unix socket) rule uses trust: any OS user on the machine logs in as any role it names, without a password' },
  'password-network': { severity: 'high', title: 'A network rule uses password: the password is sent as it is typed' },
  'md5-network': { severity: 'medium', title: 'A network rule uses md5' },
  'md5-local': { severity: 'low', title: 'A local (Unix socket) rule uses md5' },
  'plaintext-allowed': { severity: 'medium', title: 'A host rule accepts connections without TLS' },
  'clientcert-legacy': { severity: 'high', title: 'clientcert=1/0/no-verify: removed in PostgreSQL 14' },
  'cert-verify-ca': { severity: 'high', title: 'The cert method with clientcert=verify-ca: the server rejects it' },
  'parse-error': { severity: 'high', title: 'A pg_hba.conf line the server cannot read' },
  // A record no connection reaches weakens nothing today: reported, but it does not fail the audit.
  shadowed: { severity: 'info', title: 'A pg_hba.conf rule that can never match' },
  'comment-continues': { severity: 'low', title: 'A comment ending in a backslash swallows the next line' },
  'needs-newer-server': { severity: 'high', title: 'pg_hba.conf syntax this server version does not have' },
  'include-unchecked': { severity: 'info', title: 'An included pg_hba.conf file was not checked' },
  'marker-unbalanced': { severity: 'medium', title: "pg-secure-setup's block markers are unbalanced" },
};

function fixFor(code: HbaLintCode, lint: HbaFinding, facts: AuditFacts): string {
  const own = lint.fix ? `${lint.fix[0]!.toUpperCase()}${lint.fix.slice(1)}.` : '';
  switch (code) {
    case 'trust-network':
    case 'plaintext-allowed':
      return `${own} pg-secure-setup generate --network CIDR then pg-secure-setup apply BUNDLE --pgdata DATA_DIR writes "hostnossl all all all reject" first and hostssl rules with scram-sha-256 (or cert).`;
    case 'trust-local':
      return `${own} pg-secure-setup apply BUNDLE --pgdata DATA_DIR turns local trust rules into peer (unless --keep-trust), keeping the server's OS user's way in.`;
    case 'password-network':
    case 'md5-network':
    case 'md5-local':
      return `Move to scram-sha-256 in the manual's order (20.5): ${migrationSteps(facts)}`;
    case 'clientcert-legacy':
    case 'cert-verify-ca':
    case 'parse-error':
      return `${own} ${RELOAD_REJECTED}`.trim();
    case 'needs-newer-server':
      return `${own || 'Rewrite the line in the syntax of this server version.'} ${RELOAD_REJECTED}`;
    default:
      return own || 'See 20.1 The pg_hba.conf File.';
  }
}

function where(src: HbaSource, line: number): string {
  return src.from === 'file' ? `${src.path}:${line}` : `${src.path}:${line} (as pg_hba_file_rules reports it)`;
}

function lineText(doc: HbaDocument, n: number): string {
  return doc.lines.find((l) => l.lineNumber === n)?.text.trim() ?? '';
}

/** Codes about what a record lets in: moot on a record that can never match. */
const METHOD_CODES: ReadonlySet<HbaLintCode> = new Set(['trust-network', 'trust-local', 'password-network', 'md5-network', 'md5-local', 'plaintext-allowed']);

function lintFindings(doc: HbaDocument, src: HbaSource, facts: AuditFacts, lint: HbaFinding[], dead: ReadonlySet<number>): Finding[] {
  return lint
    .filter((f) => !(METHOD_CODES.has(f.code) && dead.has(f.line)))
    .map((f) => {
      const meta = LINT[f.code];
      // needs-newer-server is a warning when the line still loads (a /regex read as a name).
      const severity: Severity = f.code === 'needs-newer-server' && f.severity !== 'error' ? 'medium' : meta.severity;
      let fix = fixFor(f.code, f, facts);
      if (f.code === 'shadowed') {
        const method = doc.lines.find((l): l is HbaRecordLine => l.kind === 'record' && l.lineNumber === f.line)?.rule.method;
        if (method === 'trust' || method === 'password' || method === 'md5') fix += ` It uses ${method}: it would let connections in that way if the rules above it changed.`;
      }
      return { id: `hba-${f.code}` as const, severity, title: meta.title, evidence: `${where(src, f.line)}: ${lineText(doc, f.line)} -- ${f.message}`, fix, location: { path: src.path, line: f.line } };
    });
}

function satisfies(line: HbaRecordLine, want: NonNullable<AuditOptions['expectClientCerts']>): boolean {
  if (line.rule.method === 'cert') return true;
  const cc = line.rule.options.find(([k]) => k === 'clientcert')?.[1];
  if (want === 'verify-ca') return cc === 'verify-ca' || cc === 'verify-full';
  return cc === 'verify-full';
}

// Record types that TLS connections can match; only hostssl can carry clientcert (20.1).
const TLS_TYPES: ReadonlySet<string> = new Set(['hostssl', 'host', 'hostnogssenc']);

/** Rules that let TLS connections in without the client certificate the user expects. */
function clientCertFindings(doc: HbaDocument, src: HbaSource, want: AuditOptions['expectClientCerts'], dead: ReadonlySet<number>): Finding[] {
  if (!want) return [];
  const asked = want === 'cert' ? 'the cert method' : `clientcert=${want}`;
  const generate = `pg-secure-setup generate --client-certs ${want} --client-user ROLE, then apply`;
  return doc.lines
    .filter((l): l is HbaRecordLine => l.kind === 'record' && !dead.has(l.lineNumber) && TLS_TYPES.has(l.rule.type) && l.rule.method !== 'reject' && !satisfies(l, want))
    .map((l) => ({
      id: 'hba-clientcert-missing' as const,
      severity: 'medium' as const,
      title: `A ${l.rule.type} rule lets TLS clients in without ${asked}`,
      evidence: `${where(src, l.lineNumber)}: ${l.text.trim()}`,
      location: { path: src.path, line: l.lineNumber },
      fix:
        (l.rule.type === 'hostssl' ? '' : `Make it a hostssl rule (only those take clientcert), or remove it if the rules above cover its clients. `) +
        (want === 'cert'
          ? `Use the cert method (it implies clientcert=verify-full, 20.12), with ssl_ca_file set: ${generate}.`
          : `Add clientcert=${want}, with ssl_ca_file set (18.9.3): ${generate}.`),
    }));
}

function serverErrors(doc: HbaDocument, src: HbaSource, lintLines: Set<number>): Finding[] {
  return (src.serverErrors ?? [])
    .filter((e) => !lintLines.has(e.line))
    .map((e) => ({
      id: 'hba-server-error' as const,
      severity: 'high' as const,
      title: 'The server cannot read a pg_hba.conf line',
      evidence: `${where(src, e.line)}: ${e.message}`,
      location: { path: src.path, line: e.line },
      fix: `Correct or remove line ${e.line}. ${RELOAD_REJECTED}`,
    }));
}

/** Every pg_hba.conf finding for these facts. */
export function hbaFindings(facts: AuditFacts, opts: AuditOptions): Finding[] {
  const src = facts.hba;
  if (!src) return [];
  const dialect = knownVersionTraits(facts.major)?.hba;
  const doc = parseHba(src.text, dialect);
  const lint = lintHba(doc, dialect ? { dialect } : {});
  // Records no connection reaches: what they would let in is moot.
  const dead = new Set(lint.filter((f) => f.code === 'shadowed').map((f) => f.line));
  const invalid = new Set(doc.lines.filter((l) => l.kind === 'invalid').map((l) => l.lineNumber));
  return [...lintFindings(doc, src, facts, lint, dead), ...clientCertFindings(doc, src, opts.expectClientCerts, dead), ...serverErrors(doc, src, invalid)];
}
