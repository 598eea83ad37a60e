import { sign } from 'node:crypto';
import forge from 'node-forge';
import { derOf, extension, integerFromHex, OID, sha256WithRsa, subjectDer, timeToAsn1 } from './der.js';
import { rsaKeyFromPem } from './keys.js';
import type { CrlOptions, IssuedCert } from './types.js';

const { asn1 } = forge;
const seq = (items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);

/**
 * A signed v2 CRL (RFC 5280 5.1), PEM, by the given CA, listing `revoked`
 * serials. forge has no CRL API, so the CertificateList is built with
 * forge.asn1 and signed with node:crypto (sha256WithRSAEncryption).
 */
export function makeCrl(ca: IssuedCert, opts: CrlOptions): string {
  if (ca.kind !== 'root-ca' && ca.kind !== 'intermediate-ca') {
    throw new Error(`makeCrl: "${ca.id}" is a ${ca.kind}, not a CA.`);
  }
  return signCrl(ca, opts, ca.id);
}

/**
 * The same CRL from any CA certificate and key, PEM (a kept bundle's CA,
 * which has no IssuedCert). `name` labels errors.
 */
export function signCrl(ca: { readonly certPem: string; readonly keyPem: string }, opts: CrlOptions, name = 'CA'): string {
  const { thisUpdate, nextUpdate } = opts;
  for (const d of [thisUpdate, nextUpdate]) {
    if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new Error('makeCrl: thisUpdate and nextUpdate must be valid Dates.');
  }
  if (nextUpdate.getTime() <= thisUpdate.getTime()) throw new Error('makeCrl: nextUpdate must be later than thisUpdate.');

  const key = rsaKeyFromPem(ca.keyPem);
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  if (forge.pki.publicKeyToPem(caCert.publicKey) !== forge.pki.publicKeyToPem(key.publicKey)) {
    throw new Error(`makeCrl: the key of "${name}" does not belong to its certificate.`);
  }

  const crlNumber = opts.crlNumber ?? Math.floor(thisUpdate.getTime() / 1000);
  if (BigInt(crlNumber) < 0n) throw new Error('makeCrl: crlNumber must not be negative.');

  const tbs: forge.asn1.Asn1[] = [
    integerFromHex('01'), // v2
    sha256WithRsa(),
    asn1.fromDer(subjectDer(caCert).toString('binary')),
    timeToAsn1(thisUpdate),
    timeToAsn1(nextUpdate),
  ];
  const revoked = opts.revoked ?? [];
  for (const r of revoked) {
    if (!(r.date instanceof Date) || Number.isNaN(r.date.getTime())) {
      throw new Error(`makeCrl: revocation date of serial ${r.serialHex} is not a valid Date.`);
    }
  }
  // An empty revokedCertificates list must be left out, not written empty (RFC 5280 5.1.2.6).
  if (revoked.length > 0) {
    tbs.push(seq(revoked.map((r) => seq([integerFromHex(r.serialHex), timeToAsn1(r.date)]))));
  }
  // authorityKeyIdentifier = the CA certificate's subjectKeyIdentifier (RFC 5280 5.2.1).
  const ski = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  const keyId = ski?.subjectKeyIdentifier ? forge.util.hexToBytes(ski.subjectKeyIdentifier) : key.keyId;
  const aki = seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, keyId)]);
  tbs.push(
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
      seq([
        extension(OID.authorityKeyIdentifier, false, aki),
        extension(OID.cRLNumber, false, integerFromHex(BigInt(crlNumber).toString(16))),
      ]),
    ]),
  );

  const tbsCertList = seq(tbs);
  const signature = sign('sha256', derOf(tbsCertList), key.keyObject);
  const certList = seq([
    tbsCertList,
    sha256WithRsa(),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\x00${signature.toString('binary')}`),
  ]);
  const body = derOf(certList).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN X509 CRL-----\n${body}-----END X509 CRL-----\n`;
}
