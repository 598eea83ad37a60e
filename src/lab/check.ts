/**
 * `lab check`: the course's exercises, each judged by the tool's own audit
 * (settings, certificate files, roles, pg_hba.conf) and verify (real
 * connections over TCP), never by a second implementation.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { auditFindings, type AuditFacts, type Finding } from '../audit/index.js';
import { gatherLiveFacts } from '../audit/gather-live.js';
import { UsageError } from '../errors.js';
import { loadClientTls, resolveConnection, type ClientTlsFiles } from '../pg/server.js';
import { runVerify, type Check, type VerifyReport } from '../verify/checks.js';
import { conninfoValue, labConnect, type LabPaths, type LabState } from './layout.js';

/** The exercises, in the order the course does them; `readme` is the bundle README's section that does each. */
export const EXERCISES = [
  { id: 'tls', title: 'TLS on, with a certificate signed by your CA', readme: 'Install it on the server', hint: 'generate a bundle (--pki ca) and apply it' },
  { id: 'plaintext-refused', title: 'plaintext connections refused', readme: 'The rules (pg_hba.conf, first match wins)', hint: 'apply the bundle: its hostssl rules and "hostnossl ... reject"' },
  { id: 'verify-full', title: 'sslmode=verify-full connections work', readme: 'Check it', hint: 'the server certificate must name localhost and 127.0.0.1 (--host)' },
  { id: 'client-certs', title: 'client certificates enforced', readme: 'Connect', hint: 'generate with --client-certs verify-full, apply, then lab check --bundle DIR --user ROLE' },
  { id: 'no-md5-secrets', title: 'no md5 password secrets left', readme: 'Passwords: md5 to SCRAM', hint: 'pg-secure-setup set-password ROLE for each role on md5' },
  { id: 'no-weak-rules', title: 'no md5 or trust rules in pg_hba.conf', readme: 'Passwords: md5 to SCRAM', hint: 'pg-secure-setup apply BUNDLE --md5-to-scram (trust rules are closed by apply)' },
  { id: 'scram', title: 'password_encryption = scram-sha-256', readme: 'Install it on the server', hint: 'apply the bundle: it sets password_encryption' },
] as const;

/** An exercise's id. */
export type ExerciseId = (typeof EXERCISES)[number]['id'];

/** One exercise's mark. */
export interface ExerciseResult {
  id: ExerciseId;
  title: string;
  done: boolean;
  /** What audit or verify saw. */
  detail: string;
  hint: string;
  /** The bundle README's section for it. */
  readme: string;
}

/** What `lab check --json` prints. */
export interface LabCheck {
  exercises: ExerciseResult[];
  done: number;
  total: number;
  /** The client files verify used, when a bundle was found. */
  client?: { bundle: string; user: string };
}

const WEAK_RULES = new Set(['hba-trust-local', 'hba-trust-network', 'hba-md5-network', 'hba-md5-local', 'hba-password-network']);
const TLS_PROBLEMS = new Set(['ssl-off', 'cert-expired', 'key-cert-mismatch']);

/** The client directory of a bundle for a role (bundle/clients/ROLE), the first one when no role is named. */
export function clientDir(bundle: string, user: string | undefined): { dir: string; user: string } | undefined {
  const root = join(bundle, 'clients');
  if (!existsSync(root)) return undefined;
  const name = user ?? readdirSync(root).sort()[0];
  if (name === undefined || !existsSync(join(root, name, 'postgresql.crt'))) return undefined;
  return { dir: join(root, name), user: name };
}

/** "line 4: local all all trust" from an audit finding's evidence ("FILE:LINE: RULE -- why"). */
function ruleLine(f: Finding): string {
  const m = /:(\d+): (.*?)(?: -- |$)/.exec(f.evidence.split('\n')[0]!);
  return m ? `line ${m[1]}: ${m[2]!.replace(/\s+/g, ' ')}` : f.evidence.split('\n')[0]!;
}

