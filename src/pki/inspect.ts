import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { formatIp, parseHost } from './hosts.js';
import type { CertInfo } from './types.js';

/**
 * Read a PEM certificate back (summaries, audit, verify). Uses node:crypto's
 * X509Certificate, so it also reads EC and Ed25519 certificates that forge
 * cannot parse.
 */
export function inspectCertificate(pem: string): CertInfo {
  const x = readCertificate(pem, 'inspectCertificate');
  const san = parseSubjectAltName(x.subjectAltName ?? '');
  return {
    subjectCN: firstValue(x.subject, 'CN'),
    issuerCN: firstValue(x.issuer, 'CN'),
    subject: x.subject,
    issuer: x.issuer,
    notBefore: parseOpenSslDate(x.validFrom),
    notAfter: parseOpenSslDate(x.validTo),
    dnsNames: san.filter(([k]) => k === 'DNS').map(([, v]) => v),
    ipAddresses: san.filter(([k]) => k === 'IP Address').map(([, v]) => normalizeIp(v)),
    isCA: x.ca,
    serialHex: x.serialNumber.toLowerCase(),
    fingerprint256: x.fingerprint256,
  };
}

/** Do this private key (PEM, PKCS#1 or PKCS#8) and this certificate belong together? */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  const x = readCertificate(certPem, 'keyMatchesCertificate');
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw new Error(`keyMatchesCertificate: cannot read the private key: ${(e as Error).message}`);
  }
  return x.checkPrivateKey(key);
}

/** Was `certPem` signed by the CA of `caPem` (names chain and the signature verifies)? */
export function issuedBy(certPem: string, caPem: string): boolean {
  const cert = readCertificate(certPem, 'issuedBy');
  const ca = readCertificate(caPem, 'issuedBy');
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

function readCertificate(pem: string, caller: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw new Error(`${caller}: not a PEM certificate: ${(e as Error).message}`);
  }
}

/**
 * Node prints subjectAltName as "DNS:a, IP Address:0:0:0:0:0:0:0:1, ...";
 * since CVE-2021-44532 a value with special characters is a JSON string.
 */
function parseSubjectAltName(text: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const kind = text.slice(i, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      end += 1;
      value = JSON.parse(text.slice(colon + 1, end)) as string;
    } else {
      end = text.indexOf(', ', colon);
      if (end < 0) end = text.length;
      value = text.slice(colon + 1, end);
    }
    out.push([kind, value]);
    i = end + 2; // skip ", "
  }
  return out;
}

/**
 * An IP address in one spelling, RFC 5952 for IPv6 as parseHost gives it, so
 * "0:0::1", "[::1]" and Node's uncompressed uppercase SAN entries compare
 * equal; anything else comes back as it is.
 */
export function normalizeIp(value: string): string {
  try {
    const entry = parseHost(value);
    return entry.type === 'ip' ? formatIp(entry.bytes) : value;
  } catch {
    return value;
  }
}

/**
 * First value of `key` in a name as Node prints it: one RDN per line,
 * multi-valued RDNs joined by " + ", values escaped per RFC 2253
 * ("\," and "\0A" style) with UTF-8 left as is.
 */
function firstValue(name: string, key: string): string | undefined {
  for (const line of name.split('\n')) {
    for (const part of line.split(/(?<!\\) \+ /)) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq) === key) return unescapeRdn(part.slice(eq + 1));
    }
  }
  return undefined;
}

function unescapeRdn(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (c === '\\' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const literal = c === '\\' && i + 1 < value.length ? value[++i] ?? '' : c;
      bytes.push(...Buffer.from(literal, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Nov  8 03:22:51 2026 GMT" (OpenSSL's ASN1_TIME_print) to a Date. */
function parseOpenSslDate(text: string): Date {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4,}) GMT$/.exec(text);
  const month = m ? months.indexOf(m[1] ?? '') : -1;
  if (!m || month < 0) throw new Error(`Unexpected certificate date "${text}".`);
  const [, , day, hh, mm, ss, year] = m.map(Number);
  return new Date(Date.UTC(year ?? 0, month, day ?? 0, hh ?? 0, mm ?? 0, ss ?? 0));
}
