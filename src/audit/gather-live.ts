/**
 * Audit facts from a running server: settings in force (pg_settings),
 * stored passwords (pg_authid), pg_hba.conf (the file when this machine can
 * read it, else pg_hba_file_rules), sessions without TLS (pg_stat_ssl), and
 * the certificate and key (the files when they are on this machine, else
 * the certificate the server presents in a TLS handshake).
 */
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { isOn } from './rules-tls.js';
import { AUDIT_SETTINGS, type AuditFacts, type Unchecked } from './types.js';
import { certFacts, readTlsFiles, statKeytab } from './gather-files.js';
import { hbaFromView, tcpSessions } from './queries.js';
import { addCipherFacts, addLocalFacts } from './gather-extra.js';
import { confFiles, inRecovery, loginRoles, settingsNamed } from './queries-roles.js';
import { connect, md5Roles, probe, resolveConnection, serverFacts, targetLabel, type ServerFacts, type Session, type Target } from '../pg/server.js';

/** What to connect to and which local files to prefer. */
export interface LiveRequest {
  /** --connect conninfo or URI; the PG* environment and the local socket otherwise. */
  connect?: string;
  env?: NodeJS.ProcessEnv;
  /** The data directory on this machine, when the server's own answer should not be used. */
  pgdata?: string;
  /** The configuration directory on this machine: its pg_hba.conf is read when the server does not say where its own is. */
  configDir?: string;
  /** Home directory for ~/.postgresql and ~/.pgpass (tests). */
  home?: string;
}

