/**
 * Connection parameters as libpq reads them: keyword/value conninfo strings
 * and URIs (libpq 32.1.1 Connection Strings, 32.1.2 Parameter Key Words),
 * PG* environment variables (32.15) and the password file (32.16). Pure: no
 * I/O; file checks come in as functions so tests can drive them.
 */
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

/** libpq sslmode values (32.19.3 Protection Provided in Different Modes). */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** What a connection string or the environment says; every field optional. */
export interface ConnParams {
  /** Host name, IP address, or a Unix-socket directory (starts with '/'). */
  host?: string;
  /** Numeric address to connect to; `host` is then only used to check the certificate. */
  hostaddr?: string;
  port?: number;
  user?: string;
  dbname?: string;
  password?: string;
  passfile?: string;
  sslmode?: SslMode;
  /** A file, or 'system' for the platform's trusted roots (libpq 16+). */
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  sslpassword?: string;
  sslcrl?: string;
  /** Seconds. */
  connectTimeout?: number;
  applicationName?: string;
  options?: string;
  sslMinProtocolVersion?: string;
  sslMaxProtocolVersion?: string;
}

/** Keywords we act on, with the ConnParams field each sets. */
const KEYWORDS: Record<string, keyof ConnParams> = {
  host: 'host',
  hostaddr: 'hostaddr',
  port: 'port',
  dbname: 'dbname',
  user: 'user',
  password: 'password',
  passfile: 'passfile',
  sslmode: 'sslmode',
  sslrootcert: 'sslrootcert',
  sslcert: 'sslcert',
  sslkey: 'sslkey',
  sslpassword: 'sslpassword',
  sslcrl: 'sslcrl',
  connect_timeout: 'connectTimeout',
  application_name: 'applicationName',
  options: 'options',
  ssl_min_protocol_version: 'sslMinProtocolVersion',
  ssl_max_protocol_version: 'sslMaxProtocolVersion',
};

/** libpq keywords that change nothing this tool checks: accepted and not used. */
const IGNORED = new Set([
  'client_encoding', 'fallback_application_name', 'keepalives', 'keepalives_idle', 'keepalives_interval',
  'keepalives_count', 'tcp_user_timeout', 'gssencmode', 'sslcompression', 'sslsni', 'target_session_attrs',
]);

/** The environment variables of libpq 32.15 that we honour. */
const ENV: Record<string, keyof ConnParams> = {
  PGHOST: 'host',
  PGHOSTADDR: 'hostaddr',
  PGPORT: 'port',
  PGDATABASE: 'dbname',
  PGUSER: 'user',
  PGPASSWORD: 'password',
  PGPASSFILE: 'passfile',
  PGSSLMODE: 'sslmode',
  PGSSLROOTCERT: 'sslrootcert',
  PGSSLCERT: 'sslcert',
  PGSSLKEY: 'sslkey',
  PGSSLCRL: 'sslcrl',
  PGCONNECT_TIMEOUT: 'connectTimeout',
  PGAPPNAME: 'applicationName',
  PGOPTIONS: 'options',
  PGSSLMINPROTOCOLVERSION: 'sslMinProtocolVersion',
  PGSSLMAXPROTOCOLVERSION: 'sslMaxProtocolVersion',
};

function bad(source: string, message: string): never {
  throw new UsageError(`${source}: ${message}`);
}

/** Set one keyword, checking the values that have a fixed form; `lenient` passes over keywords we do not act on. */
function setKeyword(out: ConnParams, key: string, value: string, source: string, lenient = false): void {
  const field = KEYWORDS[key];
  if (!field) {
    if (IGNORED.has(key) || lenient) return;
    bad(source, `connection option "${key}" is not supported here (supported: ${Object.keys(KEYWORDS).join(', ')})`);
  }
  if (field === 'port') {
    if (value.includes(',')) bad(source, 'several ports: give one server');
    const port = Number(value);
    if (!/^\d+$/.test(value) || port < 1 || port > 65535) bad(source, `invalid port "${value}"`);
    out.port = port;
  } else if (field === 'connectTimeout') {
    if (!/^\d+$/.test(value)) bad(source, `invalid connect_timeout "${value}" (whole seconds)`);
    out.connectTimeout = Number(value);
  } else if (field === 'sslmode') {
    if (!(SSL_MODES as readonly string[]).includes(value)) bad(source, `invalid sslmode "${value}" (one of ${SSL_MODES.join(', ')})`);
    out.sslmode = value as SslMode;
  } else {
    if ((field === 'host' || field === 'hostaddr') && value.includes(',')) bad(source, `several hosts in "${value}": give one server`);
    if (field === 'hostaddr' && value !== '' && !isIP(value)) bad(source, `hostaddr "${value}" is not a numeric IP address`);
    out[field] = value;
  }
}

