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
}

/** The bundle's files after renewing, the certificate made and its names. */
export interface RenewResult {
  readonly files: BundleFile[];
  readonly cert: IssuedCert;
  readonly hosts: readonly string[];
}

/** A new server certificate; bad input (names, days past the CA's end) is a UsageError before any key is made. */
export async function planRenew(bundle: LoadedBundle, ca: CaSet, req: RenewRequest): Promise<RenewResult> {
  const a = bundle.answers;
  const hosts = req.hosts && req.hosts.length > 0 ? [...req.hosts] : a.hosts;
  const answers = completeAnswers({ ...a, hosts }, {}); // the same checks generate makes (names, wildcards, IPs)
  const days = req.days ?? a.days;
  const notAfter = new Date(req.now.getTime() + days * DAY_MS);
  const caEnd = inspectCertificate(ca.issuing.certPem).notAfter;
  if (notAfter.getTime() > caEnd.getTime()) {
    const max = Math.floor((caEnd.getTime() - req.now.getTime()) / DAY_MS);
    throw new UsageError(`--days ${days}: the certificate would outlive its CA, which ends on ${caEnd.toISOString().slice(0, 10)}; give at most --days ${max}, or roll the CA over`);
  }
  const oldKey = textOf(bundle.files, 'server/server.key');
  if (!req.newKey && oldKey === undefined) throw new UsageError(`${bundle.dir}/server/server.key: missing; pass --new-key to make a new one`);
  const cert = await issueFromCa(
    { id: SERVER_ID, kind: 'server', commonName: hosts[0]!, hosts: answers.hosts, notBefore: new Date(req.now.getTime() - BACKDATE_MS), notAfter, keyBits: a.keyBits },
    ca.issuing,
    req.newKey ? undefined : oldKey,
  );
  const chain = [cert.certPem, ...(ca.intermediate ? [ca.intermediate.certPem] : [])].map((p) => p.trimEnd() + '\n').join('');
  const changes: BundleFile[] = [textFile('server/server.crt', 0o644, chain)];
  if (req.newKey) changes.push(textFile('server/server.key', 0o600, cert.keyPem));
  if (answers.hosts.join('\0') !== a.hosts.join('\0')) changes.push(textFile('answers.json', 0o644, answersToJson(answers)));
  return { files: withFiles(bundle.files, changes), cert, hosts: answers.hosts };
}

/** Every CRL re-signed now, same entries, next update at its CA's end. */
export function planRenewCrl(bundle: LoadedBundle, ca: CaSet, now: Date): BundleFile[] {
  if (textOf(bundle.files, 'server/root.crl') === undefined) throw new UsageError(`${bundle.dir}: has no server/root.crl to renew`);
  return withFiles(bundle.files, [textFile('server/root.crl', 0o644, resignCrls(bundle, caList(ca), now))]);
}

