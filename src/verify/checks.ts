/**
 * The checks behind `verify`, as data. Each is a real connection attempt
 * whose outcome is compared with what a locked-down server must do
 * (libpq 32.19.1 Client Verification of Server Certificates, 32.19.3
 * Protection Provided in Different Modes; 20.1 The pg_hba.conf File;
 * 20.12 Certificate Authentication).
 */
import { inspectCertificate } from '../pki/index.js';
import {
  classifyConnectError,
  connect,
  ConnectionError,
  probe,
  type ClientTlsFiles,
  type ProbeResult,
  type ProbeTls,
  type StartupOutcome,
  type Target,
  UNTRUSTED_CODES,
} from '../pg/server.js';

export type CheckId = 'tls' | 'login' | 'plaintext-refused' | 'wrong-host-refused' | 'client-cert-required';
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** Why a check failed; stable strings for --json consumers. */
export type FailReason =
  | 'unreachable'
  | 'ssl-off'
  | 'wrong-root-cert'
  | 'host-not-in-san'
  | 'cert-expired'
  | 'tls-failed'
  | 'auth-failed'
  | 'client-cert-missing'
  | 'client-cert-rejected'
  | 'login-refused'
  | 'plaintext-allowed'
  | 'wrong-host-accepted'
  | 'client-cert-not-required'
  | 'inconclusive';

export interface Check {
  id: CheckId;
  status: CheckStatus;
  reason?: FailReason;
  /** What happened, in a sentence. */
  detail: string;
  /** What to change, for failures. */
  fix?: string;
}

/** One certificate of the chain, leaf first. */
export interface ChainEntry {
  subject: string;
  issuer: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  isCA: boolean;
  selfSigned: boolean;
  fingerprint256: string;
}

export interface VerifyReport {
  target: { host: string; address: string; port: number; user: string; dbname: string; rootCert: string; clientCert?: string };
  tls?: { protocol: string; cipher: string };
  chain: ChainEntry[];
  /** What the server itself reports for the verified login (pg_stat_ssl). */
  serverView?: { user: string; ssl: boolean; version: string | null; cipher: string | null; clientDn: string | null };
  checks: Check[];
  ok: boolean;
}

/** A name no certificate should carry (RFC 2606 reserves .invalid). */
export const DEFAULT_WRONG_HOST = 'wrong-host.pg-secure-setup.invalid';

const DAY = 86_400_000;

function chainEntries(pems: string[], now: Date): ChainEntry[] {
  return pems.map((pem) => {
    const c = inspectCertificate(pem);
    return {
      subject: c.subject.split('\n').join(', '),
      issuer: c.issuer.split('\n').join(', '),
      dnsNames: c.dnsNames,
      ipAddresses: c.ipAddresses,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      daysLeft: Math.floor((c.notAfter.getTime() - now.getTime()) / DAY),
      isCA: c.isCA,
      selfSigned: c.subject === c.issuer,
      fingerprint256: c.fingerprint256,
    };
  });
}

function names(entry: ChainEntry | undefined): string {
  if (!entry) return 'no names';
  const all = [...entry.dnsNames.map((d) => `DNS:${d}`), ...entry.ipAddresses.map((ip) => `IP:${ip}`)];
  return all.length ? all.join(', ') : `no subjectAltName (subject ${entry.subject})`;
}

function tlsOf(files: ClientTlsFiles, verifyName: string, withCert: boolean, t: Target): ProbeTls {
  return {
    ca: files.ca,
    crl: files.crl,
    cert: withCert ? files.cert : undefined,
    key: withCert ? files.key : undefined,
    passphrase: withCert ? files.passphrase : undefined,
    verifyName,
    verify: true,
    minVersion: (t.params.sslMinProtocolVersion as ProbeTls['minVersion']) ?? 'TLSv1.2',
    maxVersion: t.params.sslMaxProtocolVersion as ProbeTls['maxVersion'],
  };
}

async function probeOrError(run: () => Promise<ProbeResult>, where: string): Promise<ProbeResult | ConnectionError> {
  try {
    return await run();
  } catch (err) {
    return classifyConnectError(err, where);
  }
}

function describeOutcome(o: StartupOutcome): string {
  switch (o.kind) {
    case 'authentication':
      return o.method === 'ok' ? 'let the connection in without any password (trust)' : `asked for ${o.method === 'sasl' ? `SASL (${o.mechanisms?.join(', ')})` : o.method} authentication`;
    case 'rejected':
      return `refused it: "${o.message}"`;
    case 'ssl-refused':
      return 'does not accept TLS';
    case 'tls-failed':
    case 'closed':
      return `ended it (${o.code}: ${o.message})`;
    case 'handshake-only':
      return 'completed the handshake';
  }
}

