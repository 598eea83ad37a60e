/**
 * `revoke`: put a client certificate on its CA's CRL and move its files
 * aside (revoked/ROLE-SERIAL/), so apply installs the new CRL and the
 * server refuses the certificate (18.9.3, ssl_crl_file).
 */
import { answersToJson, completeAnswers } from '../answers/resolve.js';
import type { BundleFile } from '../bundle/materialize.js';
import { UsageError } from '../errors.js';
import { inspectCertificate, issuedBy } from '../pki/index.js';
import { textFile, textOf, withFiles, type LoadedBundle } from './bundle-io.js';
import { pemBlocks, type CaSet } from './ca.js';
import { caList, normalSerial, resignCrls, revokedSerials } from './crl.js';
import { revokedHeading, roleHeading, sectionSpan } from './readme-roles.js';

/** What `revoke` was asked: a role's certificate, or any serial. */
export interface RevokeRequest {
  readonly role?: string;
  readonly serial?: string;
  readonly now: Date;
}

/** The bundle's files after revoking, and what was revoked. */
export interface RevokeResult {
  readonly files: BundleFile[];
  readonly serialHex: string;
  /** The role whose files were moved aside, when the certificate was found in clients/. */
  readonly role: string | undefined;
  readonly movedTo: string | undefined;
}

function clientCerts(bundle: LoadedBundle): { role: string; pem: string; serial: string }[] {
  return bundle.files
    .filter((f) => /^clients\/[^/]+\/postgresql\.crt$/.test(f.path))
    .flatMap((f) => {
      const pem = pemBlocks(Buffer.from(f.bytes).toString('utf8'))[0];
      return pem ? [{ role: f.path.split('/')[1]!, pem, serial: normalSerial(inspectCertificate(pem).serialHex) }] : [];
    });
}

/** Revoke; every check comes before anything is signed, and a bad request is a UsageError. */
export function planRevoke(bundle: LoadedBundle, ca: CaSet, req: RevokeRequest): RevokeResult {
  if ((req.role === undefined) === (req.serial === undefined)) throw new UsageError('revoke: give --client-user ROLE or --serial HEX (one of them)');
  const known = clientCerts(bundle);
  let target: { role: string | undefined; pem: string | undefined; serial: string };
  if (req.role !== undefined) {
    const found = known.find((k) => k.role === req.role);
    if (!found) {
      throw new UsageError(`--client-user ${req.role}: no clients/${req.role}/postgresql.crt in the bundle (roles with a certificate: ${known.map((k) => k.role).join(', ') || 'none'})`);
    }
    target = found;
  } else {
    const serial = normalSerial(req.serial!);
    const found = known.find((k) => k.serial === serial);
    target = found ?? { role: undefined, pem: undefined, serial };
  }
  if (revokedSerials(bundle).has(target.serial)) throw new UsageError(`serial ${target.serial} is already revoked; nothing to do`);
  const server = pemBlocks(textOf(bundle.files, 'server/server.crt') ?? '')[0];
  if (server && normalSerial(inspectCertificate(server).serialHex) === target.serial) {
    throw new UsageError(`serial ${target.serial} is the server's certificate; replace it with pg-secure-setup renew BUNDLE --new-key instead`);
  }
  // The certificate goes on the CRL of the CA that signed it; an unknown serial on the issuing CA's.
  const signer = target.pem && ca.intermediate && !issuedBy(target.pem, ca.issuing.certPem) ? ca.root : ca.issuing;
  if (target.pem && !issuedBy(target.pem, signer.certPem)) {
    throw new UsageError(`clients/${target.role}/postgresql.crt was not signed by this bundle's CA (check --ca DIR)`);
  }
  const crl = resignCrls(bundle, caList(ca), req.now, { ca: signer, revoke: { serialHex: target.serial, date: req.now } });
  const changes: BundleFile[] = [textFile('server/root.crl', 0o644, crl)];
  let files = bundle.files.slice();
  let movedTo: string | undefined;
  if (target.role !== undefined) {
    const from = `clients/${target.role}/`;
    movedTo = `revoked/${target.role}-${target.serial}/`;
    files = files.map((f) => (f.path.startsWith(from) ? { ...f, path: movedTo + f.path.slice(from.length) } : f));
    const readme = textOf(bundle.files, 'README.md');
    if (readme !== undefined) changes.push(textFile('README.md', 0o644, readmeWithoutRole(readme, target.role, movedTo, target.serial, req.now)));
    const a = bundle.answers;
    if (a.clientUsers.includes(target.role)) {
      try {
        changes.push(textFile('answers.json', 0o644, answersToJson(completeAnswers({ ...a, clientUsers: a.clientUsers.filter((u) => u !== target.role) }, {}))));
      } catch {
        // answers that need at least one client user keep the role listed
      }
    }
  }
  return { files: withFiles(files, changes), serialHex: target.serial, role: target.role, movedTo };
}

/**
 * The README once a role's certificate is revoked: its rows in the file
 * table name the revoked/ directory, and its "Connect" section, whose
 * commands would copy files that no longer work, becomes a short note.
 * Everything else (which the user may have edited) stays as it is.
 */
export function readmeWithoutRole(text: string, role: string, movedTo: string, serial: string, now: Date): string {
  const from = `| \`clients/${role}/`;
  const lines = text.split('\n').map((l) => (l.startsWith(from) ? l.replace(`clients/${role}/`, movedTo).replace(/ \|$/, ` (revoked) |`) : l));
  const span = sectionSpan(lines, roleHeading(role));
  if (span) {
    const note = [
      revokedHeading(role),
      '',
      `The certificate of ${role} (serial ${serial}) was revoked on ${now.toISOString().slice(0, 10)}; its files are in \`${movedTo}\`.`,
      'The server refuses it once the new `server/root.crl` is installed (apply the bundle again).',
      `A new certificate: \`npx pg-secure-setup issue . --client-user ${role}\`.`,
      '',
    ];
    lines.splice(span.start, span.end - span.start, ...note);
  }
  return lines.join('\n');
}
