/**
 * Why a connection failed, in words an administrator can act on. Exit code
 * 2 where the user's input is at fault (credentials, names, files), 1 where
 * the server or the network is.
 */
import { UsageError } from '../errors.js';

/** What went wrong, for callers that branch on it (audit falls back to files on some). */
export type ConnectionErrorKind =
  | 'refused' // nothing listens there
  | 'unreachable' // timeout, no route
  | 'host-unknown' // the name does not resolve
  | 'bad-input' // a file we were given cannot be used
  | 'password-required' // the server asks for a password and none was given
  | 'auth-failed' // password, peer, or certificate authentication failed
  | 'no-database' // the database does not exist
  | 'hba-rejected' // no pg_hba.conf rule lets this connection in
  | 'ssl-required' // pg_hba.conf lets it in only over TLS
  | 'ssl-off' // the server does not speak TLS
  | 'cert-untrusted' // the server certificate does not chain to the root we trust
  | 'host-mismatch' // the server certificate does not name the host
  | 'cert-expired'
  | 'client-cert-required'
  | 'client-cert-rejected'
  | 'not-superuser'
  | 'server-unavailable' // starting up, shutting down, too many connections
  | 'other';

const USER_INPUT: ReadonlySet<ConnectionErrorKind> = new Set(['host-unknown', 'bad-input', 'password-required', 'auth-failed', 'no-database', 'not-superuser']);

/**
 * A failed connection or a missing privilege. Extends UsageError so the CLI
 * prints the message without a stack; commands return `status` as the exit
 * code (see exitCodeFor), since UsageError's own exitCode is always 2.
 */
export class ConnectionError extends UsageError {
  override name = 'ConnectionError';
  /** 2: fix your input; 1: fix the server or network. */
  readonly status: 1 | 2;
  constructor(
    readonly kind: ConnectionErrorKind,
    message: string,
    readonly detail: { sqlState?: string; serverMessage?: string; code?: string } = {},
  ) {
    super(message);
    this.status = USER_INPUT.has(kind) ? 2 : 1;
  }
}

/** The exit code a command should return for an error: ConnectionError.status, UsageError 2, else 1. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ConnectionError) return err.status;
  if (err instanceof UsageError) return err.exitCode;
  return 1;
}

/** Node's certificate verification codes that mean "not signed by the root you gave". */
export const UNTRUSTED_CODES: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'INVALID_CA',
]);

interface ErrorLike {
  code?: string;
  message?: string;
  severity?: string;
}

/**
 * Turn an error from node-postgres, node:net or node:tls into a
 * ConnectionError. `where` names the target ("127.0.0.1:5432 as alice").
 */
export function classifyConnectError(err: unknown, where: string): ConnectionError {
  if (err instanceof ConnectionError) return err;
  const e = (err ?? {}) as ErrorLike;
  const code = e.code ?? '';
  const msg = e.message ?? String(err);
  const isServer = typeof e.severity === 'string' && /^[0-9A-Z]{5}$/.test(code);
  if (isServer) return fromServer(code, msg, where);
  const net = { code };
  switch (code) {
    case 'ECONNREFUSED':
      return new ConnectionError('refused', `connection refused at ${where}: is the server running, and listening there (listen_addresses, port)?`, net);
    case 'ENOENT':
      return new ConnectionError('refused', `no server socket at ${where}: is the server running? Give --connect "host=... port=..." if it listens elsewhere.`, net);
    case 'EACCES':
      return new ConnectionError('refused', `permission denied opening ${where}`, net);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError('host-unknown', `cannot resolve the host name in ${where}`, net);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ConnectionError('unreachable', `cannot reach ${where} (${code})`, net);
    case 'ECONNRESET':
      return new ConnectionError('other', `the server closed the connection at ${where} (${code})`, net);
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new ConnectionError('host-mismatch', `the server certificate at ${where} does not name this host: ${msg}`, net);
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return new ConnectionError('cert-expired', `the server certificate at ${where} is not valid now (${code})`, net);
  }
  if (UNTRUSTED_CODES.has(code)) {
    return new ConnectionError('cert-untrusted', `the server certificate at ${where} does not chain to the root certificate given (${code}): check sslrootcert`, net);
  }
  if (/does not support SSL/i.test(msg)) {
    return new ConnectionError('ssl-off', `the server at ${where} does not accept TLS (ssl = off?)`, net);
  }
  if (/alert (certificate revoked|bad certificate|unknown ca|certificate expired|certificate unknown|certificate required)/i.test(msg)) {
    return new ConnectionError('client-cert-rejected', `the server rejected the client certificate at ${where}: ${msg}`, net);
  }
  if (/timeout/i.test(msg)) return new ConnectionError('unreachable', `timed out connecting to ${where}`, net);
  return new ConnectionError('other', `cannot connect to ${where}: ${msg}`, net);
}

/** Errors the server sent (SQLSTATE, libpq 32 / Appendix A error codes). */
function fromServer(sqlState: string, msg: string, where: string): ConnectionError {
  const d = { sqlState, serverMessage: msg };
  if (sqlState === '28P01' || /authentication failed/i.test(msg)) {
    return new ConnectionError('auth-failed', `${msg} (${where})`, d);
  }
  if (sqlState === '28000') {
    if (/requires a valid client certificate/.test(msg)) {
      return new ConnectionError('client-cert-required', `${msg}: give --connect "sslcert=... sslkey=..." (${where})`, d);
    }
    if (/(no pg_hba\.conf entry|pg_hba\.conf rejects connection).*no encryption/.test(msg)) {
      return new ConnectionError('ssl-required', `the server accepts this connection only over TLS: use sslmode=verify-full (${msg})`, d);
    }
    if (/role .* does not exist/.test(msg)) return new ConnectionError('auth-failed', `${msg} (${where})`, d);
    return new ConnectionError('hba-rejected', `the server's pg_hba.conf refuses this connection: ${msg}`, d);
  }
  if (sqlState === '3D000') return new ConnectionError('no-database', `${msg}: name another with dbname= in --connect`, d);
  if (sqlState === '57P03' || sqlState === '53300' || sqlState.startsWith('57')) {
    return new ConnectionError('server-unavailable', `the server at ${where} cannot take the connection now: ${msg}`, d);
  }
  if (sqlState === '42501') return new ConnectionError('not-superuser', `${msg} (${where})`, d);
  return new ConnectionError('other', `${msg} (${where}, SQLSTATE ${sqlState})`, d);
}
