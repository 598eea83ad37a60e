/**
 * `rotate-ca`: a new root (and intermediate) without locking anyone out, in
 * three phases, each applied to the server and handed to clients before the
 * next: trust (everyone trusts both roots), switch (server and client
 * certificates from the new CA), finish (the old root leaves).
 */
import { resolve, sep } from 'node:path';
import type { BundleFile } from '../bundle/materialize.js';
import { UsageError } from '../errors.js';
import { inspectCertificate, issueAll, type CaMaterial, type CertRequest } from '../pki/index.js';
import { BACKDATE_MS, validityDays } from '../plan/certs.js';
import { textFile, withFiles, type LoadedBundle } from './bundle-io.js';
import { caDirOf, loadCa, pemBlocks, ROLLOVER_FILE, rolloverPhase, type CaSet } from './ca.js';
import { caList, resignCrls } from './crl.js';
import { planIssue } from './issue.js';
import { planRenew } from './renew.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The three phases, in order. */
export const ROTATE_PHASES = ['trust', 'switch', 'finish'] as const;
export type RotatePhase = (typeof ROTATE_PHASES)[number];

/** What a phase changes: the bundle's files, and files for a CA directory kept outside the bundle. */
export interface RotateResult {
  readonly files: BundleFile[];
  /** New CA files to write under `dir` (a CA kept outside the bundle), before the bundle. */
  readonly caOutside?: { readonly dir: string; readonly files: BundleFile[] };
  /** finish with a CA kept outside the bundle: renames to make there (old CA aside, new one in). */
  readonly caRenames?: readonly (readonly [from: string, to: string])[];
}

const pemOf = (pems: readonly string[]) => pems.map((p) => (pemBlocks(p)[0] ?? p).trimEnd() + '\n').join('');

/** Is the CA directory the bundle's own `ca/` (so its files move with the bundle)? */
function caInside(bundle: LoadedBundle, caDir: string | undefined): boolean {
  const dir = resolve(caDirOf(bundle, caDir));
  return dir === resolve(bundle.dir, 'ca');
}

function clientRoles(bundle: LoadedBundle): string[] {
  return bundle.files.filter((f) => /^clients\/[^/]+\/root\.crt$/.test(f.path)).map((f) => f.path.split('/')[1]!);
}

/** root.crt everywhere (server and every client) set to these roots. */
function trustFiles(bundle: LoadedBundle, roots: readonly string[]): BundleFile[] {
  const text = pemOf(roots);
  return [textFile('server/root.crt', 0o644, text), ...clientRoles(bundle).map((r) => textFile(`clients/${r}/root.crt`, 0o644, text))];
}

function phaseFile(phase: 'trust' | 'switch', now: Date): BundleFile {
  return textFile(ROLLOVER_FILE, 0o644, JSON.stringify({ phase, since: now.toISOString() }, null, 2) + '\n');
}

function expectPhase(bundle: LoadedBundle, want: 'trust' | 'switch' | undefined, asked: RotatePhase): void {
  const phase = rolloverPhase(bundle);
  if (phase === want) return;
  const next = phase === undefined ? 'trust' : phase === 'trust' ? 'switch' : 'finish';
  throw new UsageError(`rotate-ca --phase ${asked}: the bundle is ${phase ? `in phase ${phase}` : 'not in a rollover'}; the next phase is --phase ${next} (apply each phase and give clients their files before the next)`);
}

/** A CN for the new CA that differs from the old one's: the old name with today's date. */
function newName(oldPem: string, now: Date): string {
  const old = inspectCertificate(oldPem).subjectCN ?? 'PostgreSQL CA';
  const base = old.replace(/ \(from \d{4}-\d\d-\d\d[^)]*\)$/, '');
  const dated = `${base} (from ${now.toISOString().slice(0, 10)})`;
  return dated === old ? `${base} (from ${now.toISOString().slice(0, 16).replace('T', ' ')})` : dated;
}