function tlsCheck(result: ProbeResult | ConnectionError, t: Target, rootLabel: string, chain: ChainEntry[]): Check {
  if (result instanceof ConnectionError) return { id: 'tls', status: 'fail', reason: 'unreachable', detail: result.message };
  const o = result.outcome;
  if (o.kind === 'handshake-only') {
    return { id: 'tls', status: 'pass', detail: `the certificate chains to ${rootLabel} and names "${t.host}"` };
  }
  if (o.kind === 'ssl-refused') {
    return { id: 'tls', status: 'fail', reason: 'ssl-off', detail: 'the server answered "no" to the TLS request: ssl is off', fix: "set ssl = on (with ssl_cert_file and ssl_key_file) and reload: SELECT pg_reload_conf()" };
  }
  if (o.kind === 'tls-failed' && UNTRUSTED_CODES.has(o.code)) {
    const leaf = chain[0];
    return {
      id: 'tls',
      status: 'fail',
      reason: 'wrong-root-cert',
      detail: `the server's certificate${leaf ? ` (issued by ${leaf.issuer})` : ''} does not chain to ${rootLabel} (${o.code})`,
      fix: 'give the root certificate of the CA that issued the server certificate (the bundle\'s root.crt), or put the intermediates in server.crt after the leaf',
    };
  }
  if (o.kind === 'tls-failed' && o.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      id: 'tls',
      status: 'fail',
      reason: 'host-not-in-san',
      detail: `host name "${t.host}" is not in the server certificate's subjectAltName (it names ${names(chain[0])})`,
      fix: `connect with a name the certificate carries, or issue a server certificate that names "${t.host}" (generate --host ${t.host})`,
    };
  }
  if (o.kind === 'tls-failed' && /CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/.test(o.code)) {
    return { id: 'tls', status: 'fail', reason: 'cert-expired', detail: `the server certificate is not valid now (${o.code})`, fix: 'issue a new server certificate and reload' };
  }
  return { id: 'tls', status: 'fail', reason: 'tls-failed', detail: `the TLS handshake failed: ${describeOutcome(o)}` };
}

