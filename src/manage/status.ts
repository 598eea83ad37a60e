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
  /** On a standby (standby.signal) of a bundle with a replication role: its replication files. */
  readonly replication?: ReplicationFacts;
}

/** A standby's replication files where its primary_conninfo names them, compared with clients/ROLE/. */
export interface ReplicationFacts {
  readonly role: string;
  /** Why primary_conninfo names no files apply keeps (then `files` is empty). */
  readonly problems: readonly string[];
  readonly files: readonly { readonly name: string; readonly path: string; readonly installed: boolean; readonly isBundles: boolean; readonly notAfter?: Date }[];
}

/** Everything status judges, read by the caller. */
export interface StatusInput {
  readonly now: Date;
  readonly warnDays: number;
  readonly certs: readonly FoundCert[];
  /** server/root.crl, read; each with the name of the CA whose certificate verifies it (undefined: none does). */
  readonly crls: readonly { readonly crl: CrlInfo; readonly signedBy: string | undefined }[];
  readonly server?: ServerFacts;
  /** A bundle of several servers: their names, the primary first (its certificate is also server/server.crt). */
  readonly serverNames?: readonly string[];
  /** --server NAME: the server the facts are expected to be. */
  readonly chosenServer?: string;
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
  readonly server?: {
    readonly where: string;
    /** In a bundle of several servers: the one it is (--server), or whose certificate it runs. */
    readonly name?: string;
    readonly runsBundleCert: boolean;
    readonly runsBundleCrl: boolean | undefined;
    readonly replication?: ReplicationRow;
  };
  readonly rollover?: string;
  /** Each thing to act on, with the command that fixes it. Non-empty means exit 1. */
  readonly problems: readonly string[];
}

/** A standby's replication files as status reports them. */
export interface ReplicationRow {
  readonly role: string;
  readonly problems: readonly string[];
  readonly files: readonly { readonly name: string; readonly path: string; readonly state: 'bundle' | 'other' | 'missing'; readonly notAfter?: string; readonly daysLeft?: number }[];
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
    const runsBundleCrl = input.crls.length === 0 || s.crlUnknown ? undefined : !!s.crls && sameCrls(s.crls, input.crls.map((c) => c.crl));
    const named = input.serverNames && input.serverNames.length > 0 ? whichServer(input, s, problems) : undefined;
    const runsBundleCert = named ? named.runs : runsServerCert(input, s, problems);
    const replication = s.replication ? judgeReplication(s.replication, s.where, named?.name, now, warnDays, problems) : undefined;
    server = { where: s.where, ...(named?.name ? { name: named.name } : {}), runsBundleCert, runsBundleCrl, ...(replication ? { replication } : {}) };
    if (runsBundleCrl === false) problems.push(`the server at ${s.where} ${s.crls ? 'has another CRL than' : 'has no CRL from'} this bundle: pg-secure-setup apply BUNDLE`);
  }
  return { certificates, crls, ...(server ? { server } : {}), ...(input.rollover ? { rollover: input.rollover } : {}), problems };
}

// A bundle of one server: server/server.crt is the one.
function runsServerCert(input: StatusInput, s: ServerFacts, problems: string[]): boolean {
  const bundleServer = input.certs.find((c) => c.role === 'server');
  const runs = !!bundleServer && s.certFingerprint === inspectCertificate(bundleServer.pem).fingerprint256;
  if (!runs) problems.push(`the server at ${s.where} ${s.certFingerprint ? 'runs another certificate than' : 'has no certificate from'} this bundle: pg-secure-setup apply BUNDLE`);
  return runs;
}

