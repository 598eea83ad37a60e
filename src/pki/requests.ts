import { parseHost, type SanEntry } from './hosts.js';
import type { CertKind, CertRequest } from './types.js';

/** A request that passed validation, with its subject CN and SAN worked out. */
export interface PlannedCert {
  readonly request: CertRequest;
  readonly commonName: string;
  readonly san: readonly SanEntry[];
}

const kinds = ['root-ca', 'intermediate-ca', 'server', 'client', 'self-signed-server'] as const;
const keySizes = [2048, 3072, 4096] as const;

/** Which kinds may sign each kind. The intermediate has pathLenConstraint 0, so it signs leaves only. */
const allowedIssuers: Record<CertKind, readonly CertKind[]> = {
  'root-ca': [],
  'self-signed-server': [],
  'intermediate-ca': ['root-ca'],
  server: ['root-ca', 'intermediate-ca'],
  client: ['root-ca', 'intermediate-ca'],
};

/** Signing order: an issuer always comes before what it signs. */
const rank: Record<CertKind, number> = {
  'root-ca': 0,
  'self-signed-server': 0,
  'intermediate-ca': 1,
  server: 2,
  client: 2,
};

export function isServerKind(kind: CertKind): boolean {
  return kind === 'server' || kind === 'self-signed-server';
}

/**
 * Check every request before any key is generated, and return them in
 * signing order (stable within a level). Throws an Error naming the request.
 */
export function planRequests(requests: readonly CertRequest[]): PlannedCert[] {
  const byId = new Map<string, CertRequest>();
  for (const r of requests) {
    if (typeof r.id !== 'string' || r.id.length === 0) throw new Error('Certificate request without an id.');
    if (byId.has(r.id)) throw new Error(`Certificate request id "${r.id}" appears twice.`);
    byId.set(r.id, r);
  }
  const planned = requests.map((r) => planOne(r, byId));
  return planned
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank[a.p.request.kind] - rank[b.p.request.kind] || a.i - b.i)
    .map(({ p }) => p);
}

function planOne(r: CertRequest, byId: ReadonlyMap<string, CertRequest>): PlannedCert {
  const where = `Certificate request "${r.id}"`;
  if (!(kinds as readonly string[]).includes(r.kind)) throw new Error(`${where}: unknown kind "${String(r.kind)}".`);
  if (!(keySizes as readonly number[]).includes(r.keyBits)) {
    throw new Error(`${where}: keyBits must be 2048, 3072 or 4096, not ${String(r.keyBits)}.`);
  }
  checkDates(where, r.notBefore, r.notAfter);

  const allowed = allowedIssuers[r.kind];
  if (allowed.length === 0) {
    if (r.issuer !== undefined) throw new Error(`${where}: a ${r.kind} certificate signs itself; remove issuer.`);
  } else {
    if (r.issuer === undefined) throw new Error(`${where}: a ${r.kind} certificate needs an issuer id.`);
    const issuer = byId.get(r.issuer);
    if (!issuer) throw new Error(`${where}: unknown issuer id "${r.issuer}".`);
    if (!allowed.includes(issuer.kind)) {
      throw new Error(`${where}: issuer "${r.issuer}" is a ${issuer.kind}; a ${r.kind} needs a ${allowed.join(' or ')}.`);
    }
  }

  const hosts = r.hosts ?? [];
  if (!isServerKind(r.kind)) {
    if (hosts.length > 0) throw new Error(`${where}: hosts are only for server certificates.`);
    if (typeof r.commonName !== 'string' || r.commonName.length === 0) throw new Error(`${where}: commonName is empty.`);
    return { request: r, commonName: r.commonName, san: [] };
  }
  if (hosts.length === 0) throw new Error(`${where}: a server certificate needs at least one host.`);
  const san: SanEntry[] = [];
  for (const host of hosts) {
    let entry: SanEntry;
    try {
      entry = parseHost(host);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    if (!san.some((s) => s.type === entry.type && s.value === entry.value)) san.push(entry);
  }
  // CN = first host; libpq and browsers match the SAN, the CN is for people.
  return { request: r, commonName: san[0]?.value ?? '', san };
}

function checkDates(where: string, notBefore: Date, notAfter: Date): void {
  const ok = (d: Date) => d instanceof Date && !Number.isNaN(d.getTime());
  if (!ok(notBefore) || !ok(notAfter)) throw new Error(`${where}: notBefore and notAfter must be valid Dates.`);
  for (const d of [notBefore, notAfter]) {
    const year = d.getUTCFullYear();
    if (year < 1950 || year > 9999) throw new Error(`${where}: ${d.toISOString()} is outside 1950-9999.`);
  }
  if (notAfter.getTime() <= notBefore.getTime()) throw new Error(`${where}: notAfter must be later than notBefore.`);
}
