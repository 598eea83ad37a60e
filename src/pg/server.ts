/**
 * The live server: the only module that imports `pg` (node-postgres).
 * Connections follow libpq's rules for parameters, defaults and client
 * files (libpq 32.1 Database Connection Control, 32.15 Environment
 * Variables, 32.16 The Password File, 32.19 SSL Support), so a --connect
 * string means here what it means to psql.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity, TLSSocket, type ConnectionOptions, type SecureVersion } from 'node:tls';
import type { Duplex } from 'node:stream';
import pg from 'pg';
import { classifyConnectError, ConnectionError } from './conn-errors.js';
import { modeText } from '../file-mode.js';
import { describeTarget, lookupPassfile, mergeParams, paramsFromEnv, parseConnString, resolveTarget, type ConnParams, type Target } from './conn-params.js';
import { tlsInfo, type TlsInfo } from './conn-probe.js';
import { QUERIES, type CurrentRoleRow } from './queries.js';
import { settingIsOn } from './conf.js';

export { SSL_MODES, SOCKET_DIRS, describeTarget, parseConnString, paramsFromEnv, socketPath, type ConnParams, type SslMode, type Target } from './conn-params.js';
export { classifyConnectError, ConnectionError, exitCodeFor, UNTRUSTED_CODES, type ConnectionErrorKind } from './conn-errors.js';
export { probe, type AuthRequest, type ProbeOptions, type ProbeResult, type ProbeTls, type StartupOutcome, type TlsInfo } from './conn-probe.js';

/** Where the connection parameters come from; later ones win: environment, --connect, overrides. */
export interface ConnectionRequest {
  /** The --connect value: keyword/value conninfo or a postgresql:// URI. */
  connect?: string;
  /** Fields that win over both (verify forces sslmode, for one). */
  overrides?: ConnParams;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Parameters from the environment, --connect and overrides, with libpq's defaults filled in. */
export function resolveConnection(req: ConnectionRequest = {}): Target {
  const env = req.env ?? process.env;
  const params = mergeParams(paramsFromEnv(env), req.connect ? parseConnString(req.connect) : {}, req.overrides ?? {});
  return resolveTarget(params, { osUser: userInfo().username, socketExists: existsSync });
}

/** "127.0.0.1:5432 as alice" */
export function targetLabel(t: Target): string {
  return `${describeTarget(t)} as ${t.user}`;
}

/** Client-side TLS files, read by libpq's rules (32.19.1, 32.19.2, 32.19.4 SSL Client File Usage). */
export interface ClientTlsFiles {
  /** Trusted roots; undefined with sslrootcert=system or when no root file exists. */
  ca?: Buffer;
  caPath?: string;
  useSystemRoots: boolean;
  cert?: Buffer;
  certPath?: string;
  key?: Buffer;
  keyPath?: string;
  passphrase?: string;
  crl?: Buffer;
}

function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConnectionError('bad-input', `cannot read the ${what} "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * libpq refuses a private key that others can read: 0600 or less when the
 * current user owns it, 0640 or less when root does (32.19.2).
 */
export function keyFileProblem(path: string): string | undefined {
  const st = statSync(path);
  const own = st.uid === process.getuid?.();
  const allowed = st.uid === 0 && !own ? 0o640 : 0o600;
  if ((st.mode & 0o777 & ~allowed) === 0) return undefined;
  return `private key file "${path}" has group or world access (mode ${modeText(st.mode & 0o777)}): libpq refuses it; chmod ${allowed.toString(8)} it`;
}

/**
 * Root certificate, CRL, client certificate and key for a target: the
 * sslrootcert/sslcrl/sslcert/sslkey parameters, else the files in
 * ~/.postgresql/ when they exist. `needRoot` (verify-ca, verify-full) makes
 * a missing root file an error, as in libpq.
 */
export function loadClientTls(t: Target, opts: { needRoot: boolean; home?: string }): ClientTlsFiles {
  const dir = join(opts.home ?? homedir(), '.postgresql');
  const p = t.params;
  const out: ClientTlsFiles = { useSystemRoots: p.sslrootcert === 'system' };
  if (!out.useSystemRoots) {
    const caPath = p.sslrootcert ?? join(dir, 'root.crt');
    if (p.sslrootcert !== undefined || existsSync(caPath)) {
      if (!existsSync(caPath)) {
        if (opts.needRoot) {
          throw new ConnectionError('bad-input', `root certificate file "${caPath}" does not exist: name the CA certificate that signed the server's (sslrootcert=FILE), or use sslrootcert=system for the platform's trusted roots`);
        }
      } else {
        out.ca = readInput(caPath, 'root certificate file');
        out.caPath = caPath;
      }
    } else if (opts.needRoot) {
      throw new ConnectionError('bad-input', `no root certificate to verify the server with: give sslrootcert=FILE (or put it at ${caPath})`);
    }
  }
  const crlPath = p.sslcrl ?? join(dir, 'root.crl');
  if (p.sslcrl !== undefined || existsSync(crlPath)) out.crl = readInput(crlPath, 'certificate revocation list');
  const certPath = p.sslcert ?? join(dir, 'postgresql.crt');
  if (p.sslcert !== undefined || existsSync(certPath)) {
    const keyPath = p.sslkey ?? join(dir, 'postgresql.key');
    out.cert = readInput(certPath, 'client certificate');
    if (!existsSync(keyPath)) throw new ConnectionError('bad-input', `client certificate "${certPath}" given, but no private key file "${keyPath}" (sslkey=FILE)`);
    const problem = keyFileProblem(keyPath);
    if (problem) throw new ConnectionError('bad-input', problem);
    out.key = readInput(keyPath, 'client key');
    out.certPath = certPath;
    out.keyPath = keyPath;
    out.passphrase = p.sslpassword;
  } else if (p.sslkey !== undefined) {
    throw new ConnectionError('bad-input', `sslkey "${p.sslkey}" given without a client certificate (sslcert=FILE)`);
  }
  return out;
}

function tlsVersion(v: string | undefined, what: string): SecureVersion | undefined {
  if (v === undefined || v === '') return undefined;
  if (!['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'].includes(v)) throw new ConnectionError('bad-input', `${what}: "${v}" is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3`);
  return v as SecureVersion;
}

/** node:tls options for a target's sslmode; verify-full checks the certificate names `host`. */
function tlsOptions(t: Target, f: ClientTlsFiles): ConnectionOptions {
  const verifyChain = t.sslmode === 'verify-ca' || t.sslmode === 'verify-full' || f.ca !== undefined;
  return {
    ca: f.ca,
    cert: f.cert,
    key: f.key,
    passphrase: f.passphrase,
    crl: f.crl,
    servername: isIP(t.host) ? undefined : t.host, // SNI carries names only (RFC 6066 3)
    rejectUnauthorized: verifyChain,
    // libpq checks the name only under verify-full; then against host, not hostaddr.
    checkServerIdentity: (_name, cert) => (t.sslmode === 'verify-full' ? checkServerIdentity(t.host, cert) : undefined),
    minVersion: tlsVersion(t.params.sslMinProtocolVersion, 'ssl_min_protocol_version') ?? 'TLSv1.2',
    maxVersion: tlsVersion(t.params.sslMaxProtocolVersion, 'ssl_max_protocol_version'),
  };
}

/** A result-set row: column name to value as node-postgres decodes it. */
export type Row = Record<string, unknown>;

/** A query the server refused; `sqlState` as in Appendix A (42501: insufficient privilege). */
export class QueryError extends Error {
  override name = 'QueryError';
  constructor(message: string, readonly sqlState: string) {
    super(message);
  }
}

/** An open connection; the rest of the tool sees only this, never `pg`. */
export interface Session {
  readonly target: Target;
  /** The negotiated TLS when the connection is encrypted. */
  readonly tls: TlsInfo | undefined;
  /** Run one statement (with $1.. parameters when `values` is given); resolves to its rows. */
  query<R extends Row = Row>(sql: string, values?: unknown[]): Promise<R[]>;
  end(): Promise<void>;
}

/** How connect() behaves beyond the parameters. */
export interface ConnectOptions {
  /** Asked when the server wants a password that neither --connect, PGPASSWORD nor the password file gives. */
  askPassword?: () => Promise<string>;
  /** Connection timeout in ms when connect_timeout is not set; default 10 s. */
  timeoutMs?: number;
  /** Home directory for ~/.postgresql and ~/.pgpass (tests). */
  home?: string;
  /** The byte stream to talk over instead of a socket of our own (a relay running as another OS user). */
  stream?: () => Duplex;
}

function passwordFinder(t: Target, opts: ConnectOptions): () => Promise<string> {
  return async () => {
    if (t.params.password !== undefined) return t.params.password;
    const file = t.params.passfile ?? join(opts.home ?? homedir(), '.pgpass');
    let note = '';
    if (existsSync(file)) {
      if ((statSync(file).mode & 0o077) !== 0) note = ` (${file} was not read: group or world can read it; chmod 600 it)`;
      else {
        const found = lookupPassfile(readFileSync(file, 'utf8'), t);
        if (found !== undefined) return found;
      }
    }
    if (opts.askPassword) return opts.askPassword();
    throw new ConnectionError('password-required', `the server asks for a password for role "${t.user}" and none was given: set PGPASSWORD, add it to ~/.pgpass, or put password=... in --connect${note}`);
  };
}

async function open(t: Target, ssl: ConnectionOptions | false, opts: ConnectOptions): Promise<Session> {
  const client = new pg.Client({
    host: t.kind === 'socket' ? t.host : t.address,
    port: t.port,
    user: t.user,
    database: t.dbname,
    password: passwordFinder(t, opts),
    ssl,
    connectionTimeoutMillis: t.params.connectTimeout ? t.params.connectTimeout * 1000 : opts.timeoutMs ?? 10_000,
    application_name: t.params.applicationName ?? 'pg-secure-setup',
    options: t.params.options,
    ...(opts.stream ? { stream: opts.stream } : {}),
  });
  // A connection that dies later fails the next query; without this listener it would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw classifyConnectError(err, targetLabel(t));
  }
  const stream = (client as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  const tls = stream instanceof TLSSocket ? tlsInfo(stream, t.host) : undefined;
  return {
    target: t,
    tls,
    async query<R extends Row = Row>(sql: string, values?: unknown[]): Promise<R[]> {
      try {
        const res = await client.query(sql, values);
        return res.rows as R[];
      } catch (err) {
        const e = err as { code?: string; message: string };
        if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) throw new QueryError(e.message, e.code);
        throw classifyConnectError(err, targetLabel(t));
      }
    },
    end: () => client.end().catch(() => undefined),
  };
}

/**
 * Connect as libpq would: a Unix socket without TLS; over TCP, sslmode
 * decides (prefer tries TLS then plaintext, allow the reverse, require and
 * the verify modes insist). Throws ConnectionError with a message to act on.
 */
export async function connect(req: ConnectionRequest | Target = {}, opts: ConnectOptions = {}): Promise<Session> {
  const t = 'address' in req ? req : resolveConnection(req);
  if (t.kind === 'socket' || t.sslmode === 'disable') return open(t, false, opts);
  const ssl = tlsOptions(t, loadClientTls(t, { needRoot: t.sslmode.startsWith('verify'), home: opts.home }));
  const attempts: (ConnectionOptions | false)[] = t.sslmode === 'prefer' ? [ssl, false] : t.sslmode === 'allow' ? [false, ssl] : [ssl];
  for (let i = 0; ; i++) {
    try {
      return await open(t, attempts[i]!, opts);
    } catch (err) {
      const ce = err as ConnectionError;
      const retry = i + 1 < attempts.length && (attempts[i] ? ce.kind === 'ssl-off' || ce.kind === 'hba-rejected' : ce.kind === 'ssl-required' || ce.kind === 'hba-rejected');
      if (!retry) throw err;
    }
  }
}

/** What the tool needs to know about a running server. */
export interface ServerFacts {
  /** server_version_num, e.g. 150004. */
  versionNum: number;
  /** Major version, e.g. 15. */
  major: number;
  /** server_version, e.g. "15.4 (Debian 15.4-1)". */
  version: string;
  /** Undefined when the role may not read them (superuser or pg_read_all_settings needed). */
  dataDirectory?: string;
  configFile?: string;
  hbaFile?: string;
  ssl: boolean;
  passwordEncryption: string;
  /** scram_iterations (PostgreSQL 16+); undefined before. */
  scramIterations?: number;
  currentUser: string;
  isSuperuser: boolean;
  /** CREATEROLE: may set other roles' passwords (not superusers'). */
  canCreateRole: boolean;
  /** Every setting read, by name (SSL files, ssl_min_protocol_version, listen_addresses, ...). */
  settings: Record<string, string>;
}

const FACT_SETTINGS = [
  'server_version_num', 'server_version', 'data_directory', 'config_file', 'hba_file', 'ident_file', 'ssl', 'ssl_cert_file',
  'ssl_key_file', 'ssl_ca_file', 'ssl_crl_file', 'ssl_min_protocol_version', 'ssl_max_protocol_version', 'ssl_ciphers',
  'password_encryption', 'scram_iterations', 'listen_addresses', 'port', 'unix_socket_directories', 'krb_server_keyfile',
];

/** Read the facts. pg_settings hides superuser-only settings from other roles instead of failing. */
export async function serverFacts(s: Session): Promise<ServerFacts> {
  const rows = await s.query<{ name: string; setting: string }>('SELECT name, setting FROM pg_catalog.pg_settings WHERE name = ANY($1)', [FACT_SETTINGS]);
  const settings = Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  const [me] = await s.query<CurrentRoleRow>(QUERIES.currentRole);
  const versionNum = Number(settings.server_version_num);
  return {
    versionNum,
    major: Math.floor(versionNum / 10000),
    version: settings.server_version ?? '',
    dataDirectory: settings.data_directory,
    configFile: settings.config_file,
    hbaFile: settings.hba_file,
    ssl: settingIsOn(settings.ssl ?? 'off'),
    passwordEncryption: settings.password_encryption ?? '',
    scramIterations: settings.scram_iterations ? Number(settings.scram_iterations) : undefined,
    currentUser: me?.user ?? s.target.user,
    isSuperuser: me?.super ?? false,
    canCreateRole: me?.createrole ?? false,
    settings,
  };
}

/** Throw a clear not-superuser error (exit 2) unless the connected role is one. */
export function requireSuperuser(facts: ServerFacts, forWhat: string): void {
  if (facts.isSuperuser) return;
  throw new ConnectionError('not-superuser', `${forWhat} needs a superuser, and "${facts.currentUser}" is not one: connect as one (e.g. --connect "user=postgres")`);
}

/** Roles whose stored password is still an MD5 hash (pg_authid: superuser only). */
export async function md5Roles(s: Session): Promise<string[]> {
  try {
    const rows = await s.query<{ rolname: string }>(QUERIES.md5Roles);
    return rows.map((r) => r.rolname);
  } catch (err) {
    if (err instanceof QueryError && err.sqlState === '42501') {
      throw new ConnectionError('not-superuser', `reading stored passwords (pg_authid) needs a superuser, and "${s.target.user}" is not one`);
    }
    throw err;
  }
}

/** An SQL identifier, always double-quoted (SQL Syntax, 4.1.1 Identifiers and Key Words). */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new ConnectionError('bad-input', 'a name cannot contain a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string constant (4.1.2.1): single quotes doubled; standard_conforming_strings is on from 9.1. */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new ConnectionError('bad-input', 'a string cannot contain a NUL character');
  return `'${text.replace(/'/g, "''")}'`;
}
