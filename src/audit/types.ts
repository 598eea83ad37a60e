/**
 * The audit's contract: facts about a server in, findings out. Facts are
 * plain JSON-able data gathered elsewhere (a live connection or the files);
 * the rules in this folder read no files, open no connections and read no
 * clock (`now` comes in with the options).
 */
import type { HbaLintCode } from '../hba/index.js';

/** How bad a finding is. `info` alone does not make a server fail the audit. */
export const SEVERITIES = ['high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Findings of the audit's own rules; pg_hba.conf findings are `hba-` plus lintHba's code. */
export const AUDIT_IDS = [
  'ssl-off',
  'ssl-min-protocol',
  'cert-expired',
  'cert-expiring',
  'cert-host-missing',
  'key-cert-mismatch',
  'key-file-mode',
  'key-file-owner',
  'crl-lapsed',
  'crl-expiring',
  'hba-clientcert-missing',
  'hba-server-error',
  'hba-gss-unencrypted',
  'keytab-file-mode',
  'keytab-file-owner',
  'password-encryption',
  'md5-roles',
  'non-ssl-connections',
  'not-superuser',
  'live-checks-skipped',
  'not-checked',
  'conf-file-mode',
  'conf-file-owner',
  'hba-file-group-readable',
  'conf-file-readable',
  'data-dir-group-access',
  'data-dir-mode',
  'socket-dir-mode',
  'listen-exposed',
  'listen-wildcard',
  'superuser-network',
  'superuser-network-cert',
  'hba-ident-network',
  'hba-wide-range',
  'hba-reject-line',
  'hba-cert-method',
  'hba-local-not-peer',
  'ssl-ciphers-weak',
  'ssl-min-tls13',
  'ssl-passphrase-none',
  'standby-conninfo',
  'role-no-password',
] as const;
export type FindingId = (typeof AUDIT_IDS)[number] | `hba-${HbaLintCode}`;

/** One problem: what, how bad, what shows it, and exactly what to do. */
export interface Finding {
  id: FindingId;
  severity: Severity;
  /** One line. */
  title: string;
  /** What was seen, with the file and line or the query it came from. */
  evidence: string;
  /** What to do, naming the pg-secure-setup command where one exists. */
  fix: string;
  /** The file and line it was seen on, when it was seen in a file (SARIF locations). */
  location?: FindingLocation;
}

/** A place in a file. */
export interface FindingLocation {
  path: string;
  line?: number;
}

/** Settings the rules read, by their postgresql.conf names. */
export const AUDIT_SETTINGS = [
  'ssl',
  'ssl_min_protocol_version',
  'ssl_cert_file',
  'ssl_key_file',
  'ssl_ca_file',
  'ssl_crl_file',
  'password_encryption',
  'listen_addresses',
  'ssl_ciphers',
  'ssl_passphrase_command',
  'primary_conninfo',
  'unix_socket_directories',
  'krb_server_keyfile',
] as const;
export type AuditSetting = (typeof AUDIT_SETTINGS)[number];

/** The server certificate as read from its file or from a TLS handshake. */
export interface CertFacts {
  source: 'file' | 'tls';
  /** The file, when read from one. */
  path?: string;
  subjectCN?: string;
  issuerCN?: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  dnsNames: string[];
  ipAddresses: string[];
  fingerprint256: string;
}

/** One CRL of the server's ssl_crl_file (18.9.3). */
export interface CrlFacts {
  path: string;
  issuerCN?: string;
  /** ISO 8601; absent when the CRL names none. */
  nextUpdate?: string;
}

/** The server's private key file as this machine sees it. */
export interface KeyFileFacts {
  path: string;
  /** Permission bits, e.g. 0o600. */
  mode: number;
  uid: number;
  gid: number;
  /** The server's OS user (owner of the data directory), when known. */
  serverUid?: number;
  /** Undefined when it could not be checked (key unreadable or passphrase-protected). */
  matchesCertificate?: boolean;
}

/** pg_hba.conf text to lint, and where it came from. */
export interface HbaSource {
  path: string;
  /** `file`: the file itself; `pg_hba_file_rules`: rebuilt from the view, one record per original line number. */
  from: 'file' | 'pg_hba_file_rules';
  text: string;
  /** Lines the server itself could not read (pg_hba_file_rules.error, or an all-NULL row). */
  serverErrors?: { line: number; message: string }[];
}

/** A client connection that did not negotiate TLS (pg_stat_ssl.ssl = false, over TCP). */
export interface NonSslConnection {
  pid: number;
  user?: string;
  clientAddr: string;
  applicationName?: string;
  /** The audit's own connection. */
  own: boolean;
}

/** Why something could not be looked at. */
export type UncheckedCause = 'not-superuser' | 'no-connection' | 'unreadable' | 'not-local';

/** One thing the audit could not check. */
export interface Unchecked {
  what: 'md5-roles' | 'pg_hba.conf' | 'certificate' | 'key-file' | 'connections' | 'settings';
  cause: UncheckedCause;
  /** Human-readable detail, e.g. the error reading a file. */
  detail: string;
}

/** Everything the rules look at. Absent fields are unknown, not "fine". */
export interface AuditFacts {
  /** A live connection, or the files alone (--pgdata / --config-dir). */
  source: 'connection' | 'files';
  /** "127.0.0.1:5432 as postgres" for a connection; the data directory for files. */
  target: string;
  /** server_version, or PG_VERSION's content. */
  version?: string;
  major?: number;
  currentUser?: string;
  isSuperuser?: boolean;
  dataDirectory?: string;
  configFile?: string;
  hbaFile?: string;
  /** The TCP port the server listens on (its `port` setting), when a connection told us. */
  port?: number;
  /** Values in force (connection) or as the files set them, defaults filled in (files). */
  settings: Partial<Record<AuditSetting, string>>;
  /** Where each setting's value comes from: "pg_settings", "FILE:LINE" or "default". */
  settingSources: Partial<Record<AuditSetting, string>>;
  /** Host names clients use: --host values, plus the host the audit dialled. */
  hosts: string[];
  certificate?: CertFacts;
  keyFile?: KeyFileFacts;
  /** The CRLs of ssl_crl_file, when it is set and readable here. */
  crls?: CrlFacts[];
  /** The Kerberos keytab krb_server_keyfile names (20.6), when it is a file here. */
  keytabFile?: KeyFileFacts;
  hba?: HbaSource;
  /** Roles whose stored password is an MD5 hash; absent when not known. */
  md5Roles?: string[];
  /** Absent when not known. */
  nonSslConnections?: NonSslConnection[];
  unchecked: Unchecked[];
  /** Owner and mode of the configuration files and directories, as this machine sees them. */
  paths?: PathFacts[];
  /** The server's OS user (owner of the data directory), when known. */
  serverUid?: number;
  /** Login roles (superuser connection only). */
  roles?: RoleFacts[];
  /** pg_is_in_recovery(), or standby.signal in the data directory. */
  standby?: boolean;
  /** ssl_ciphers expanded by this machine's OpenSSL, TLS 1.2 and older suites only. */
  cipherSuites?: CipherSuite[];
}

/** What a path is to the server. */
export const PATH_KINDS = ['pg_hba.conf', 'pg_ident.conf', 'postgresql.conf', 'included conf', 'data directory', 'socket directory'] as const;
export type PathKind = (typeof PATH_KINDS)[number];

/** Owner and mode of one file or directory. */
export interface PathFacts {
  path: string;
  kind: PathKind;
  mode: number;
  uid: number;
  gid: number;
}

/** A role that can log in. */
export interface RoleFacts {
  name: string;
  superuser: boolean;
  hasPassword: boolean;
}

/** One cipher suite as `openssl ciphers -v` lists it. */
export interface CipherSuite {
  name: string;
  kx: string;
  enc: string;
}

/** What the user expects, and the clock. */
export interface AuditOptions {
  now: Date;
  /** Warn about certificates that expire within this many days. @default 30 */
  expiryDays?: number;
  /** Client certificates every hostssl rule should ask for; unset: not checked. */
  expectClientCerts?: 'verify-ca' | 'verify-full' | 'cert';
  /** Which reference the findings answer to. @default 'default' */
  profile?: Profile;
}

/** The references a user can answer to (see profiles.ts and the README). */
export const PROFILES = ['default', 'cis', 'dev-sec'] as const;
export type Profile = (typeof PROFILES)[number];

/** A finding as reported: one entry per problem, every place it occurs. */
export interface ReportFinding extends Finding {
  /** Every file and line it was seen on. */
  locations: FindingLocation[];
  /** How many times it was seen (lines, files). */
  occurrences: number;
  /** The profiles that want this finding. */
  profiles: Profile[];
}

/** The report: `--format json` prints exactly this (templates/audit-report.schema.json). */
export interface AuditReport {
  server: Record<string, unknown>;
  findings: ReportFinding[];
  summary: Record<Severity, number>;
  /** The profile the findings answer to. */
  profile: Profile;
}
