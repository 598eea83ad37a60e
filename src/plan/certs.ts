/** The certificates a bundle needs, as requests for pki/ (dates from the caller's clock). */
import type { Answers } from '../answers/answers.js';
import type { CertRequest } from '../pki/index.js';
import { parseServer, type ServerSpec } from '../answers/servers.js';

/** How far notBefore is set back, for clients whose clocks run a little slow. */
export const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export const ROOT_ID = 'root';
export const INTERMEDIATE_ID = 'intermediate';
export const SERVER_ID = 'server';
export const clientId = (role: string): string => `client:${role}`;

/** The bundle's servers with their certificate ids: the primary's is the bundle's server certificate (server/). */
export function bundleServers(a: Pick<Answers, 'servers'>): (ServerSpec & { readonly id: string })[] {
  return (a.servers ?? []).map(parseServer).map((s, i) => ({ ...s, id: i === 0 ? SERVER_ID : `server:${s.name}` }));
}

/** Validity in days of each kind: CAs outlive what they sign. */
export function validityDays(a: Answers): { root: number; intermediate: number; leaf: number } {
  return { root: Math.min(a.days * 10, 7300), intermediate: Math.max(a.days, Math.min(a.days * 5, 3650)), leaf: a.days };
}

/** Every role that gets a client certificate: the client roles, then the replication role when it is not among them. */
export function certRoles(a: Pick<Answers, 'clientUsers' | 'replicationUser'>): string[] {
  return a.replicationUser && !a.clientUsers.includes(a.replicationUser) ? [...a.clientUsers, a.replicationUser] : [...a.clientUsers];
}

export function planCertificates(a: Answers, now: Date): CertRequest[] {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const until = (days: number) => new Date(now.getTime() + days * DAY_MS);
  const days = validityDays(a);
  const name = a.hosts[0]!;
  const base = { notBefore, keyBits: a.keyBits } as const;
  if (a.pki === 'self-signed') {
    return [{ ...base, id: SERVER_ID, kind: 'self-signed-server', commonName: name, hosts: a.hosts, notAfter: until(days.leaf) }];
  }
  const requests: CertRequest[] = [{ ...base, id: ROOT_ID, kind: 'root-ca', commonName: `PostgreSQL Root CA for ${name}`, notAfter: until(days.root) }];
  let signer = ROOT_ID;
  if (a.pki === 'ca-intermediate') {
    requests.push({ ...base, id: INTERMEDIATE_ID, kind: 'intermediate-ca', commonName: `PostgreSQL Intermediate CA for ${name}`, issuer: ROOT_ID, notAfter: until(days.intermediate) });
    signer = INTERMEDIATE_ID;
  }
  requests.push({ ...base, id: SERVER_ID, kind: 'server', commonName: name, hosts: a.hosts, issuer: signer, notAfter: until(days.leaf) });
  for (const s of bundleServers(a).slice(1)) {
    requests.push({ ...base, id: s.id, kind: 'server', commonName: s.hosts[0]!, hosts: [...s.hosts], issuer: signer, notAfter: until(days.leaf) });
  }
  for (const role of certRoles(a)) {
    requests.push({ ...base, id: clientId(role), kind: 'client', commonName: role, issuer: signer, notAfter: until(days.leaf) });
  }
  return requests;
}
