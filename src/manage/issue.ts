/**
 * `issue`: one more client certificate from the kept CA, as `generate`
 * would have made it (the same four files under clients/ROLE/), with the
 * role added to answers.json and its section to the README.
 */
import type { Answers } from '../answers/answers.js';
import { answersToJson, completeAnswers } from '../answers/resolve.js';
import { loadTemplates } from '../bundle/templates.js';
import type { BundleFile } from '../bundle/materialize.js';
import { UsageError } from '../errors.js';
import { TOOL_VERSION } from '../package-info.js';
import { inspectCertificate, issueFromCa, type IssuedCert } from '../pki/index.js';
import { BACKDATE_MS, clientId } from '../plan/certs.js';
import { buildPlan } from '../plan/plan.js';
import { textFile, textOf, withFiles, type LoadedBundle } from './bundle-io.js';
import { pemBlocks, type CaSet } from './ca.js';
import { revokedHeading, roleHeading, sectionBody, sectionSpan, withRoleSection } from './readme-roles.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What `issue` was asked. */
export interface IssueRequest {
  readonly role: string;
  /** Validity in days; default: the bundle's `days`. */
  readonly days?: number;
  /** Replace an existing certificate of the role. */
  readonly force: boolean;
  readonly now: Date;
}

/** The bundle's files after issuing, and the certificate made. */
export interface IssueResult {
  readonly files: BundleFile[];
  readonly cert: IssuedCert;
  readonly reissued: boolean;
  /** Serial of the certificate replaced, when one was. */
  readonly oldSerial: string | undefined;
}

/** The answers with `role` among the client users, checked as generate checks them (a bad role name is exit 2). */
export function answersWithRole(a: Answers, role: string): Answers {
  const clientUsers = a.clientUsers.includes(role) ? a.clientUsers : [...a.clientUsers, role];
  return completeAnswers({ ...a, clientUsers }, {});
}

/** The four client files generate writes for a role (plan.ts keyMaterialFiles). */
export function clientFiles(role: string, cert: IssuedCert, ca: CaSet): BundleFile[] {
  const dir = `clients/${role}`;
  const chain = [cert.certPem, ...(ca.intermediate ? [ca.intermediate.certPem] : [])].map((p) => p.trimEnd() + '\n').join('');
  return [
    textFile(`${dir}/postgresql.crt`, 0o644, chain),
    textFile(`${dir}/postgresql.key`, 0o600, cert.keyPem),
    { path: `${dir}/postgresql.pk8`, mode: 0o600, bytes: cert.keyPkcs8Der },
    textFile(`${dir}/root.crt`, 0o644, pemBlocks(ca.root.certPem)[0] ?? ca.root.certPem),
  ];
}

/** When the bundle was made: its server certificate's notBefore, plus the backdating. */
function bundleCreatedAt(bundle: LoadedBundle, fallback: Date): Date {
  const leaf = pemBlocks(textOf(bundle.files, 'server/server.crt') ?? '')[0];
  return leaf ? new Date(inspectCertificate(leaf).notBefore.getTime() + BACKDATE_MS) : fallback;
}

/**
 * The README with the role's rows in the file table and its section under
 * "Connect", taken from the README generate would write now; the rest of
 * the README (which the user may have edited) stays as it is.
 */
async function readmeWithRole(bundle: LoadedBundle, answers: Answers, role: string, now: Date): Promise<string | undefined> {
  const current = textOf(bundle.files, 'README.md');
  if (current === undefined) return undefined;
  const plan = buildPlan(answers, { now: bundleCreatedAt(bundle, now), templates: await loadTemplates(), toolVersion: TOOL_VERSION });
  const fresh = plan.files.find((f) => f.path === 'README.md')!.source;
  if (fresh.kind !== 'text') return current;
  const freshLines = fresh.text.split('\n');
  const rows = freshLines.filter((l) => l.startsWith(`| \`clients/${role}/`));
  const span = sectionSpan(freshLines, roleHeading(role));
  if (!span) return current;
  const section = sectionBody(freshLines, span);

  let lines = current.split('\n');
  if (!current.includes(`| \`clients/${role}/`)) {
    const lastRow = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^\| `(clients|server)\//.test(l)).pop();
    if (lastRow) lines.splice(lastRow.i + 1, 0, ...rows);
  }
  // A revoked certificate's note (revoke.ts) gives way to the new section, where it stands.
  const revoked = sectionSpan(lines, revokedHeading(role));
  if (revoked) lines.splice(revoked.start, sectionBody(lines, revoked).length, ...section);
  else if (!lines.includes(roleHeading(role))) lines = withRoleSection(lines, section);
  return lines.join('\n');
}

/** Issue (or with `force`, re-issue) the client certificate of a role. Throws UsageError on bad input, before any key is made. */
export async function planIssue(bundle: LoadedBundle, ca: CaSet, req: IssueRequest): Promise<IssueResult> {
  const answers = answersWithRole(bundle.answers, req.role);
  const exists = bundle.answers.clientUsers.includes(req.role) || bundle.files.some((f) => f.path.startsWith(`clients/${req.role}/`));
  if (exists && !req.force) {
    throw new UsageError(`${req.role} already has a client certificate (clients/${req.role}/); pass --force to issue a new one in its place (the old one stays valid until it expires or is revoked)`);
  }
  const days = req.days ?? bundle.answers.days;
  const notAfter = new Date(req.now.getTime() + days * DAY_MS);
  const caEnd = inspectCertificate(ca.issuing.certPem).notAfter;
  if (notAfter.getTime() > caEnd.getTime()) {
    const max = Math.floor((caEnd.getTime() - req.now.getTime()) / DAY_MS);
    throw new UsageError(`--days ${days}: the certificate would outlive its CA, which ends on ${caEnd.toISOString().slice(0, 10)}; give at most --days ${max}`);
  }
  // The README is worked out while the key is made.
  const [cert, readme] = await Promise.all([
    issueFromCa(
      { id: clientId(req.role), kind: 'client', commonName: req.role, notBefore: new Date(req.now.getTime() - BACKDATE_MS), notAfter, keyBits: bundle.answers.keyBits },
      ca.issuing,
    ),
    readmeWithRole(bundle, answers, req.role, req.now),
  ]);
  const changes = [...clientFiles(req.role, cert, ca), textFile('answers.json', 0o644, answersToJson(answers))];
  if (readme !== undefined) changes.push(textFile('README.md', 0o644, readme));
  const old = pemBlocks(textOf(bundle.files, `clients/${req.role}/postgresql.crt`) ?? '')[0];
  return { files: withFiles(bundle.files, changes), cert, reissued: exists, oldSerial: old ? inspectCertificate(old).serialHex : undefined };
}
