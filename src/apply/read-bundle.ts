/**
 * Read a bundle for apply, as it stands on disk: the reviewed artefact, edits
 * and all. Refuses what is not a bundle, cannot work (a key that does not
 * belong to the certificate) or was not made by generate and not allowed by
 * flag (bundle-check.ts), before anything on the server is touched.
 */
import { X509Certificate } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PG_VERSIONS } from '../answers/answers.js';
import { UsageError } from '../errors.js';
import { checkBundleCertificate, checkBundleRules, checkBundleSettings, readBundleFile, type BundleCheckOptions, type BundleProblem } from './bundle-check.js';
import { checkBundleIdent } from './ident.js';
import { SERVER_FILE_SETTINGS, type BundleContents, type ServerFileName } from './plan.js';

/** A bundle and what was learnt reading it. */
export interface ReadBundle extends BundleContents {
  /** The key is passphrase-protected (it needs ssl_passphrase_command, 19.3.3). */
  readonly keyEncrypted: boolean;
  readonly warnings: readonly string[];
}

/** A PEM private key that needs a passphrase (PKCS#8 EncryptedPrivateKeyInfo or legacy Proc-Type). */
export function isEncryptedPem(pem: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

function pgVersionOf(answersText: string, path: string): number {
  let data: unknown;
  try {
    data = JSON.parse(answersText);
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const v = (data as { pgVersion?: unknown } | null)?.pgVersion;
  if (typeof v !== 'number' || !(PG_VERSIONS as readonly number[]).includes(v)) throw new UsageError(`${path}: pgVersion must be one of ${PG_VERSIONS.join(', ')}`);
  return v;
}

// The CA file must hold certificates and the CRL file CRLs (PEM), or the server's SSL reload fails.
function checkPublicFiles(server: Partial<Record<ServerFileName, Uint8Array>>, dir: string): void {
  const ca = server['root.crt'];
  if (ca) {
    try {
      new X509Certificate(Buffer.from(ca));
    } catch (err) {
      throw new UsageError(`${dir}/server/root.crt: not a certificate (${(err as Error).message})`);
    }
  }
  const crl = server['root.crl'];
  if (crl && !Buffer.from(crl).toString('latin1').includes('-----BEGIN X509 CRL-----')) {
    throw new UsageError(`${dir}/server/root.crl: not a PEM certificate revocation list`);
  }
}

/**
 * Where the chosen server's certificate and key are: servers/NAME/ in a
 * bundle of several servers (then --server is required), server/ otherwise.
 */
async function ownServerDir(dir: string, dirArg: string, name: string | undefined): Promise<string | undefined> {
  let names: string[] = [];
  try {
    names = (await readdir(join(dir, 'servers'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    // No servers/: a bundle of one server.
  }
  if (name === undefined) {
    if (names.length > 1) throw new UsageError(`${dirArg} holds ${names.length} servers (${names.join(', ')}): name the one this is with --server NAME`);
    return undefined;
  }
  if (!names.includes(name)) {
    throw new UsageError(`--server ${name}: ${names.length ? `the bundle's servers are ${names.join(', ')}` : 'the bundle describes one server; leave --server out'}`);
  }
  return `servers/${name}`;
}

/** Read and check a bundle directory; every problem found is named at once, before anything changes. */
export async function readBundle(dirArg: string, now = new Date(), check: BundleCheckOptions = {}): Promise<ReadBundle> {
  const dir = resolve(dirArg);
  const problems: BundleProblem[] = [];
  const read = async (rel: string): Promise<Buffer | undefined> => {
    const r = await readBundleFile(dir, rel);
    if (r.problem) problems.push(r.problem);
    return r.bytes;
  };
  const answers = await read('answers.json');
  const hba = await read('conf/pg_hba.conf');
  const settings = await read('conf/pg-secure-setup.conf');
  const ident = await read('conf/pg_ident.conf');
  if (ident) problems.push(...checkBundleIdent(ident.toString('utf8')));
  if (problems.length === 0 && (!answers || !hba || !settings)) {
    const missing = [!answers && 'answers.json', !hba && 'conf/pg_hba.conf', !settings && 'conf/pg-secure-setup.conf'].filter(Boolean).join(', ');
    throw new UsageError(`${dirArg} is not a pg-secure-setup bundle (missing ${missing}); make one with pg-secure-setup generate`);
  }
  const own = await ownServerDir(dir, dirArg, check.server);
  const server: Partial<Record<ServerFileName, Uint8Array>> = {};
  for (const name of Object.keys(SERVER_FILE_SETTINGS) as ServerFileName[]) {
    // A server's own certificate and key; the CA and CRL are the bundle's, shared by all.
    const bytes = await read(own && (name === 'server.crt' || name === 'server.key') ? `${own}/${name}` : `server/${name}`);
    if (bytes) server[name] = bytes;
  }
  const key = server['server.key'];
  const keyEncrypted = key !== undefined && isEncryptedPem(Buffer.from(key).toString('latin1'));
  if (answers && hba && settings) {
    problems.push(...checkBundleSettings(settings.toString('utf8'), check), ...checkBundleRules(hba.toString('utf8'), check));
    const buf = (b: Uint8Array | undefined) => (b ? Buffer.from(b) : undefined);
    problems.push(...checkBundleCertificate({ crt: buf(server['server.crt']), key: buf(key), ca: buf(server['root.crt']), keyEncrypted }, now));
  }
  if (problems.length > 0) {
    throw new UsageError(`${dirArg}: the bundle fails its check, so nothing was changed:\n${problems.map((p) => `  ${p.where}: ${p.message}`).join('\n')}`);
  }
  checkPublicFiles(server, dirArg);
  const warnings: string[] = [];
  return {
    dir,
    pgVersion: pgVersionOf(answers!.toString('utf8'), join(dir, 'answers.json')),
    hba: hba!.toString('utf8'),
    settings: settings!.toString('utf8'),
    server,
    keyEncrypted,
    warnings,
    ...(ident ? { ident: ident.toString('utf8') } : {}),
  };
}
