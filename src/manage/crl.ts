/**
 * The bundle's server/root.crl, one CRL per CA (18.9.3: ssl_crl_file), kept
 * current: a revocation adds an entry, `renew --crl` re-signs with a later
 * next update. Each new CRL gets a larger cRLNumber (RFC 5280 5.2.3).
 */
import { inspectCertificate, readCrls, signCrl, subjectDerHex, type CaMaterial, type CrlInfo } from '../pki/index.js';
import { UsageError } from '../errors.js';
import { textOf, type LoadedBundle } from './bundle-io.js';
import type { CaSet } from './ca.js';

/** What to change in the CRL of one CA. */
export interface CrlChange {
  readonly ca: CaMaterial;
  readonly revoke?: { readonly serialHex: string; readonly date: Date };
}

/** The bundle's CRLs, read; a CRL file that cannot be read is a usage error naming it. */
export function bundleCrls(bundle: LoadedBundle): CrlInfo[] {
  const text = textOf(bundle.files, 'server/root.crl');
  if (text === undefined) return [];
  try {
    return readCrls(text);
  } catch (err) {
    throw new UsageError(`${bundle.dir}/server/root.crl: ${(err as Error).message}`);
  }
}

/** The next cRLNumber: larger than the last, and than the one a fresh bundle would use now. */
function nextNumber(previous: CrlInfo | undefined, now: Date): bigint {
  const byClock = BigInt(Math.floor(now.getTime() / 1000));
  const after = (previous?.crlNumber ?? 0n) + 1n;
  return after > byClock ? after : byClock;
}

/**
 * A new server/root.crl text: the CRL of each CA in `cas` re-signed at
 * `now` with next update at the CA's end (as generate does, so it lapses
 * only with its CA), the `change` applied; entries already listed stay
 * listed. CRLs of other CAs (the other generation during a CA rollover) are
 * kept as they are, unless `onlyThese`.
 */
export function resignCrls(bundle: LoadedBundle, cas: readonly CaMaterial[], now: Date, change?: CrlChange, onlyThese = false): string {
  const existing = bundleCrls(bundle);
  const mine = cas.map((c) => ({ ca: c, subject: subjectDerHex(c.certPem) }));
  const sign = (c: CaMaterial, subject: string): string => {
    const old = existing.find((x) => x.issuerDerHex === subject);
    const revoked = (old?.revoked ?? []).map((r) => ({ serialHex: r.serialHex, date: r.date }));
    if (change?.revoke && subjectDerHex(change.ca.certPem) === subject) revoked.push(change.revoke);
    const nextUpdate = inspectCertificate(c.certPem).notAfter;
    if (nextUpdate.getTime() <= now.getTime()) throw new UsageError(`the CA "${inspectCertificate(c.certPem).subjectCN}" has expired; its CRL cannot be renewed: roll the CA over (rotate-ca)`);
    return signCrl(c, { thisUpdate: now, nextUpdate, revoked, crlNumber: nextNumber(old, now) }).trimEnd() + '\n';
  };
  const out: string[] = [];
  for (const crl of existing) {
    const m = mine.find((x) => x.subject === crl.issuerDerHex);
    if (m) out.push(sign(m.ca, m.subject));
    else if (!onlyThese) out.push(crl.pem);
  }
  for (const m of mine) if (!existing.some((x) => x.issuerDerHex === m.subject)) out.push(sign(m.ca, m.subject));
  return out.join('');
}

/** The CAs of a set, root first. */
export function caList(ca: CaSet): CaMaterial[] {
  return ca.intermediate ? [ca.root, ca.intermediate] : [ca.root];
}

/** Serials listed on any of the bundle's CRLs. */
export function revokedSerials(bundle: LoadedBundle): Set<string> {
  return new Set(bundleCrls(bundle).flatMap((c) => c.revoked.map((r) => r.serialHex)));
}

/** A serial as the CRL reader gives it: lowercase hex, no colons, no leading zero bytes. */
export function normalSerial(hex: string): string {
  const clean = hex.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(clean)) throw new UsageError(`--serial ${hex}: not a hex serial number (as status prints it)`);
  return (clean.length % 2 ? `0${clean}` : clean).replace(/^(00)+(?=.)/, '');
}