// A bundle of several: the server is the one named by --server, or the one whose certificate it runs.
function whichServer(input: StatusInput, s: ServerFacts, problems: string[]): { name: string | undefined; runs: boolean } {
  const names = input.serverNames!;
  const nameOf = (c: FoundCert) => (c.name === 'server' ? names[0]! : c.name);
  const installed = input.certs.find((c) => c.role === 'server' && inspectCertificate(c.pem).fingerprint256 === s.certFingerprint);
  const runsName = installed ? nameOf(installed) : undefined;
  const chosen = input.chosenServer;
  if (chosen !== undefined) {
    if (runsName === chosen) return { name: chosen, runs: true };
    const what = runsName ? `runs ${runsName}'s certificate, not ${chosen}'s` : s.certFingerprint ? `runs another certificate than ${chosen}'s of this bundle` : `has no certificate from this bundle`;
    problems.push(`the server at ${s.where} ${what}: pg-secure-setup apply BUNDLE --server ${chosen}`);
    return { name: chosen, runs: false };
  }
  if (!runsName) problems.push(`the server at ${s.where} ${s.certFingerprint ? 'runs none of' : 'has no certificate of'} this bundle's servers (${names.join(', ')}): pg-secure-setup apply BUNDLE --server NAME`);
  return { name: runsName, runs: !!runsName };
}

function judgeReplication(r: ReplicationFacts, where: string, name: string | undefined, now: Date, warnDays: number, problems: string[]): ReplicationRow {
  const apply = `pg-secure-setup apply BUNDLE${name ? ` --server ${name}` : ''} --pgdata ${where}`;
  for (const p of r.problems) problems.push(`the standby at ${where}: ${p}; apply cannot keep its replication files (see the bundle README's "Standby" section)`);
  const files = r.files.map((f) => {
    const state = !f.installed ? ('missing' as const) : f.isBundles ? ('bundle' as const) : ('other' as const);
    const daysLeft = f.notAfter ? daysUntil(f.notAfter, now) : undefined;
    if (state !== 'bundle') problems.push(`the standby's replication file ${f.path} ${state === 'missing' ? 'is missing' : `is not the bundle's clients/${r.role}/${f.name}`}: ${apply}`);
    // The bundle's own certificate is judged in its row above; another one here.
    if (state === 'other' && f.notAfter && daysLeft !== undefined && daysLeft < warnDays) problems.push(`the standby's replication certificate ${f.path} ${daysLeft < 0 ? 'expired' : 'expires'} on ${day(f.notAfter)}`);
    return { name: f.name, path: f.path, state, ...(f.notAfter ? { notAfter: f.notAfter.toISOString(), daysLeft } : {}) };
  });
  return { role: r.role, problems: r.problems, files };
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
    lines.push(`Server (${r.server.where})${r.server.name ? `, ${r.server.name}` : ''}: certificate ${r.server.runsBundleCert ? 'is the bundle\'s' : 'is NOT the bundle\'s'}${r.server.runsBundleCrl === undefined ? '' : `, CRL ${r.server.runsBundleCrl ? 'is the bundle\'s' : 'is NOT the bundle\'s'}`}`);
    const repl = r.server.replication;
    if (repl) lines.push(`  standby, replicating as ${repl.role}${repl.problems.length > 0 ? ': primary_conninfo names no files apply keeps' : ':'}`);
    for (const f of repl?.files ?? []) {
      const state = f.state === 'bundle' ? 'the bundle\'s' : f.state === 'missing' ? 'MISSING' : 'NOT the bundle\'s';
      lines.push(`    ${f.name.padEnd(15)} ${state}${f.notAfter ? `, until ${f.notAfter.slice(0, 10)} (${f.daysLeft} days left)` : ''}  (${f.path})`);
    }
  }
  if (r.rollover) {
    const next = r.rollover === 'trust' ? 'switch' : 'finish';
    lines.push(`CA rollover under way: phase ${r.rollover} done; once it is applied and clients have their files: rotate-ca BUNDLE --phase ${next}`);
  }
  lines.push(r.problems.length === 0 ? 'Nothing to do.' : 'To do:');
  for (const p of r.problems) lines.push(`  - ${p}`);
  return lines.join('\n') + '\n';
}
