/**
 * `renew`: a new server certificate from the same CA, with the same names
 * unless told otherwise, so clients keep their files; or (`--crl`) the CRLs
 * re-signed so they do not lapse. apply installs either with a reload
 * (18.9: SSL files are re-read on SIGHUP), no restart.
 */
import { answersToJson, completeAnswers } from '../answers/resolve.js';
import type { BundleFile } from '../bundle/materialize.js';
import { UsageError } from '../errors.js';
import { inspectCertificate, issueFromCa, type IssuedCert } from '../pki/index.js';
import { parseServer } from '../answers/servers.js';
import { BACKDATE_MS, SERVER_ID } from '../plan/certs.js';
import { textFile, textOf, withFiles, type LoadedBundle } from './bundle-io.js';
import type { CaSet } from './ca.js';
import { caList, resignCrls } from './crl.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What `renew` was asked for the server certificate. */
export interface RenewRequest {
  readonly now: Date;
  readonly days?: number;
  /** Names for the new certificate; default: the bundle's hosts. */
  readonly hosts?: readonly string[];
  readonly newKey: boolean;
  /** In a bundle of several servers, the one renewed (servers/NAME/; the primary's is also server/). */
  readonly server?: string;
}

/** The bundle's files after renewing, the certificate made and its names. */
export interface RenewResult {
  readonly files: BundleFile[];
  readonly cert: IssuedCert;
  readonly hosts: readonly string[];
}

/** A new server certificate; bad input (names, days past the CA's end) is a UsageError before any key is made. */
/**
 * Which server is renewed: its directories in the bundle, its names now, and
 * the answers with its new names. A bundle of several servers needs --server.
 */
function target(a: LoadedBundle['answers'], req: RenewRequest): { dirs: string[]; old: readonly string[]; answers: LoadedBundle['answers'] } {
  const servers = (a.servers ?? []).map(parseServer);
  const wanted = req.hosts && req.hosts.length > 0 ? [...req.hosts] : undefined;
  if (servers.length === 0) {
    if (req.server !== undefined) throw new UsageError(`--server ${req.server}: the bundle describes one server; leave --server out`);
    return { dirs: ['server'], old: a.hosts, answers: completeAnswers({ ...a, hosts: wanted ?? a.hosts }, {}) };
  }
  const i = servers.findIndex((s) => s.name === req.server);
  if (req.server === undefined || i < 0) {
    throw new UsageError(`${req.server === undefined ? 'renew' : `--server ${req.server}`}: the bundle's servers are ${servers.map((s) => s.name).join(', ')}; name the one to renew with --server NAME`);
  }
  const hosts = wanted ?? [...servers[i]!.hosts];
  const items = servers.map((s, j) => `${s.name}=${(j === i ? hosts : s.hosts).join(',')}`);
  // The same checks generate makes: names, wildcards, IPs, and no host shared with another server.
  const answers = completeAnswers({ ...a, servers: items, ...(i === 0 ? { hosts } : {}) }, {});
  return { dirs: i === 0 ? ['server', `servers/${req.server}`] : [`servers/${req.server}`], old: servers[i]!.hosts, answers };
}

export async function planRenew(bundle: LoadedBundle, ca: CaSet, req: RenewRequest): Promise<RenewResult> {
  const a = bundle.answers;
  const { dirs, old, answers: renamed } = target(a, req);
  const answers = renamed;
  const hosts = req.hosts && req.hosts.length > 0 ? [...req.hosts] : [...old];
  const days = req.days ?? a.days;
  const notAfter = new Date(req.now.getTime() + days * DAY_MS);
  const caEnd = inspectCertificate(ca.issuing.certPem).notAfter;
  if (notAfter.getTime() > caEnd.getTime()) {
    const max = Math.floor((caEnd.getTime() - req.now.getTime()) / DAY_MS);
    throw new UsageError(`--days ${days}: the certificate would outlive its CA, which ends on ${caEnd.toISOString().slice(0, 10)}; give at most --days ${max}, or roll the CA over`);
  }
  const oldKey = textOf(bundle.files, `${dirs.at(-1)}/server.key`);
  if (!req.newKey && oldKey === undefined) throw new UsageError(`${bundle.dir}/${dirs.at(-1)}/server.key: missing; pass --new-key to make a new one`);
  const names = parseServerHosts(answers, dirs, hosts);
  const cert = await issueFromCa(
    { id: SERVER_ID, kind: 'server', commonName: names[0]!, hosts: names, notBefore: new Date(req.now.getTime() - BACKDATE_MS), notAfter, keyBits: a.keyBits },
    ca.issuing,
    req.newKey ? undefined : oldKey,
  );
  const chain = [cert.certPem, ...(ca.intermediate ? [ca.intermediate.certPem] : [])].map((p) => p.trimEnd() + '\n').join('');
  const changes: BundleFile[] = dirs.map((d) => textFile(`${d}/server.crt`, 0o644, chain));
  if (req.newKey) changes.push(...dirs.map((d) => textFile(`${d}/server.key`, 0o600, cert.keyPem)));
  if (answersToJson(answers) !== answersToJson(a)) changes.push(textFile('answers.json', 0o644, answersToJson(answers)));
  return { files: withFiles(bundle.files, changes), cert, hosts: names };
}

/** The renewed server's names in their one spelling, as the checked answers hold them. */
function parseServerHosts(answers: LoadedBundle['answers'], dirs: readonly string[], fallback: readonly string[]): string[] {
  const dir = dirs.at(-1)!;
  if (dir === 'server') return answers.hosts;
  const name = dir.slice('servers/'.length);
  return [...((answers.servers ?? []).map(parseServer).find((s) => s.name === name)?.hosts ?? fallback)];
}

/** Every CRL re-signed now, same entries, next update at its CA's end. */
export function planRenewCrl(bundle: LoadedBundle, ca: CaSet, now: Date): BundleFile[] {
  if (textOf(bundle.files, 'server/root.crl') === undefined) throw new UsageError(`${bundle.dir}: has no server/root.crl to renew`);
  return withFiles(bundle.files, [textFile('server/root.crl', 0o644, resignCrls(bundle, caList(ca), now))]);
}

