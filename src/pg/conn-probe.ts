/**
 * Ask a server how it treats a connection without logging in: the start of
 * the frontend/backend protocol (Frontend/Backend Protocol, "Message Flow:
 * Start-up" and "SSL Session Encryption"), spoken directly over node:net
 * and node:tls. The server's first answer to a StartupMessage tells whether
 * pg_hba.conf let the connection through (an authentication request) or
 * refused it (an ErrorResponse), and no password is ever needed or sent.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type DetailedPeerCertificate, type SecureVersion, type TLSSocket } from 'node:tls';

/** TLS material and policy for a probe. */
export interface ProbeTls {
  /** Trusted roots, PEM; undefined means the platform's trusted roots. */
  ca?: string | Buffer;
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
  crl?: Buffer;
  /** The name the certificate must carry (a host name or IP); undefined checks no name (verify-ca). */
  verifyName?: string;
  /** Stop after the handshake unless the chain (and name) verified. */
  verify: boolean;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
}

/** What the handshake showed. */
export interface TlsInfo {
  /** e.g. "TLSv1.3". */
  protocol: string;
  /** OpenSSL/IANA cipher suite name, e.g. "TLS_AES_256_GCM_SHA384". */
  cipher: string;
  /** PEM certificates, leaf first, as Node assembled the chain (ends at the trusted root when it verified). */
  chainPem: string[];
  /** The chain verified against the given roots. */
  authorized: boolean;
  /** Node's verification code when it did not, e.g. "UNABLE_TO_VERIFY_LEAF_SIGNATURE". */
  authorizationError?: string;
  /** Why the certificate does not carry verifyName, when it does not. */
  nameError?: string;
}

/** Authentication the server asked for (AuthenticationRequest codes); "ok" means trust. */
export type AuthRequest = 'ok' | 'password' | 'md5' | 'gss' | 'sspi' | 'sasl' | 'other';

/** The server's first answer. */
export type StartupOutcome =
  | { kind: 'authentication'; method: AuthRequest; mechanisms?: string[] }
  | { kind: 'rejected'; sqlState: string; message: string }
  | { kind: 'ssl-refused' }
  | { kind: 'tls-failed'; code: string; message: string }
  | { kind: 'closed'; code: string; message: string }
  | { kind: 'handshake-only' };

export interface ProbeResult {
  tls?: TlsInfo;
  outcome: StartupOutcome;
}

export interface ProbeOptions {
  /** Address to dial (an IP or a resolvable name). */
  address: string;
  port: number;
  /** false: plaintext. */
  ssl: ProbeTls | false;
  /** Send a StartupMessage and report the first answer; without it the probe ends after the handshake. */
  startup?: { user: string; database: string };
  timeoutMs?: number;
}

const SSL_REQUEST_CODE = 80877103;
const PROTOCOL_3_0 = 196608;

function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

/** The peer chain as PEM, leaf first, stopping at a self-issued certificate. */
export function peerChainPem(socket: TLSSocket): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(toPem(cert.raw));
    if (cert.issuerCertificate === cert) break;
    cert = cert.issuerCertificate;
  }
  return out;
}

/** Bytes from a socket on demand; errors and EOF surface on the next read. */
function reader(stream: Socket) {
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let ended = false;
  const onData = (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  };
  const onError = (e: Error) => {
    failure = e;
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  stream.on('data', onData).on('error', onError).on('close', onEnd).on('end', onEnd);
  return {
    async take(n: number): Promise<Buffer> {
      while (buf.length < n) {
        if (failure) throw failure;
        if (ended) throw Object.assign(new Error('the server closed the connection'), { code: 'ECONNRESET' });
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    },
    detach() {
      stream.off('data', onData).off('error', onError).off('close', onEnd).off('end', onEnd);
    },
  };
}

function startupMessage(user: string, database: string): Buffer {
  const body = Buffer.from(`user\0${user}\0database\0${database}\0application_name\0pg-secure-setup\0\0`, 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(PROTOCOL_3_0, 4);
  return Buffer.concat([head, body]);
}

/** ErrorResponse fields: a type byte, then a NUL-terminated string, until a zero byte. */
function errorFields(body: Buffer): { sqlState: string; message: string } {
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const type = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    fields[type] = body.toString('utf8', i + 1, end < 0 ? body.length : end);
    i = end < 0 ? body.length : end + 1;
  }
  return { sqlState: fields.C ?? '', message: fields.M ?? '' };
}

const AUTH_CODES: Record<number, AuthRequest> = { 0: 'ok', 3: 'password', 5: 'md5', 7: 'gss', 9: 'sspi', 10: 'sasl' };

async function readFirstAnswer(r: ReturnType<typeof reader>): Promise<StartupOutcome> {
  for (;;) {
    const head = await r.take(5);
    const type = String.fromCharCode(head[0]!);
    const body = await r.take(head.readInt32BE(1) - 4);
    if (type === 'E') return { kind: 'rejected', ...errorFields(body) };
    if (type === 'R') {
      const method = AUTH_CODES[body.readInt32BE(0)] ?? 'other';
      if (method !== 'sasl') return { kind: 'authentication', method };
      const mechanisms = body.toString('utf8', 4).split('\0').filter(Boolean);
      return { kind: 'authentication', method, mechanisms };
    }
    // NegotiateProtocolVersion or a notice: read on.
  }
}

async function handshake(raw: Socket, t: ProbeTls): Promise<{ socket: TLSSocket; info: TlsInfo } | { error: NodeJS.ErrnoException }> {
  const name = t.verifyName;
  const socket = tlsConnect({
    socket: raw,
    ca: t.ca,
    cert: t.cert,
    key: t.key,
    passphrase: t.passphrase,
    crl: t.crl,
    // SNI carries names only (RFC 6066 3).
    servername: name && !isIP(name) ? name : undefined,
    rejectUnauthorized: false, // decided below, after the chain has been read for the report
    checkServerIdentity: () => undefined,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
  });
  socket.on('error', () => undefined); // see probe(): late errors are not ours to report
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve({ error });
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      resolve({ socket, info: tlsInfo(socket, name) });
    });
  });
}

