/**
 * What a server's files say, for the audit: postgresql.conf with its
 * includes, include_dir and postgresql.auto.conf (19.1.2 Parameter
 * Interaction via the Configuration File, 19.1.5 Managing Configuration
 * File Contents), pg_hba.conf, and the certificate and key (18.9.1). Reads
 * files only; the judging happens in the rules-*.ts files beside it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { settingDefault } from './defaults.js';
import { addLocalFacts } from './gather-extra.js';
import { isOn } from './rules-tls.js';
import { AUDIT_SETTINGS, type AuditFacts, type AuditSetting, type CertFacts, type KeyFileFacts, type Unchecked, type CrlFacts } from './types.js';
import { parseConf } from '../pg/conf.js';
import { UsageError } from '../errors.js';
import { inspectCertificate, keyMatchesCertificate, readCrls } from '../pki/index.js';

/** The server gives up on include nesting deeper than this (CONF_FILE_MAX_DEPTH). */
const MAX_DEPTH = 10;

/** One setting's value and the file and line that set it. */
export interface ConfValue {
  value: string;
  source: string;
}

/** Settings as the server would read them from its files: the last one wins. */
export interface ConfChain {
  settings: Map<string, ConfValue>;
  /** Files read, in order. */
  files: string[];
  /** Includes that could not be read, lines that do not parse. */
  problems: string[];
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

async function readInto(file: string, chain: ConfChain, depth: number, required: boolean): Promise<void> {
  if (depth > MAX_DEPTH) {
    chain.problems.push(`${file}: includes nested more than ${MAX_DEPTH} deep`);
    return;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (required || errCode(err) !== 'ENOENT') chain.problems.push(`${file}: cannot read it (${errCode(err)})`);
    return;
  }
  chain.files.push(file);
  const { entries, problems } = parseConf(text);
  for (const p of problems) chain.problems.push(`${file}:${p.line}: ${p.message}`);
  const here = dirname(file);
  for (const e of entries) {
    // Relative include paths start from the including file's directory (19.1.5).
    const target = isAbsolute(e.value) ? e.value : join(here, e.value);
    if (e.name === 'include' || e.name === 'include_if_exists') {
      await readInto(target, chain, depth + 1, e.name === 'include');
    } else if (e.name === 'include_dir') {
      let names: string[];
      try {
        names = await readdir(target);
      } catch (err) {
        chain.problems.push(`${file}:${e.line}: include_dir ${target}: cannot read it (${errCode(err)})`);
        continue;
      }
      // Only *.conf, not hidden, in C-locale order (19.1.5).
      const confs = names.filter((n) => n.endsWith('.conf') && !n.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const n of confs) await readInto(join(target, n), chain, depth + 1, true);
    } else {
      chain.settings.set(e.name, { value: e.value, source: `${file}:${e.line}` });
    }
  }
}

/**
 * Read postgresql.conf and what it includes, then postgresql.auto.conf from
 * the data directory, which the server reads last. `dataDir` undefined: the
 * data_directory the file sets.
 */
export async function readConfChain(configFile: string, dataDir?: string): Promise<ConfChain> {
  const chain: ConfChain = { settings: new Map(), files: [], problems: [] };
  await readInto(configFile, chain, 0, true);
  const data = dataDir ?? chain.settings.get('data_directory')?.value;
  if (data) await readInto(join(data, 'postgresql.auto.conf'), chain, 0, false);
  return chain;
}

/** First PEM certificate of a file (the leaf: server.crt holds leaf first, then intermediates). */
function firstPem(text: string): string | undefined {
  return /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
}

/** A PEM certificate as the audit's facts; throws when it is not one. */
export function certFacts(pem: string, source: 'file' | 'tls', path?: string): CertFacts {
  const info = inspectCertificate(pem);
  return {
    source,
    ...(path ? { path } : {}),
    ...(info.subjectCN !== undefined ? { subjectCN: info.subjectCN } : {}),
    ...(info.issuerCN !== undefined ? { issuerCN: info.issuerCN } : {}),
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    dnsNames: info.dnsNames,
    ipAddresses: info.ipAddresses,
    fingerprint256: info.fingerprint256,
  };
}

/** The server's certificate and key files as this machine sees them. */
export interface TlsFiles {
  certificate?: CertFacts;
  /** The certificate's PEM, for the key check. */
  certPem?: string;
  keyFile?: KeyFileFacts;
  crls?: CrlFacts[];
  unchecked: Unchecked[];
}

/**
 * Read the certificate and stat the key. Missing files are only worth a
 * note when ssl is on (with ssl off, ssl-off says it all).
 */
export async function readTlsFiles(opts: { certPath: string; keyPath: string; crlPath?: string | undefined; serverUid?: number; sslOn: boolean }): Promise<TlsFiles> {
  const out: TlsFiles = { unchecked: [] };
  const note = (what: Unchecked['what'], detail: string) => {
    if (opts.sslOn) out.unchecked.push({ what, cause: 'unreadable', detail });
  };
  try {
    const text = await readFile(opts.certPath, 'utf8');
    const pem = firstPem(text);
    if (!pem) note('certificate', `${opts.certPath} holds no PEM certificate`);
    else {
      out.certificate = certFacts(pem, 'file', opts.certPath);
      out.certPem = pem;
    }
  } catch (err) {
    note('certificate', `${opts.certPath}: ${err instanceof Error && !(err as NodeJS.ErrnoException).code ? err.message : `cannot read it (${errCode(err)})`}`);
  }
  try {
    const st = await stat(opts.keyPath);
    const key: KeyFileFacts = { path: opts.keyPath, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, ...(opts.serverUid !== undefined ? { serverUid: opts.serverUid } : {}) };
    if (out.certPem) {
      try {
        key.matchesCertificate = keyMatchesCertificate(await readFile(opts.keyPath, 'utf8'), out.certPem);
      } catch {
        // Unreadable here or passphrase-protected: the match stays unknown.
      }
    }
    out.keyFile = key;
  } catch (err) {
    note('key-file', `${opts.keyPath}: cannot stat it (${errCode(err)})`);
  }
  if (opts.crlPath) {
    try {
      const path = opts.crlPath;
      out.crls = readCrls(await readFile(path, 'utf8')).map((c) => ({ path, ...(c.issuerCN !== undefined ? { issuerCN: c.issuerCN } : {}), ...(c.nextUpdate ? { nextUpdate: c.nextUpdate.toISOString() } : {}) }));
    } catch (err) {
      note('certificate', `${opts.crlPath}: ${err instanceof Error && !(err as NodeJS.ErrnoException).code ? err.message : `cannot read it (${errCode(err)})`}`);
    }
  }
  return out;
}

/** Mode and owner of the keytab krb_server_keyfile names ("FILE:" prefix allowed), relative to `base`; undefined when unset or absent. */
export async function statKeytab(base: string, setting: string | undefined, serverUid: number | undefined): Promise<KeyFileFacts | undefined> {
  const path = setting?.replace(/^FILE:/, '');
  if (!path) return undefined;
  const full = resolve(base, path);
  try {
    const st = await stat(full);
    return { path: full, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, ...(serverUid !== undefined ? { serverUid } : {}) };
  } catch {
    return undefined;
  }
}

/** Where to find a server's files: --pgdata, --config-dir, or both. */
export interface FileLocation {
  pgdata?: string;
  configDir?: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function checkDataDir(dir: string): Promise<string> {
  try {
    return (await readFile(join(dir, 'PG_VERSION'), 'utf8')).trim();
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`--pgdata ${dir}: not a PostgreSQL data directory (no PG_VERSION file)`);
    throw new UsageError(`--pgdata ${dir}: cannot read it (${code}): run the audit as root or as the server's OS user`);
  }
}

/** Audit facts from the files alone (no connection). Bad locations are usage errors. */
export async function gatherFileFacts(loc: FileLocation, hosts: string[]): Promise<AuditFacts> {
  if (!loc.pgdata && !loc.configDir) throw new UsageError('give --pgdata DIR or --config-dir DIR (or --connect) to audit');
  for (const [flag, dir] of [['--pgdata', loc.pgdata], ['--config-dir', loc.configDir]] as const) {
    if (dir === undefined) continue;
    const st = await stat(dir).catch((err: unknown) => {
      throw new UsageError(`${flag} ${dir}: ${errCode(err) === 'ENOENT' ? 'no such directory' : `cannot read it (${errCode(err)})`}`);
    });
    if (!st.isDirectory()) throw new UsageError(`${flag} ${dir}: not a directory`);
  }
  const configDir = loc.configDir ? resolve(loc.configDir) : undefined;
  const configFile = join(configDir ?? resolve(loc.pgdata!), 'postgresql.conf');
  if (!(await isFile(configFile))) {
    throw new UsageError(
      configDir ? `--config-dir ${loc.configDir}: no postgresql.conf there` : `--pgdata ${loc.pgdata}: no postgresql.conf there; give the configuration directory with --config-dir (Debian: /etc/postgresql/VERSION/main)`,
    );
  }
  let dataDir = loc.pgdata ? resolve(loc.pgdata) : undefined;
  const chain = await readConfChain(configFile, dataDir);
  dataDir ??= chain.settings.get('data_directory')?.value ?? (configDir && (await isFile(join(configDir, 'PG_VERSION'))) ? configDir : undefined);
  const version = dataDir ? await checkDataDir(dataDir) : undefined;
  const major = version && /^\d+/.test(version) ? Number(/^\d+/.exec(version)![0]) : undefined;
  const unchecked: Unchecked[] = chain.problems.map((p) => ({ what: 'settings', cause: 'unreadable', detail: p }));
  if (!dataDir) unchecked.push({ what: 'settings', cause: 'unreadable', detail: 'data directory unknown: give --pgdata DIR' });

  const settings: AuditFacts['settings'] = {};
  const settingSources: AuditFacts['settingSources'] = {};
  for (const name of AUDIT_SETTINGS) {
    const set = chain.settings.get(name);
    const value = set?.value ?? settingDefault(name as AuditSetting, major);
    if (value === undefined) continue;
    settings[name] = value;
    settingSources[name] = set ? set.source : 'default';
  }
  // Relative paths in postgresql.conf start from the data directory; so does the default hba_file's (19.2).
  const base = dataDir ?? configDir!;
  const hbaSetting = chain.settings.get('hba_file')?.value;
  const hbaFile = hbaSetting ? resolve(base, hbaSetting) : join(configDir ?? base, 'pg_hba.conf');
  const facts: AuditFacts = {
    source: 'files',
    target: dataDir ?? configDir!,
    ...(version ? { version, major } : {}),
    ...(dataDir ? { dataDirectory: dataDir } : {}),
    configFile,
    hbaFile,
    settings,
    settingSources,
    hosts,
    unchecked,
  };
  try {
    facts.hba = { path: hbaFile, from: 'file', text: await readFile(hbaFile, 'utf8') };
  } catch (err) {
    unchecked.push({ what: 'pg_hba.conf', cause: 'unreadable', detail: `${hbaFile}: cannot read it (${errCode(err)})` });
  }
  const serverUid = dataDir ? await stat(dataDir).then((s) => s.uid, () => undefined) : undefined;
  const tls = await readTlsFiles({
    certPath: resolve(base, settings.ssl_cert_file ?? 'server.crt'),
    keyPath: resolve(base, settings.ssl_key_file ?? 'server.key'),
    crlPath: settings.ssl_crl_file ? resolve(base, settings.ssl_crl_file) : undefined,
    serverUid,
    sslOn: isOn(settings.ssl ?? 'off'),
  });
  if (tls.certificate) facts.certificate = tls.certificate;
  if (tls.keyFile) facts.keyFile = tls.keyFile;
  if (tls.crls) facts.crls = tls.crls;
  const keytab = await statKeytab(base, settings.krb_server_keyfile, serverUid);
  if (keytab) facts.keytabFile = keytab;
  unchecked.push(...tls.unchecked);
  // A standby.signal file makes the server a standby (19.6.3 / 27.2.2).
  facts.standby = dataDir ? await isFile(join(dataDir, 'standby.signal')) : undefined;
  const identSetting = chain.settings.get('ident_file')?.value;
  const identFile = identSetting ? resolve(base, identSetting) : join(configDir ?? base, 'pg_ident.conf');
  await addLocalFacts(facts, { identFile, confFiles: chain.files.filter((f) => f !== configFile) });
  unchecked.push({ what: 'md5-roles', cause: 'no-connection', detail: 'stored passwords live in pg_authid, readable only through a connection' });
  unchecked.push({ what: 'connections', cause: 'no-connection', detail: 'current sessions are known only to the running server (pg_stat_ssl)' });
  return facts;
}