function judgeAudit(facts: AuditFacts, findings: Finding[]): Record<'tls' | 'no-md5-secrets' | 'no-weak-rules' | 'scram', { done: boolean; detail: string }> {
  const ssl = facts.settings.ssl ?? 'unknown';
  const cert = facts.certificate;
  const selfSigned = cert !== undefined && cert.issuerCN === cert.subjectCN;
  const tlsProblems = findings.filter((f) => TLS_PROBLEMS.has(f.id));
  const weak = findings.filter((f) => WEAK_RULES.has(f.id));
  const enc = facts.settings.password_encryption ?? 'unknown';
  return {
    tls: {
      done: ssl === 'on' && cert !== undefined && !selfSigned && tlsProblems.length === 0,
      detail: ssl !== 'on' ? `ssl = ${ssl}` : !cert ? 'no server certificate found' : selfSigned ? `the certificate (CN ${cert.subjectCN}) is self-signed` : tlsProblems.length ? tlsProblems.map((f) => f.title).join('; ') : `ssl = on, certificate CN ${cert.subjectCN ?? '?'} issued by ${cert.issuerCN ?? '?'}`,
    },
    'no-md5-secrets': {
      done: facts.md5Roles !== undefined && facts.md5Roles.length === 0,
      detail: facts.md5Roles === undefined ? 'the roles could not be read' : facts.md5Roles.length ? `still on md5: ${facts.md5Roles.join(', ')}` : 'every password is a SCRAM secret',
    },
    'no-weak-rules': {
      done: facts.hba !== undefined && weak.length === 0,
      detail: facts.hba === undefined ? 'pg_hba.conf could not be read' : weak.length ? weak.map(ruleLine).join('; ') : 'no md5, password or trust rule',
    },
    scram: { done: enc === 'scram-sha-256', detail: `password_encryption = ${enc}` },
  };
}

function judgeVerify(v: VerifyReport, clientGiven: boolean, findings: Finding[]): Record<'plaintext-refused' | 'verify-full' | 'client-certs', { done: boolean; detail: string }> {
  const by = (id: Check['id']) => v.checks.find((c) => c.id === id);
  const tls = by('tls');
  const login = by('login');
  const plain = by('plaintext-refused');
  const bare = by('client-cert-required');
  const missing = findings.filter((f) => f.id === 'hba-clientcert-missing');
  return {
    'plaintext-refused': { done: plain?.status === 'pass', detail: plain?.detail ?? 'not checked' },
    'verify-full': {
      done: tls?.status === 'pass' && login?.status !== 'fail',
      detail: tls?.status !== 'pass' ? (tls?.detail ?? 'not checked') : login?.status === 'fail' ? `login: ${login.detail}` : tls.detail,
    },
    'client-certs': {
      // The real connection decides; rules audit still sees without clientcert are named, since the first match may hide them.
      done: clientGiven && bare?.status === 'pass',
      detail: !clientGiven
        ? 'no client certificate to test with: give --bundle DIR (the bundle\'s clients/ROLE/)'
        : `${bare?.detail ?? 'not checked'}${missing.length ? ` (rules without clientcert left below it: ${missing.map(ruleLine).join('; ')})` : ''}`,
    },
  };
}

/** Judge every exercise on the running lab. */
export async function checkLab(p: LabPaths, s: LabState, opts: { bundle?: string; user?: string; now?: Date }): Promise<LabCheck> {
  const now = opts.now ?? new Date();
  const hosts = ['localhost', '127.0.0.1'];
  const bundle = resolve(opts.bundle ?? './pg-secure-setup');
  const client = clientDir(bundle, opts.user);
  if (!client && (opts.bundle !== undefined || opts.user !== undefined)) {
    throw new UsageError(`${opts.user ? `--user ${opts.user}: no clients/${opts.user}/postgresql.crt` : 'no clients/ROLE/postgresql.crt'} in the bundle ${bundle} (generate --client-certs ... --client-user ROLE makes one)`);
  }
  const facts = await gatherLiveFacts({ connect: labConnect(p, s), env: {} }, hosts);
  const findings = auditFindings(facts, { now, expectClientCerts: 'verify-ca' });
  const user = client?.user ?? opts.user ?? 'app';
  const files = client ? { sslrootcert: join(client.dir, 'root.crt'), sslcert: join(client.dir, 'postgresql.crt'), sslkey: join(client.dir, 'postgresql.key') } : {};
  const target = resolveConnection({
    connect: `host=localhost hostaddr=127.0.0.1 port=${s.port} user=${conninfoValue(user)} dbname=postgres sslmode=verify-full`,
    overrides: files,
    env: process.env.PGPASSWORD !== undefined ? { PGPASSWORD: process.env.PGPASSWORD } : {},
  });
  const tlsFiles: ClientTlsFiles = client ? loadClientTls(target, { needRoot: true }) : { useSystemRoots: false };
  const report = await runVerify(target, tlsFiles, { now, timeoutMs: 10_000 });
  const marks = { ...judgeAudit(facts, findings), ...judgeVerify(report, client !== undefined, findings) };
  const exercises = EXERCISES.map((e) => ({ id: e.id, title: e.title, hint: e.hint, readme: e.readme, ...marks[e.id] }));
  return { exercises, done: exercises.filter((e) => e.done).length, total: exercises.length, ...(client ? { client: { bundle, user: client.user } } : {}) };
}
