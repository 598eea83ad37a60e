/** What a certificate is for; decides its extensions. */
export type CertKind = 'root-ca' | 'intermediate-ca' | 'server' | 'client' | 'self-signed-server';

/** RSA modulus sizes we issue. */
export type KeyBits = 2048 | 3072 | 4096;

/** What to issue. Dates come from the caller (the plan reads no clock). */
export interface CertRequest {
  /** Unique id, e.g. 'root', 'intermediate', 'server', 'client:alice'. */
  id: string;
  kind: CertKind;
  /** Subject CN. For server kinds the CN is the first host and this is ignored. */
  commonName: string;
  /** O= in the subject, optional. */
  organization?: string;
  /** Server kinds: every entry goes into subjectAltName (DNS names, wildcards, IPv4, IPv6, [IPv6]). */
  hosts?: string[];
  /** Id of the issuing CA request; required for intermediate-ca, server and client. */
  issuer?: string;
  notBefore: Date;
  notAfter: Date;
  keyBits: KeyBits;
}

/** One issued certificate with its private key in the encodings PostgreSQL and JDBC read. */
export interface IssuedCert {
  id: string;
  kind: CertKind;
  /** The certificate alone, PEM. */
  certPem: string;
  /** PKCS#1 "BEGIN RSA PRIVATE KEY" (PostgreSQL and libpq accept it). */
  keyPem: string;
  /** Unencrypted PKCS#8 DER (what JDBC needs). */
  keyPkcs8Der: Uint8Array;
  /** Lowercase hex, 32 digits. */
  serialHex: string;
  /** Readable, most specific first, e.g. "CN=alice, O=Acme". */
  subject: string;
  issuer: string;
  /** As encoded in the certificate (whole seconds). */
  notBefore: Date;
  notAfter: Date;
}

/** Options for makeCrl. */
export interface CrlOptions {
  thisUpdate: Date;
  nextUpdate: Date;
  /** Serials (hex, colons allowed) and when they were revoked. */
  revoked?: { serialHex: string; date: Date }[];
  /** cRLNumber (RFC 5280 5.2.3); must grow with each CRL. Default: thisUpdate in Unix seconds. */
  crlNumber?: number | bigint;
}

/** What inspectCertificate reads back from a PEM certificate. */
export interface CertInfo {
  /** First CN of the subject, undefined when the subject has none. */
  subjectCN: string | undefined;
  issuerCN: string | undefined;
  /** Full names as Node prints them, one "KEY=value" per line. */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** subjectAltName dNSName entries, as written. */
  dnsNames: string[];
  /** subjectAltName iPAddress entries: dotted IPv4, RFC 5952 IPv6 ("::1"). */
  ipAddresses: string[];
  isCA: boolean;
  /** Lowercase hex, no colons. */
  serialHex: string;
  /** SHA-256 fingerprint, "AB:CD:..." as openssl prints it. */
  fingerprint256: string;
}