/** Keyword/value form: `host=db port=5432 user='a b'` (backslash escapes, single quotes). */
function parseKeywordValue(text: string, source: string, lenient = false): ConnParams {
  const out: ConnParams = {};
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  while (true) {
    ws();
    if (i >= text.length) return out;
    const start = i;
    while (i < text.length && text[i] !== '=' && !/\s/.test(text[i]!)) i++;
    const key = text.slice(start, i);
    ws();
    if (text[i] !== '=') bad(source, `missing "=" after "${key}" in connection string`);
    i++;
    ws();
    let value = '';
    if (text[i] === "'") {
      i++;
      while (true) {
        if (i >= text.length) bad(source, 'unterminated quoted string in connection string');
        const ch = text[i]!;
        if (ch === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (ch === "'") {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
    }
    setKeyword(out, key, value, source, lenient);
  }
}

function decode(part: string, source: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return bad(source, `bad percent-encoding in "${part}"`);
  }
}

/** URI form: postgresql://[user[:password]@][host][:port][/dbname][?param=value&...] */
function parseUri(text: string, source: string, lenient = false): ConnParams {
  const out: ConnParams = {};
  let rest = text.replace(/^postgres(?:ql)?:\/\//, '');
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  if (q >= 0) rest = rest.slice(0, q);
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  if (slash >= 0 && rest.length > slash + 1) out.dbname = decode(rest.slice(slash + 1), source);
  const at = authority.lastIndexOf('@');
  const hostPart = at >= 0 ? authority.slice(at + 1) : authority;
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    const user = colon >= 0 ? userInfo.slice(0, colon) : userInfo;
    if (user) out.user = decode(user, source);
    if (colon >= 0) out.password = decode(userInfo.slice(colon + 1), source);
  }
  if (hostPart.includes(',')) bad(source, 'several hosts in the URI: give one server');
  const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPart);
  if (!m) bad(source, `cannot read host and port from "${hostPart}"`);
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : decode(m[1]!, source);
  if (host) out.host = host;
  if (m[2] !== undefined && m[2] !== '') setKeyword(out, 'port', m[2], source);
  for (const pair of query ? query.split('&') : []) {
    const eq = pair.indexOf('=');
    if (eq < 0) bad(source, `missing "=" in URI parameter "${pair}"`);
    const key = decode(pair.slice(0, eq), source);
    const value = decode(pair.slice(eq + 1).replace(/\+/g, ' '), source);
    // JDBC habit that libpq accepts in URIs: ssl=true means sslmode=require.
    if (key === 'ssl' && value === 'true') out.sslmode = 'require';
    else setKeyword(out, key, value, source, lenient);
  }
  return out;
}

/**
 * Read a `--connect` value: a URI (postgresql:// or postgres://) or a
 * keyword/value string. `lenient`: keywords we do not act on are passed
 * over, as in a server's primary_conninfo (pg_basebackup -R writes them all).
 */
export function parseConnString(text: string, source = '--connect', lenient = false): ConnParams {
  const trimmed = text.trim();
  if (/^postgres(?:ql)?:\/\//.test(trimmed)) return parseUri(trimmed, source, lenient);
  if (/^[a-z]+:\/\//i.test(trimmed)) bad(source, 'a URI must start with postgresql:// or postgres://');
  if (trimmed !== '' && !trimmed.includes('=')) bad(source, `"${trimmed}" is neither a URI nor keyword=value pairs (e.g. "host=db.example.com user=postgres")`);
  return parseKeywordValue(trimmed, source, lenient);
}

/** The PG* variables that are set (empty ones count as unset, as in libpq). */
export function paramsFromEnv(env: NodeJS.ProcessEnv): ConnParams {
  const out: ConnParams = {};
  for (const [name, field] of Object.entries(ENV)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const keyword = Object.entries(KEYWORDS).find(([, f]) => f === field)![0];
    setKeyword(out, keyword, value, name);
  }
  return out;
}

/** Later sources win, field by field (libpq: connection string over environment over defaults). */
export function mergeParams(...sources: ConnParams[]): ConnParams {
  const out: ConnParams = {};
  for (const s of sources) {
    for (const [k, v] of Object.entries(s)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** A connection target with every default filled in. */
export interface Target {
  /** 'socket' for a Unix-domain socket, 'tcp' otherwise. */
  kind: 'socket' | 'tcp';
  /** Socket directory, host name, or IP address as given. */
  host: string;
  /** Address actually dialled: hostaddr when given, else host. */
  address: string;
  port: number;
  user: string;
  dbname: string;
  sslmode: SslMode;
  params: ConnParams;
}

/** Where to look for the server's socket when no host is given: Debian's directory first, then upstream's. */
export const SOCKET_DIRS = ['/var/run/postgresql', '/tmp'] as const;

/**
 * Fill in libpq's defaults: port 5432, the OS user, dbname = user, sslmode
 * prefer, and with no host the first socket directory that holds the
 * server's socket (else the first one, so the error names it).
 */
export function resolveTarget(p: ConnParams, opts: { osUser: string; socketExists: (path: string) => boolean; socketDirs?: readonly string[] }): Target {
  const port = p.port ?? 5432;
  const user = p.user ?? opts.osUser;
  let host = p.host;
  if (!host && !p.hostaddr) {
    const dirs = opts.socketDirs ?? SOCKET_DIRS;
    host = dirs.find((d) => opts.socketExists(socketPath(d, port))) ?? dirs[0]!;
  }
  const kind = host && host.startsWith('/') && !p.hostaddr ? 'socket' : 'tcp';
  // Secrets stay out of JSON.stringify and console.log of a target.
  const params: ConnParams = { ...p };
  for (const key of ['password', 'sslpassword'] as const) {
    if (params[key] !== undefined) Object.defineProperty(params, key, { value: params[key], enumerable: false, writable: true, configurable: true });
  }
  return {
    kind,
    host: host || p.hostaddr!,
    address: p.hostaddr || host!,
    port,
    user,
    dbname: p.dbname ?? user,
    sslmode: p.sslmode ?? 'prefer',
    params,
  };
}

/** The socket file a server on `port` creates in `dir`. */
export function socketPath(dir: string, port: number): string {
  return `${dir.replace(/\/$/, '')}/.s.PGSQL.${port}`;
}

/** "127.0.0.1:5432" or "/var/run/postgresql/.s.PGSQL.5432", plus hostaddr when it differs. */
export function describeTarget(t: Target): string {
  if (t.kind === 'socket') return `socket ${socketPath(t.host, t.port)}`;
  const host = isIP(t.host) === 6 ? `[${t.host}]` : t.host;
  return t.address !== t.host ? `${host}:${t.port} (address ${t.address})` : `${host}:${t.port}`;
}

/**
 * Find the password for a target in a password file's text (32.16): lines of
 * hostname:port:database:username:password, `*` matches anything, `\:` and
 * `\\` escape. A socket in the default directory matches "localhost".
 */
export function lookupPassfile(text: string, t: Pick<Target, 'kind' | 'host' | 'port' | 'dbname' | 'user'>, defaultSocketDirs: readonly string[] = SOCKET_DIRS): string | undefined {
  const host = t.kind === 'socket' && defaultSocketDirs.includes(t.host.replace(/\/$/, '')) ? 'localhost' : t.host;
  const want = [host, String(t.port), t.dbname, t.user];
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const fields: string[] = [];
    let field = '';
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (ch === '\\' && i + 1 < line.length) field += line[++i];
      else if (ch === ':' && fields.length < 4) {
        fields.push(field);
        field = '';
      } else field += ch;
    }
    fields.push(field);
    if (fields.length < 5) continue;
    if (want.every((w, i) => fields[i] === '*' || fields[i] === w)) return fields[4];
  }
  return undefined;
}