/** Read what a finished handshake negotiated; `name` is checked against the certificate when given. */
export function tlsInfo(socket: TLSSocket, name: string | undefined): TlsInfo {
  const peer = socket.getPeerCertificate(true);
  const nameError = name !== undefined && peer.raw ? checkServerIdentity(name, peer)?.message : undefined;
  const authError = socket.authorizationError as unknown as NodeJS.ErrnoException | string | null | undefined;
  const cipher = socket.getCipher();
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: cipher.standardName ?? cipher.name,
    chainPem: peerChainPem(socket),
    authorized: socket.authorized,
    authorizationError: authError ? String(typeof authError === 'string' ? authError : authError.code ?? authError.message) : undefined,
    nameError,
  };
}

/**
 * Dial, optionally negotiate TLS, optionally send a StartupMessage, and
 * report what the server did. Rejects only on network errors (refused,
 * unresolvable, timeout); everything the server decides is an outcome.
 */
export async function probe(opts: ProbeOptions): Promise<ProbeResult> {
  const raw = netConnect({ host: opts.address, port: opts.port });
  // Errors reach the pending read or handshake through their own listeners;
  // this one only keeps a late error (after we are done) from being unhandled.
  raw.on('error', () => undefined);
  const state = { current: raw as Socket, timedOut: false };
  const timer = setTimeout(() => {
    state.timedOut = true;
    state.current.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
  }, opts.timeoutMs ?? 10_000);
  try {
    const result = await converse(raw, opts, state);
    if (state.timedOut) throw Object.assign(new Error(`timed out talking to ${opts.address}:${opts.port}`), { code: 'ETIMEDOUT' });
    return result;
  } catch (err) {
    if (state.timedOut) throw Object.assign(new Error(`timed out talking to ${opts.address}:${opts.port}`), { code: 'ETIMEDOUT' });
    throw err;
  } finally {
    clearTimeout(timer);
    state.current.end();
    state.current.destroy();
    raw.destroy();
  }
}

async function converse(raw: Socket, opts: ProbeOptions, state: { current: Socket }): Promise<ProbeResult> {
  await new Promise<void>((resolve, reject) => {
    raw.once('connect', () => {
      raw.off('error', reject);
      resolve();
    });
    raw.once('error', reject);
  });
  let tls: TlsInfo | undefined;
  if (opts.ssl) {
    const request = Buffer.alloc(8);
    request.writeInt32BE(8, 0);
    request.writeInt32BE(SSL_REQUEST_CODE, 4);
    const r = reader(raw);
    raw.write(request);
    const answer = String.fromCharCode((await r.take(1))[0]!);
    r.detach();
    if (answer === 'N') return { outcome: { kind: 'ssl-refused' } };
    if (answer !== 'S') return { outcome: { kind: 'closed', code: 'EPROTO', message: `unexpected answer "${answer}" to SSLRequest` } };
    const hs = await handshake(raw, opts.ssl);
    if ('error' in hs) return { outcome: { kind: 'tls-failed', code: hs.error.code ?? 'TLS', message: hs.error.message } };
    state.current = hs.socket;
    tls = hs.info;
    if (opts.ssl.verify && (!tls.authorized || tls.nameError)) {
      const code = !tls.authorized ? tls.authorizationError ?? 'CERT_UNTRUSTED' : 'ERR_TLS_CERT_ALTNAME_INVALID';
      return { tls, outcome: { kind: 'tls-failed', code, message: tls.nameError ?? `certificate verification failed: ${code}` } };
    }
  }
  if (!opts.startup) return { tls, outcome: { kind: 'handshake-only' } };
  const current = state.current;
  const r = reader(current);
  current.write(startupMessage(opts.startup.user, opts.startup.database));
  try {
    const outcome = await readFirstAnswer(r);
    // After AuthenticationOk (trust) say goodbye properly: Terminate.
    if (outcome.kind === 'authentication' && outcome.method === 'ok') current.write(Buffer.from([0x58, 0, 0, 0, 4]));
    return { tls, outcome };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // TLS 1.3 sends the server's verdict on a client certificate after the handshake.
    const kind = tls && /alert|SSL/i.test(`${e.code} ${e.message}`) ? 'tls-failed' : 'closed';
    return { tls, outcome: { kind, code: e.code ?? 'ECONNRESET', message: e.message } };
  }
}