function isLoopback(address: string): boolean {
  const a = address.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return a === 'localhost' || a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/**
 * Is the server on this machine? A Unix socket says yes; so does a
 * postmaster.pid in its data directory with its port (manual "Database File
 * Layout": line 4); else trust a loopback address.
 */
async function onThisMachine(t: Target, dataDir: string | undefined, port: number): Promise<boolean> {
  if (t.kind === 'socket') return true;
  if (dataDir) {
    try {
      const lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
      return Number(lines[3]) === port;
    } catch {
      // Not readable here (or not here at all): fall through.
    }
  }
  return isLoopback(t.address);
}

/** Where to dial for a TLS handshake: the target's address, or over a socket the first listen address. */
function tlsAddress(t: Target, listen: string | undefined): string | undefined {
  if (t.kind === 'tcp') return t.address;
  const first = listen?.split(',')[0]?.trim();
  if (!first) return undefined;
  return first === '*' ? '127.0.0.1' : first;
}

async function presentedCertificate(s: Session, sf: ServerFacts, port: number): Promise<{ pem?: string; error?: string }> {
  const own = s.tls?.chainPem[0];
  if (own) return { pem: own };
  const address = tlsAddress(s.target, sf.settings.listen_addresses);
  if (!address) return { error: 'the server listens on no TCP address' };
  try {
    const r = await probe({ address, port, ssl: { verify: false }, timeoutMs: 5000 });
    if (r.tls?.chainPem[0]) return { pem: r.tls.chainPem[0] };
    return { error: `no TLS handshake with ${address}:${port} (${r.outcome.kind})` };
  } catch (err) {
    return { error: `no TLS handshake with ${address}:${port}: ${(err as Error).message}` };
  }
}

async function hbaFacts(s: Session, sf: ServerFacts, req: LiveRequest, local: boolean, facts: AuditFacts): Promise<void> {
  const fallback = req.configDir ?? req.pgdata;
  const path = sf.hbaFile ?? (fallback ? join(resolve(fallback), 'pg_hba.conf') : undefined);
  const view = sf.isSuperuser ? await hbaFromView(s) : undefined;
  if (path && local) {
    try {
      facts.hba = { path, from: 'file', text: await readFile(path, 'utf8'), serverErrors: view?.errors ?? [] };
      return;
    } catch {
      // Fall back to the view.
    }
  }
  if (view) facts.hba = { path: path ?? 'pg_hba.conf', from: 'pg_hba_file_rules', text: view.text, serverErrors: view.errors };
  else facts.unchecked.push({ what: 'pg_hba.conf', cause: 'not-superuser', detail: 'pg_hba_file_rules and the hba_file setting are superuser-only (or give --config-dir on the server machine)' });
}

async function tlsFacts(s: Session, sf: ServerFacts, req: LiveRequest, local: boolean, facts: AuditFacts): Promise<void> {
  const sslOn = isOn(sf.settings.ssl ?? 'off');
  const dataDir = req.pgdata ? resolve(req.pgdata) : sf.dataDirectory;
  const certSetting = sf.settings.ssl_cert_file;
  const keySetting = sf.settings.ssl_key_file;
  if (local && dataDir && certSetting !== undefined && keySetting !== undefined) {
    const serverUid = await stat(dataDir).then((st) => st.uid, () => undefined);
    const crlSetting = sf.settings.ssl_crl_file;
    const files = await readTlsFiles({ certPath: resolve(dataDir, certSetting), keyPath: resolve(dataDir, keySetting), crlPath: crlSetting ? resolve(dataDir, crlSetting) : undefined, serverUid, sslOn });
    if (files.certificate) facts.certificate = files.certificate;
    if (files.crls) facts.crls = files.crls;
    if (files.keyFile) facts.keyFile = files.keyFile;
    const keytab = await statKeytab(dataDir, sf.settings.krb_server_keyfile, serverUid);
    if (keytab) facts.keytabFile = keytab;
    // A certificate we could not read here may still be seen over TLS below.
    facts.unchecked.push(...files.unchecked.filter((u) => u.what !== 'certificate' || !sslOn));
  } else if (sslOn) {
    const detail = !local ? 'the server is on another machine' : `the data directory is not known here (data_directory is superuser-only; or give --pgdata)`;
    facts.unchecked.push({ what: 'key-file', cause: local ? 'not-superuser' : 'not-local', detail });
  }
  if (!facts.certificate && sslOn) {
    const seen = await presentedCertificate(s, sf, s.target.port);
    if (seen.pem) facts.certificate = certFacts(seen.pem, 'tls');
    else facts.unchecked.push({ what: 'certificate', cause: 'unreadable', detail: seen.error ?? 'not readable' });
  }
}

async function sessionFacts(s: Session, facts: AuditFacts): Promise<void> {
  const { sessions, hidden } = await tcpSessions(s);
  facts.nonSslConnections = sessions.filter((x) => !x.ssl).map(({ ssl: _ssl, ...rest }) => rest);
  if (hidden) facts.unchecked.push({ what: 'connections', cause: 'not-superuser', detail: "other sessions' TLS state is hidden from this role (pg_read_all_stats shows it)" });
}

/**
 * Connect, gather, disconnect. Throws ConnectionError (a UsageError) when
 * the server cannot be reached or refuses the login.
 */
export async function gatherLiveFacts(req: LiveRequest, hosts: string[]): Promise<AuditFacts> {
  const target = resolveConnection({ connect: req.connect, env: req.env });
  const s = await connect(target, { home: req.home });
  try {
    const sf = await serverFacts(s);
    const unchecked: Unchecked[] = [];
    const settings: AuditFacts['settings'] = {};
    const settingSources: AuditFacts['settingSources'] = {};
    const values: Record<string, string> = { ...sf.settings, ...(await settingsNamed(s, ['ssl_passphrase_command', 'primary_conninfo'])) };
    for (const name of AUDIT_SETTINGS) {
      const v = values[name];
      if (v === undefined) {
        if (!sf.isSuperuser) unchecked.push({ what: 'settings', cause: 'not-superuser', detail: `${name} is hidden from this role` });
        continue;
      }
      settings[name] = v;
      settingSources[name] = 'pg_settings';
    }
    const dialled = target.kind === 'tcp' ? [target.host] : [];
    const facts: AuditFacts = {
      source: 'connection',
      target: targetLabel(target),
      version: sf.version,
      major: sf.major,
      currentUser: sf.currentUser,
      isSuperuser: sf.isSuperuser,
      ...(sf.dataDirectory ? { dataDirectory: sf.dataDirectory } : {}),
      ...(sf.configFile ? { configFile: sf.configFile } : {}),
      ...(sf.hbaFile ? { hbaFile: sf.hbaFile } : {}),
      settings,
      settingSources,
      hosts: [...new Set([...hosts, ...dialled])],
      unchecked,
    };
    if (sf.isSuperuser) facts.md5Roles = await md5Roles(s);
    else unchecked.push({ what: 'md5-roles', cause: 'not-superuser', detail: 'stored passwords (pg_authid) are readable only by a superuser' });
    const port = Number(sf.settings.port ?? target.port);
    if (Number.isInteger(port) && port > 0) facts.port = port;
    const local = await onThisMachine(target, req.pgdata ? resolve(req.pgdata) : sf.dataDirectory, port);
    await hbaFacts(s, sf, req, local, facts);
    await sessionFacts(s, facts);
    await tlsFacts(s, sf, req, local, facts);
    if (sf.isSuperuser) facts.roles = await loginRoles(s);
    facts.standby = await inRecovery(s);
    if (local) {
      if (req.pgdata) facts.dataDirectory = resolve(req.pgdata);
      const files = sf.isSuperuser ? await confFiles(s) : [];
      await addLocalFacts(facts, { identFile: sf.settings.ident_file, confFiles: files.filter((f) => f !== sf.configFile) });
    } else await addCipherFacts(facts);
    return facts;
  } finally {
    await s.end();
  }
}
