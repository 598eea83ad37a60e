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

function cas(ca: CaSet): CaMaterial[] {
  return ca.intermediate ? [ca.root, ca.intermediate] : [ca.root];
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
 * A new server/root.crl text: every CA's CRL, in the bundle's order (root
 * first), re-signed at `now` with next update at the CA's end (as generate
 * does, so it lapses only with its CA), `changes` applied. Entries already
 * listed stay listed.
 */
export function resignCrls(bundle: LoadedBundle, ca: CaSet, now: Date, change?: CrlChange): string {
  const existing = bundleCrls(bundle);
  return cas(ca)
    .map((c) => {
      const subject = subjectDerHex(c.certPem);
      const old = existing.find((x) => x.issuerDerHex === subject);
      const revoked = (old?.revoked ?? []).map((r) => ({ serialHex: r.serialHex, date: r.date }));
      if (change?.revoke && subjectDerHex(change.ca.certPem) === subject) revoked.push(change.revoke);
      const nextUpdate = inspectCertificate(c.certPem).notAfter;
      if (nextUpdate.getTime() <= now.getTime()) throw new UsageError(`the CA "${inspectCertificate(c.certPem).subjectCN}" has expired; its CRL cannot be renewed: roll the CA over (rotate-ca)`);
      return signCrl(c, { thisUpdate: now, nextUpdate, revoked, crlNumber: nextNumber(old, now) }).trimEnd() + '\n';
    })
    .join('');
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
