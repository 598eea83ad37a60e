import { verify, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { derOf, subjectDer } from './der.js';

/** What a CRL says (RFC 5280 5.1), read back from PEM. */
export interface CrlInfo {
  /** The issuer's name as DER, hex: compared with a CA certificate's subject. */
  readonly issuerDerHex: string;
  readonly issuerCN: string | undefined;
  readonly thisUpdate: Date;
  /** Absent in a CRL that promises no next update (we never write one). */
  readonly nextUpdate: Date | undefined;
  /** cRLNumber (RFC 5280 5.2.3), when present. */
  readonly crlNumber: bigint | undefined;
  /** Lowercase hex without leading zero bytes, as inspectCertificate gives serials. */
  readonly revoked: readonly { readonly serialHex: string; readonly date: Date }[];
  /** The CRL alone, PEM, LF line ends. */
  readonly pem: string;
  /** DER of tbsCertList and the signature, to check it against a CA. */
  readonly tbsDer: Buffer;
  readonly signature: Buffer;
}

const { asn1 } = forge;
const OID_CN = '2.5.4.3';
const OID_CRL_NUMBER = '2.5.29.20';

function timeOf(node: forge.asn1.Asn1): Date {
  const text = node.value as string;
  return node.type === asn1.Type.UTCTIME ? asn1.utcTimeToDate(text) : asn1.generalizedTimeToDate(text);
}

function isTime(node: forge.asn1.Asn1 | undefined): boolean {
  return node !== undefined && node.tagClass === asn1.Class.UNIVERSAL && (node.type === asn1.Type.UTCTIME || node.type === asn1.Type.GENERALIZEDTIME);
}

function hexOfInteger(bytes: string): string {
  const hex = Buffer.from(bytes, 'binary').toString('hex').replace(/^(00)+(?=.)/, '');
  return hex.toLowerCase();
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return Array.isArray(node?.value) ? node.value : [];
}

function commonName(name: forge.asn1.Asn1): string | undefined {
  for (const rdn of children(name)) {
    for (const attr of children(rdn)) {
      const [type, value] = children(attr);
      if (type && value && asn1.derToOid(forge.util.createBuffer(type.value as string)) === OID_CN) {
        return forge.util.decodeUtf8(value.value as string);
      }
    }
  }
  return undefined;
}

/** Read one DER CertificateList. Throws on anything that is not one. */
function readOne(der: Buffer): CrlInfo {
  const root = asn1.fromDer(forge.util.createBuffer(der.toString('binary')), { decodeBitStrings: false } as unknown as boolean);
  const [tbs, , sig] = children(root);
  if (!tbs || !sig) throw new Error('not a CertificateList');
  const parts = children(tbs);
  let i = 0;
  if (parts[i]?.type === asn1.Type.INTEGER && parts[i]?.tagClass === asn1.Class.UNIVERSAL) i++; // version
  i++; // signature algorithm
  const issuer = parts[i++];
  const thisUpdate = parts[i++];
  if (!issuer || !thisUpdate || !isTime(thisUpdate)) throw new Error('CRL without issuer or thisUpdate');
  let nextUpdate: Date | undefined;
  if (isTime(parts[i])) nextUpdate = timeOf(parts[i++]!);
  const revoked: { serialHex: string; date: Date }[] = [];
  let crlNumber: bigint | undefined;
  for (; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.tagClass === asn1.Class.UNIVERSAL && p.type === asn1.Type.SEQUENCE) {
      for (const entry of children(p)) {
        const [serial, date] = children(entry);
        if (serial && date) revoked.push({ serialHex: hexOfInteger(serial.value as string), date: timeOf(date) });
      }
    } else if (p.tagClass === asn1.Class.CONTEXT_SPECIFIC) {
      for (const ext of children(children(p)[0])) {
        const [id, ...rest] = children(ext);
        const value = rest[rest.length - 1];
        if (id && value && asn1.derToOid(forge.util.createBuffer(id.value as string)) === OID_CRL_NUMBER) {
          const inner = asn1.fromDer(forge.util.createBuffer(value.value as string));
          crlNumber = BigInt(`0x${hexOfInteger(inner.value as string) || '0'}`);
        }
      }
    }
  }
  const sigBytes = Buffer.from(sig.value as string, 'binary').subarray(1); // drop the unused-bits octet
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    issuerDerHex: derOf(issuer).toString('hex'),
    issuerCN: commonName(issuer),
    thisUpdate: timeOf(thisUpdate),
    nextUpdate,
    crlNumber,
    revoked,
    pem: `-----BEGIN X509 CRL-----\n${body}-----END X509 CRL-----\n`,
    tbsDer: derOf(tbs),
    signature: sigBytes,
  };
}

/** Every CRL in a PEM file (ssl_crl_file holds one per CA). Throws naming the first bad one. */
export function readCrls(pem: string): CrlInfo[] {
  const blocks = [...pem.matchAll(/-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g)];
  return blocks.map((m, n) => {
    try {
      return readOne(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
    } catch (e) {
      throw new Error(`CRL ${n + 1}: cannot read it (${(e as Error).message})`);
    }
  });
}

/** Subject of a CA certificate as DER hex, to match a CRL's issuer. */
export function subjectDerHex(certPem: string): string {
  const cert = forge.pki.certificateFromPem(certPem);
  return subjectDer(cert).toString('hex');
}

/** Is this CRL signed by the key of this CA certificate? */
export function crlSignedBy(crl: CrlInfo, caCertPem: string): boolean {
  try {
    return verify('sha256', crl.tbsDer, new X509Certificate(caCertPem).publicKey, crl.signature);
  } catch {
    return false;
  }
}
