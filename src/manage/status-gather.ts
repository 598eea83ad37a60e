/** Read what `status` judges: the bundle's certificates and CRLs, the CA, and what a server has installed. */
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { presentedCertificate } from '../apply/check.js';
import { readState } from '../apply/fs.js';
import { REPLICATION_FILES, replicationPaths } from '../apply/replication.js';
import { gatherFileFacts } from '../audit/gather-files.js';
import { parseConnString } from '../pg/conn-params.js';
import { crlSignedBy, inspectCertificate, readCrls, subjectDerHex, type CrlInfo } from '../pki/index.js';
import { UsageError } from '../errors.js';
import { textOf, type LoadedBundle } from './bundle-io.js';
import { pemBlocks, rolloverPhase } from './ca.js';
import type { FoundCert, ReplicationFacts, ServerFacts, StatusInput } from './status.js';

async function maybeRead(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Every certificate of the bundle: root and intermediate (from --ca, else from the server files), server, clients. */
export async function findCerts(bundle: LoadedBundle, caDir: string | undefined): Promise<FoundCert[]> {
  const certs: FoundCert[] = [];
  const serverChain = pemBlocks(textOf(bundle.files, 'server/server.crt') ?? '');
  const ca = caDir ?? join(bundle.dir, 'ca');
  const shown = (path: string) => (path.startsWith(bundle.dir + '/') ? relative(bundle.dir, path) : path);
  if (bundle.answers.pki !== 'self-signed') {
    const rootPath = join(ca, 'root.crt');
    const root = (await maybeRead(rootPath)) ?? textOf(bundle.files, 'server/root.crt');
    if (root) certs.push({ role: 'root', name: 'root', path: (await maybeRead(rootPath)) ? shown(rootPath) : 'server/root.crt', pem: pemBlocks(root)[0] ?? root });
    if (bundle.answers.pki === 'ca-intermediate') {
      const interPath = join(ca, 'intermediate.crt');
      const fromCa = await maybeRead(interPath);
      const inter = fromCa ?? serverChain[1];
      if (inter) certs.push({ role: 'intermediate', name: 'intermediate', path: fromCa ? shown(interPath) : 'server/server.crt', pem: pemBlocks(inter)[0] ?? inter });
    }
  }
  if (rolloverPhase(bundle)) {
    // A rollover under way: the new CA sits in next/ beside the old one.
    for (const role of ['root', 'intermediate'] as const) {
      const path = join(ca, 'next', `${role}.crt`);
      const pem = await maybeRead(path);
      if (pem) certs.push({ role, name: 'next', path: shown(path), pem });
    }
  }
  if (serverChain[0]) certs.push({ role: 'server', name: 'server', path: 'server/server.crt', pem: serverChain[0] });
  // The other servers of a bundle of several (the primary's is server/ itself), after it: the server compared stays server/.
  for (const name of (bundle.answers.servers ?? []).slice(1).map((s) => s.slice(0, s.indexOf('=')))) {
    const pem = pemBlocks(textOf(bundle.files, `servers/${name}/server.crt`) ?? '')[0];
    if (pem) certs.push({ role: 'server', name, path: `servers/${name}/server.crt`, pem });
  }
  const clients = bundle.files.filter((f) => /^clients\/[^/]+\/postgresql\.crt$/.test(f.path));
  for (const f of clients) {
    const pem = pemBlocks(Buffer.from(f.bytes).toString('utf8'))[0];
    if (pem) certs.push({ role: 'client', name: f.path.split('/')[1]!, path: f.path, pem });
  }
  if (!certs.some((c) => c.role === 'server')) throw new UsageError(`${bundle.dir}: no server/server.crt; is this a bundle?`);
  return certs;
}

/** The bundle's CRLs, each with the CA (root or intermediate) whose certificate verifies it. */
export function crlsWithSigners(bundle: LoadedBundle, certs: readonly FoundCert[]): StatusInput['crls'] {
  const text = textOf(bundle.files, 'server/root.crl');
  if (!text) return [];
  let crls: CrlInfo[];
  try {
    crls = readCrls(text);
  } catch (err) {
    throw new UsageError(`${join(bundle.dir, 'server/root.crl')}: ${(err as Error).message}`);
  }
  const cas = certs.filter((c) => c.role === 'root' || c.role === 'intermediate');
  return crls.map((crl) => {
    const signer = cas.find((c) => subjectDerHex(c.pem) === crl.issuerDerHex && crlSignedBy(crl, c.pem));
    return { crl, signedBy: signer?.role };
  });
}

/**
 * A standby's replication files, where its primary_conninfo names them,
 * compared with the bundle's clients/ROLE/. Read without following a link
 * the server's user made (apply/fs.ts): the paths are that user's to set.
 */
function replicationFacts(bundle: LoadedBundle, conninfo: string | undefined, uid: number | undefined): ReplicationFacts | undefined {
  const role = bundle.answers.replicationUser;
  if (!role) return undefined;
  const found = replicationPaths(conninfo, role, bundle.dir);
  if ('problems' in found) return { role, problems: found.problems, files: [] };
  const files = REPLICATION_FILES.map((f) => {
    const path = found.paths[f.name];
    let now;
    try {
      now = readState(path, uid === undefined ? [] : [uid]);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
    }
    const mine = bundle.files.find((b) => b.path === `clients/${role}/${f.name}`);
    const isBundles = !!now && !!mine && Buffer.compare(Buffer.from(now.bytes), Buffer.from(mine.bytes)) === 0;
    let notAfter: Date | undefined;
    if (now && f.name === 'postgresql.crt') {
      const pem = pemBlocks(Buffer.from(now.bytes).toString('utf8'))[0];
      try {
        notAfter = pem ? inspectCertificate(pem).notAfter : undefined;
      } catch {
        /* not a certificate: "not the bundle's" says enough */
      }
    }
    return { name: f.name, path, installed: !!now, isBundles, ...(notAfter ? { notAfter } : {}) };
  });
  return { role, problems: [], files };
}

/** What the server's files hold now: the certificate and CRL its configuration names (read as audit reads them), and a standby's replication files. */
export async function serverFacts(loc: { pgdata?: string | undefined; configDir?: string | undefined }, bundle?: LoadedBundle): Promise<ServerFacts> {
  const facts = await gatherFileFacts({ ...(loc.pgdata ? { pgdata: loc.pgdata } : {}), ...(loc.configDir ? { configDir: loc.configDir } : {}) }, []);
  const crlSetting = facts.settings.ssl_crl_file;
  let crls: CrlInfo[] | undefined;
  if (crlSetting && facts.dataDirectory) {
    const path = resolve(facts.dataDirectory, crlSetting);
    const text = await maybeRead(path);
    try {
      crls = text === undefined ? undefined : readCrls(text);
    } catch (err) {
      throw new UsageError(`${path}: ${(err as Error).message}`);
    }
  }
  const dataDir = facts.dataDirectory;
  const replication = bundle && facts.standby && dataDir ? replicationFacts(bundle, facts.settings.primary_conninfo, await stat(dataDir).then((st) => st.uid, () => undefined)) : undefined;
  return { where: loc.pgdata ?? loc.configDir ?? '?', certFingerprint: facts.certificate?.fingerprint256, crls, ...(replication ? { replication } : {}) };
}

/** The certificate a running server presents in a TLS handshake (--connect); its CRL is not sent, so not compared. */
export async function serverFactsOverTls(conninfo: string): Promise<ServerFacts> {
  const p = parseConnString(conninfo);
  const host = p.hostaddr ?? p.host ?? 'localhost';
  if (host.startsWith('/')) throw new UsageError('--connect: give a TCP host (host=NAME or hostaddr=IP): the certificate is read in a TLS handshake, not over a Unix socket');
  const port = p.port ?? 5432;
  let der: Buffer | undefined;
  try {
    der = await presentedCertificate(host, port);
  } catch (err) {
    throw Object.assign(new UsageError(`--connect: cannot reach ${host}:${port} (${(err as Error).message})`), { status: 1 });
  }
  const pem = der ? `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n` : undefined;
  return { where: `${host}:${port}`, certFingerprint: pem ? inspectCertificate(pem).fingerprint256 : undefined, crls: undefined, crlUnknown: true };
}
