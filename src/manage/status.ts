/**
 * `status`: what a bundle holds and what needs doing, judged at a given
 * moment. Pure: the caller reads the files and the clock.
 */
import { inspectCertificate, type CrlInfo } from '../pki/index.js';

/** Where a certificate sits in the tree. */
export type CertRole = 'root' | 'intermediate' | 'server' | 'client';

/** A certificate of the bundle as found on disk. */
export interface FoundCert {
  readonly role: CertRole;
  /** The role name for clients, else the role. */
  readonly name: string;
  readonly path: string;
  readonly pem: string;
}

/** What the server has installed, compared with the bundle (when --pgdata was given). */
export interface ServerFacts {
  readonly where: string;
  /** SHA-256 fingerprint of the installed server certificate, undefined when there is none. */
  readonly certFingerprint: string | undefined;
  /** The installed CRL file's CRLs, undefined when there is none. */
  readonly crls: readonly CrlInfo[] | undefined;
  /** Seen over a connection: the CRL is not sent, so it is not compared. */
  readonly crlUnknown?: boolean;
}

/** Everything status judges, read by the caller. */
export interface StatusInput {
  readonly now: Date;
  readonly warnDays: number;
  readonly certs: readonly FoundCert[];
  /** server/root.crl, read; each with the name of the CA whose certificate verifies it (undefined: none does). */
  readonly crls: readonly { readonly crl: CrlInfo; readonly signedBy: string | undefined }[];
  readonly server?: ServerFacts;
  /** The CA rollover phase the bundle is in, if one is under way. */
  readonly rollover?: string;
}

/** One certificate as status reports it. */
export interface CertRow {
  readonly role: CertRole;
  readonly name: string;
  readonly path: string;
  readonly subjectCN: string | undefined;
  readonly serialHex: string;
  readonly notAfter: string;
  readonly daysLeft: number;
  readonly revoked: boolean;
}

/** One CRL as status reports it. */
export interface CrlRow {
  readonly issuerCN: string | undefined;
  readonly signedBy: string | undefined;
  readonly crlNumber: string | undefined;
  readonly nextUpdate: string | undefined;
  readonly daysLeft: number | undefined;
  readonly revokedSerials: readonly string[];
}

