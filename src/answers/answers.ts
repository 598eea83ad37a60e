/**
 * The Answers contract: the one object every front end (wizard, plain
 * prompts, --answers file and flags) produces and the core consumes.
 * It never holds a secret, so it can be saved and handed around.
 */

/** How certificates are made: one self-signed server certificate, a new root CA, or a root CA with an intermediate. */
export const PKI_MODES = ['self-signed', 'ca', 'ca-intermediate'] as const;
export type PkiMode = (typeof PKI_MODES)[number];

/**
 * What the server asks of clients' certificates (Client Authentication,
 * pg_hba.conf `clientcert` and the `cert` method).
 */
export const CLIENT_CERT_MODES = ['none', 'verify-ca', 'verify-full', 'cert'] as const;
export type ClientCertMode = (typeof CLIENT_CERT_MODES)[number];

/** ssl_min_protocol_version values we offer (older ones are not safe). */
export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export const KEY_BITS = [2048, 3072, 4096] as const;
export type KeyBits = (typeof KEY_BITS)[number];

/** PostgreSQL major versions whose settings we know. */
export const PG_VERSIONS = [12, 13, 14, 15, 16, 17, 18] as const;
export type PgVersion = (typeof PG_VERSIONS)[number];

/** How connections are encrypted in transit: TLS (18.9), GSSAPI (18.10), or both. */
export const TRANSPORTS = ['tls', 'gssapi', 'both'] as const;
/** One of TRANSPORTS. */
export type Transport = (typeof TRANSPORTS)[number];

export interface Answers {
  /** Major version of the server the bundle is for. */
  pgVersion: PgVersion;
  /** Directory the bundle is written to. */
  out: string;
  /** How certificates are made. */
  pki: PkiMode;
  /** Several servers, `NAME=HOST[,HOST...]`, the first the primary; absent or empty: one server. */
  servers?: string[];
  /** Names and addresses clients use to reach the server; all go into subjectAltName. */
  hosts: string[];
  /** TCP port clients dial (the server's `port` setting), written into every connection string. */
  port: number;
  /** Client addresses the pg_hba rules cover: CIDRs, or samenet / samehost / all. */
  networks: string[];
  /** Client-certificate enforcement. */
  clientCerts: ClientCertMode;
  /** Roles that get a client certificate (CN = role name). */
  clientUsers: string[];
  /** RSA key size for every key made. */
  keyBits: KeyBits;
  /** Validity of leaf certificates in days (CAs get longer). */
  days: number;
  /** ssl_min_protocol_version. */
  minTls: TlsVersion;
  /** Add `hostnossl ... reject` so plaintext connections are refused. */
  refusePlaintext: boolean;
  /** How connections are encrypted (18.9, 18.10); absent: tls. */
  transport?: Transport;
  /** The site's Kerberos realm; '' or absent with tls. */
  krbRealm?: string;
  /** The server's keytab, read when the bundle is written; '' or absent with tls. */
  krbKeytab?: string;
  /** Service name of the server's principal (libpq krbsrvname); '' or absent: postgres. */
  krbSrvname?: string;
  /** PRINCIPAL=ROLE lines for pg_ident.conf; absent or empty: principals log in as the role of their name. */
  gssMaps?: string[];
  /** The role standbys replicate as, with its own client certificate; '' or absent: no standby (27.2.5.1). */
  replicationUser?: string;
}

/** The keys of Answers, in the order questions are asked. */
export const ANSWER_KEYS = [
  'pgVersion',
  'out',
  'servers',
  'hosts',
  'port',
  'pki',
  'keyBits',
  'days',
  'minTls',
  'refusePlaintext',
  'networks',
  'transport',
  'krbRealm',
  'krbKeytab',
  'krbSrvname',
  'gssMaps',
  'clientCerts',
  'clientUsers',
  'replicationUser',
] as const satisfies readonly (keyof Answers)[];
