/** Read what `status` judges: the bundle's certificates and CRLs, the CA, and what a server has installed. */
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { presentedCertificate } from '../apply/check.js';
import { gatherFileFacts } from '../audit/gather-files.js';
import { parseConnString } from '../pg/conn-params.js';
import { crlSignedBy, inspectCertificate, readCrls, subjectDerHex, type CrlInfo } from '../pki/index.js';
import { UsageError } from '../errors.js';
import { textOf, type LoadedBundle } from './bundle-io.js';
import { pemBlocks, rolloverPhase } from './ca.js';
import type { FoundCert, ServerFacts, StatusInput } from './status.js';

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

/** What the server's files hold now: the certificate and CRL its configuration names (read as audit reads them). */
export async function serverFacts(loc: { pgdata?: string | undefined; configDir?: string | undefined }): Promise<ServerFacts> {
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
  return { where: loc.pgdata ?? loc.configDir ?? '?', certFingerprint: facts.certificate?.fingerprint256, crls };
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