/** The report: rows, the server comparison, and what to do (--json prints exactly this). */
export interface StatusReport {
  readonly certificates: readonly CertRow[];
  readonly crls: readonly CrlRow[];
  readonly server?: { readonly where: string; readonly runsBundleCert: boolean; readonly runsBundleCrl: boolean | undefined };
  readonly rollover?: string;
  /** Each thing to act on, with the command that fixes it. Non-empty means exit 1. */
  readonly problems: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

function daysUntil(when: Date, now: Date): number {
  return Math.floor((when.getTime() - now.getTime()) / DAY_MS);
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function sameCrls(a: readonly CrlInfo[], b: readonly CrlInfo[]): boolean {
  return a.length === b.length && a.every((x, i) => x.pem === b[i]?.pem);
}

/** Judge a bundle: rows for every certificate and CRL, and the problems that make `status` exit 1. */
export function judgeStatus(input: StatusInput): StatusReport {
  const { now, warnDays } = input;
  const revoked = new Set(input.crls.flatMap(({ crl }) => crl.revoked.map((r) => r.serialHex)));
  const problems: string[] = [];
  const certificates = input.certs.map((c): CertRow => {
    const info = inspectCertificate(c.pem);
    const serial = info.serialHex.replace(/^(00)+(?=.)/, '');
    const row: CertRow = {
      role: c.role,
      name: c.name,
      path: c.path,
      subjectCN: info.subjectCN,
      serialHex: serial,
      notAfter: info.notAfter.toISOString(),
      daysLeft: daysUntil(info.notAfter, now),
      revoked: revoked.has(serial),
    };
    if (!row.revoked) {
      const what = c.role === 'client' ? `client certificate of ${c.name}` : c.name === c.role ? `${c.role} certificate` : `${c.role} certificate (${c.name})`;
      const fix = c.role === 'server' ? `renew it: pg-secure-setup renew BUNDLE${c.name === 'server' ? '' : ` --server ${c.name}`}` : c.role === 'client' ? `issue a new one: pg-secure-setup issue BUNDLE --client-user ${c.name} --force` : 'plan a CA rollover (rotate-ca)';
      if (info.notAfter.getTime() <= now.getTime()) problems.push(`${what} expired on ${day(info.notAfter)}: ${fix}`);
      else if (row.daysLeft < warnDays) problems.push(`${what} expires in ${row.daysLeft} days (${day(info.notAfter)}): ${fix}`);
    }
    return row;
  });
  const crls = input.crls.map(({ crl, signedBy }): CrlRow => {
    const left = crl.nextUpdate ? daysUntil(crl.nextUpdate, now) : undefined;
    const who = crl.issuerCN ?? 'unknown CA';
    if (signedBy === undefined) problems.push(`the CRL of "${who}" is not signed by any CA of the bundle: the server would refuse every client certificate`);
    if (crl.nextUpdate && crl.nextUpdate.getTime() <= now.getTime()) {
      problems.push(`the CRL of "${who}" lapsed on ${day(crl.nextUpdate)}: OpenSSL now refuses every client certificate; re-sign it with pg-secure-setup renew BUNDLE --crl, then apply`);
    } else if (crl.nextUpdate && left !== undefined && left < warnDays) {
      problems.push(`the CRL of "${who}" must be re-signed within ${left} days (next update ${day(crl.nextUpdate)}), or the server refuses every client certificate: pg-secure-setup renew BUNDLE --crl`);
    }
    return {
      issuerCN: crl.issuerCN,
      signedBy,
      crlNumber: crl.crlNumber?.toString(),
      nextUpdate: crl.nextUpdate?.toISOString(),
      daysLeft: left,
      revokedSerials: crl.revoked.map((r) => r.serialHex),
    };
  });
  let server: StatusReport['server'];
  if (input.server) {
    const s = input.server;
    const bundleServer = input.certs.find((c) => c.role === 'server');
    const runsBundleCert = !!bundleServer && s.certFingerprint === inspectCertificate(bundleServer.pem).fingerprint256;
    const runsBundleCrl = input.crls.length === 0 || s.crlUnknown ? undefined : !!s.crls && sameCrls(s.crls, input.crls.map((c) => c.crl));
    server = { where: s.where, runsBundleCert, runsBundleCrl };
    if (!runsBundleCert) problems.push(`the server at ${s.where} ${s.certFingerprint ? 'runs another certificate than' : 'has no certificate from'} this bundle: pg-secure-setup apply BUNDLE`);
    if (runsBundleCrl === false) problems.push(`the server at ${s.where} ${s.crls ? 'has another CRL than' : 'has no CRL from'} this bundle: pg-secure-setup apply BUNDLE`);
  }
  return { certificates, crls, ...(server ? { server } : {}), ...(input.rollover ? { rollover: input.rollover } : {}), problems };
}

/** The report as lines for a terminal. */
export function renderStatus(r: StatusReport): string {
  const lines = ['Certificates:'];
  for (const c of r.certificates) {
    const label = c.role === 'client' ? `client ${c.name}` : c.name === c.role ? c.role : `${c.role} (${c.name})`;
    const state = c.revoked ? 'REVOKED' : c.daysLeft < 0 ? 'EXPIRED' : `${c.daysLeft} days left`;
    lines.push(`  ${label.padEnd(20)} serial ${c.serialHex}  until ${c.notAfter.slice(0, 10)}  ${state}  (${c.path})`);
  }
  if (r.crls.length > 0) lines.push('Revocation lists (server/root.crl):');
  for (const c of r.crls) {
    const next = c.nextUpdate ? `next update ${c.nextUpdate.slice(0, 10)} (${c.daysLeft} days)` : 'no next update';
    lines.push(`  ${c.issuerCN ?? 'unknown CA'}: number ${c.crlNumber ?? '-'}, ${next}, ${c.revokedSerials.length} revoked${c.signedBy ? '' : ', BAD SIGNATURE'}`);
  }
  if (r.server) {
    lines.push(`Server (${r.server.where}): certificate ${r.server.runsBundleCert ? 'is the bundle\'s' : 'is NOT the bundle\'s'}${r.server.runsBundleCrl === undefined ? '' : `, CRL ${r.server.runsBundleCrl ? 'is the bundle\'s' : 'is NOT the bundle\'s'}`}`);
  }
  if (r.rollover) {
    const next = r.rollover === 'trust' ? 'switch' : 'finish';
    lines.push(`CA rollover under way: phase ${r.rollover} done; once it is applied and clients have their files: rotate-ca BUNDLE --phase ${next}`);
  }
  lines.push(r.problems.length === 0 ? 'Nothing to do.' : 'To do:');
  for (const p of r.problems) lines.push(`  - ${p}`);
  return lines.join('\n') + '\n';
}
