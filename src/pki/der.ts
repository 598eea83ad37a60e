import forge from 'node-forge';

const { asn1 } = forge;

/** Object identifiers used here (RFC 4055, RFC 5280 4.2.1.1, 5.2.3). */
export const OID = {
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  authorityKeyIdentifier: '2.5.29.35',
  cRLNumber: '2.5.29.20',
} as const;

/** forge keeps bytes in binary strings; node:crypto wants Buffers. */
export function bytesToBuffer(bytes: string): Buffer {
  return Buffer.from(bytes, 'binary');
}

export function derOf(node: forge.asn1.Asn1): Buffer {
  return bytesToBuffer(asn1.toDer(node).getBytes());
}

/** forge PEM uses CRLF; PostgreSQL does not mind, but files read better with LF. */
export function lf(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}

/** A Date as it will be encoded: X.509 times have whole seconds. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

const utcTimeEnd = Date.UTC(2050, 0, 1);
const utcTimeStart = Date.UTC(1950, 0, 1);

/** UTCTime through 2049, GeneralizedTime from 2050 on (RFC 5280 4.1.2.5, 5.1.2.4). */
export function timeToAsn1(date: Date): forge.asn1.Asn1 {
  const t = date.getTime();
  return t >= utcTimeStart && t < utcTimeEnd
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** A non-negative INTEGER from hex (colons allowed), minimal DER content. */
export function integerFromHex(hex: string): forge.asn1.Asn1 {
  const clean = hex.replace(/:/g, '');
  if (!/^[0-9a-fA-F]+$/.test(clean)) throw new Error(`"${hex}" is not a hex serial number.`);
  let bytes = Buffer.from(clean.length % 2 ? `0${clean}` : clean, 'hex');
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bytes.toString('binary'));
}

export function oid(dotted: string): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes());
}

/** AlgorithmIdentifier for sha256WithRSAEncryption, parameters NULL (RFC 4055 5). */
export function sha256WithRsa(): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    oid(OID.sha256WithRSAEncryption),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);
}

/** Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(dotted: string, critical: boolean, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  const parts = [oid(dotted)];
  if (critical) parts.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BOOLEAN, false, '\xff'));
  parts.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(value).getBytes()));
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, parts);
}

const UTF8 = asn1.Type.UTF8 as unknown as forge.asn1.Class;

/**
 * A parsed certificate's subject, ready to be encoded again as an issuer
 * name. forge keeps a parsed UTF8String value as its raw bytes but encodes
 * UTF-8 again on the way out, so a name like "ünïcode" would come out
 * double-encoded and no longer match the CA (RFC 5280 7.1 compares bytes).
 */
export function reusableSubject(cert: forge.pki.Certificate): forge.pki.CertificateField[] {
  return (cert.subject.attributes as forge.pki.CertificateField[]).map((f) => ({
    ...(f.type !== undefined ? { type: f.type } : {}),
    value: f.valueTagClass === UTF8 ? forge.util.decodeUtf8(f.value as string) : f.value,
    ...(f.valueTagClass !== undefined ? { valueTagClass: f.valueTagClass } : {}),
  }) as forge.pki.CertificateField);
}

/** DER of a parsed certificate's subject, as it is in the certificate. */
export function subjectDer(cert: forge.pki.Certificate): Buffer {
  return derOf((forge.pki as unknown as { distinguishedNameToAsn1(n: { attributes: forge.pki.CertificateField[] }): forge.asn1.Asn1 }).distinguishedNameToAsn1({ attributes: reusableSubject(cert) }));
}