async function loginCheck(t: Target, opts: { timeoutMs?: number; home?: string }): Promise<{ check: Check; view?: VerifyReport['serverView'] }> {
  try {
    const s = await connect(t, { timeoutMs: opts.timeoutMs, home: opts.home });
    try {
      const [row] = await s.query<{ user: string; ssl: boolean; version: string | null; cipher: string | null; client_dn: string | null }>(
        'SELECT current_user AS "user", ssl, version, cipher, client_dn FROM pg_catalog.pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      const view = row ? { user: row.user, ssl: row.ssl, version: row.version, cipher: row.cipher, clientDn: row.client_dn } : undefined;
      const seen = view ? `; the server sees ${view.ssl ? `${view.version} ${view.cipher}` : 'no TLS'}${view.clientDn ? `, client certificate ${view.clientDn}` : ''}` : '';
      return { check: { id: 'login', status: 'pass', detail: `logged in as "${view?.user ?? t.user}" to database "${t.dbname}"${seen}` }, view };
    } finally {
      await s.end();
    }
  } catch (err) {
    const e = classifyConnectError(err, `${t.host}:${t.port} as ${t.user}`);
    const fail = (reason: FailReason, fix?: string): { check: Check } => ({ check: { id: 'login', status: 'fail', reason, detail: e.message, fix } });
    switch (e.kind) {
      case 'password-required':
        return { check: { id: 'login', status: 'skip', detail: 'the server asks for a password and none was given (PGPASSWORD or ~/.pgpass): the TLS checks stand, the login was not tried' } };
      case 'auth-failed':
        return fail('auth-failed', 'check the password, and that the client certificate CN is the role when clientcert=verify-full');
      case 'client-cert-required':
        return fail('client-cert-missing', 'give the role\'s client certificate: --cert FILE --key FILE');
      case 'client-cert-rejected':
        return fail('client-cert-rejected', 'the client certificate must come from the CA in the server\'s ssl_ca_file and not be revoked');
      default:
        return fail('login-refused');
    }
  }
}

function refusalCheck(id: CheckId, result: ProbeResult | ConnectionError, acceptedReason: FailReason, acceptedText: string, fix: string): Check {
  if (result instanceof ConnectionError) return { id, status: 'fail', reason: 'inconclusive', detail: result.message };
  const o = result.outcome;
  if (o.kind === 'authentication') return { id, status: 'fail', reason: acceptedReason, detail: `${acceptedText}: the server ${describeOutcome(o)}`, fix };
  if ((o.kind === 'rejected' && o.sqlState === '28000') || o.kind === 'tls-failed') return { id, status: 'pass', detail: `the server ${describeOutcome(o)}` };
  return { id, status: 'fail', reason: 'inconclusive', detail: `no verdict: the server ${describeOutcome(o)}` };
}

/** Everything verify checks, in order; `files` were loaded with the root certificate required. */
export async function runVerify(t: Target, files: ClientTlsFiles, opts: { wrongHost?: string; timeoutMs?: number; home?: string; now?: Date } = {}): Promise<VerifyReport> {
  const now = opts.now ?? new Date();
  const where = `${t.address}:${t.port}`;
  const rootLabel = files.caPath ?? 'the system\'s trusted roots';
  const dial = { address: t.address, port: t.port, timeoutMs: opts.timeoutMs };
  const startup = { user: t.user, database: t.dbname };

  const main = await probeOrError(() => probe({ ...dial, ssl: tlsOf(files, t.host, true, t) }), where);
  const chain = main instanceof ConnectionError ? [] : chainEntries(main.tls?.chainPem ?? [], now);
  const tls = tlsCheck(main, t, rootLabel, chain);
  const checks: Check[] = [tls];
  const skip = (id: CheckId, detail: string): Check => ({ id, status: 'skip', detail });
  const tlsOk = tls.status === 'pass';

  let serverView: VerifyReport['serverView'];
  if (tlsOk) {
    const login = await loginCheck(t, opts);
    checks.push(login.check);
    serverView = login.view;
  } else checks.push(skip('login', 'not tried: the TLS check failed'));

  const plain = await probeOrError(() => probe({ ...dial, ssl: false, startup }), where);
  checks.push(
    refusalCheck('plaintext-refused', plain, 'plaintext-allowed', 'an unencrypted connection got through pg_hba.conf', 'put "hostnossl all all all reject" before the other host rules in pg_hba.conf (or make them hostssl) and reload'),
  );

  const wrongHost = opts.wrongHost ?? DEFAULT_WRONG_HOST;
  if (tlsOk) {
    const wrong = await probeOrError(() => probe({ ...dial, ssl: tlsOf(files, wrongHost, false, t) }), where);
    if (wrong instanceof ConnectionError) checks.push({ id: 'wrong-host-refused', status: 'fail', reason: 'inconclusive', detail: wrong.message });
    else if (wrong.outcome.kind === 'tls-failed' && wrong.outcome.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      checks.push({ id: 'wrong-host-refused', status: 'pass', detail: `a client that asked for "${wrongHost}" was refused: the certificate names only ${names(chain[0])}` });
    } else if (wrong.outcome.kind === 'handshake-only') {
      checks.push({ id: 'wrong-host-refused', status: 'fail', reason: 'wrong-host-accepted', detail: `the certificate also passes for "${wrongHost}": a catch-all name lets it stand for any host`, fix: 'issue a server certificate that names only this server\'s host names and addresses' });
    } else checks.push({ id: 'wrong-host-refused', status: 'fail', reason: 'inconclusive', detail: `no verdict: the server ${describeOutcome(wrong.outcome)}` });
  } else checks.push(skip('wrong-host-refused', 'not tried: the TLS check failed'));

  if (!files.cert) {
    checks.push(skip('client-cert-required', 'no client certificate given (--cert, --key): whether the server demands one was not checked'));
  } else if (!tlsOk) {
    checks.push(skip('client-cert-required', 'not tried: the TLS check failed'));
  } else {
    const bare = await probeOrError(() => probe({ ...dial, ssl: tlsOf(files, t.host, false, t), startup }), where);
    checks.push(
      refusalCheck('client-cert-required', bare, 'client-cert-not-required', 'without a client certificate the connection got through', 'add clientcert=verify-full to the hostssl rules in pg_hba.conf (or use the cert method) and reload'),
    );
  }

  const result: VerifyReport = {
    target: { host: t.host, address: t.address, port: t.port, user: t.user, dbname: t.dbname, rootCert: rootLabel, ...(files.certPath ? { clientCert: files.certPath } : {}) },
    ...(!(main instanceof ConnectionError) && main.tls ? { tls: { protocol: main.tls.protocol, cipher: main.tls.cipher } } : {}),
    chain,
    ...(serverView ? { serverView } : {}),
    checks,
    ok: checks.every((c) => c.status !== 'fail'),
  };
  return result;
}