async function trust(bundle: LoadedBundle, old: CaSet, caDir: string | undefined, now: Date): Promise<RotateResult> {
  const days = validityDays(bundle.answers);
  const base = { notBefore: new Date(now.getTime() - BACKDATE_MS), keyBits: bundle.answers.keyBits } as const;
  const requests: CertRequest[] = [{ ...base, id: 'root', kind: 'root-ca', commonName: newName(old.root.certPem, now), notAfter: new Date(now.getTime() + days.root * DAY_MS) }];
  if (old.intermediate) {
    requests.push({ ...base, id: 'intermediate', kind: 'intermediate-ca', commonName: newName(old.intermediate.certPem, now), issuer: 'root', notAfter: new Date(now.getTime() + days.intermediate * DAY_MS) });
  }
  const made = await issueAll(requests);
  const caFiles: BundleFile[] = [];
  const next: CaMaterial[] = [];
  for (const [id, cert] of made) {
    caFiles.push(textFile(`${id}.crt`, 0o644, cert.certPem), textFile(`${id}.key`, 0o600, cert.keyPem));
    next.push({ certPem: cert.certPem, keyPem: cert.keyPem });
  }
  const changes = [
    ...trustFiles(bundle, [old.root.certPem, next[0]!.certPem]),
    // The new CAs' (empty) CRLs join now: with ssl_crl_file set, OpenSSL wants a CRL for every CA in a chain.
    textFile('server/root.crl', 0o644, resignCrls(bundle, next, now)),
    phaseFile('trust', now),
  ];
  if (caInside(bundle, caDir)) {
    return { files: withFiles(bundle.files, [...changes, ...caFiles.map((f) => ({ ...f, path: `ca/next/${f.path}` }))]) };
  }
  return { files: withFiles(bundle.files, changes), caOutside: { dir: `${caDirOf(bundle, caDir)}${sep}next`, files: caFiles } };
}

async function switchPhase(bundle: LoadedBundle, old: CaSet, next: CaSet, now: Date): Promise<RotateResult> {
  const caEnd = inspectCertificate(next.issuing.certPem).notAfter;
  const days = Math.min(bundle.answers.days, Math.floor((caEnd.getTime() - now.getTime()) / DAY_MS));
  // Every server of a bundle of several is re-issued from the new CA (the primary's is server/ too).
  const servers = (bundle.answers.servers ?? []).map((s) => s.slice(0, s.indexOf('=')));
  let current: LoadedBundle = bundle;
  for (const server of servers.length > 0 ? servers : [undefined]) {
    current = { ...current, files: (await planRenew(current, next, { now, days, newKey: false, ...(server !== undefined ? { server } : {}) })).files };
  }
  for (const role of clientRoles(bundle)) {
    current = { ...current, files: (await planIssue(current, next, { role, force: true, now, days })).files };
  }
  // Clients keep both roots until finish, so files handed out early still verify the old server certificate.
  const both = [old.root.certPem, next.root.certPem];
  return { files: withFiles(current.files, [...trustFiles(bundle, both), phaseFile('switch', now)]) };
}

function finish(bundle: LoadedBundle, old: CaSet, next: CaSet, caDir: string | undefined, now: Date): RotateResult {
  const retired = `retired-${inspectCertificate(old.root.certPem).serialHex.slice(0, 8).toLowerCase()}`;
  const changes = [...trustFiles(bundle, [next.root.certPem]), textFile('server/root.crl', 0o644, resignCrls(bundle, caList(next), now, undefined, true))];
  let files = withFiles(bundle.files, changes).filter((f) => f.path !== ROLLOVER_FILE);
  const names = old.intermediate ? ['root.crt', 'root.key', 'intermediate.crt', 'intermediate.key'] : ['root.crt', 'root.key'];
  if (caInside(bundle, caDir)) {
    files = files.map((f) => {
      if (names.some((n) => f.path === `ca/${n}`)) return { ...f, path: `ca/${retired}/${f.path.slice(3)}` };
      if (f.path.startsWith('ca/next/')) return { ...f, path: `ca/${f.path.slice('ca/next/'.length)}` };
      return f;
    });
    return { files };
  }
  const dir = caDirOf(bundle, caDir);
  return {
    files,
    caRenames: [...names.map((n) => [`${dir}${sep}${n}`, `${dir}${sep}${retired}${sep}${n}`] as const), ...names.map((n) => [`${dir}${sep}next${sep}${n}`, `${dir}${sep}${n}`] as const)],
  };
}

/** Plan one phase of a CA rollover. Phases out of order are usage errors naming the next one. */
export async function planRotate(bundle: LoadedBundle, phase: RotatePhase, caDir: string | undefined, now: Date): Promise<RotateResult> {
  if (bundle.answers.pki === 'self-signed') throw new UsageError(`${bundle.dir}: a self-signed bundle has no CA to roll over; renew its certificate by generating a new bundle`);
  if (phase === 'trust') {
    expectPhase(bundle, undefined, phase);
    return trust(bundle, await loadCa(bundle, caDir, 'current'), caDir, now);
  }
  expectPhase(bundle, phase === 'switch' ? 'trust' : 'switch', phase);
  const [old, next] = await Promise.all([loadCa(bundle, caDir, 'current'), loadCa(bundle, caDir, 'next')]);
  return phase === 'switch' ? switchPhase(bundle, old, next, now) : finish(bundle, old, next, caDir, now);
}

