/**
 * Read a bundle for apply, as it stands on disk: the reviewed artefact, edits
 * and all. Refuses what is not a bundle or cannot work (a key that does not
 * belong to the certificate), before anything on the server is touched.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PG_VERSIONS } from '../answers/answers.js';
import { UsageError } from '../errors.js';
import { SERVER_FILE_SETTINGS, type BundleContents, type ServerFileName } from './plan.js';

/** A bundle and what was learnt reading it. */
export interface ReadBundle extends BundleContents {
  /** The key is passphrase-protected (it needs ssl_passphrase_command, 19.3.3). */
  readonly keyEncrypted: boolean;
  readonly warnings: readonly string[];
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
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

function checkPair(cert: Buffer, key: Buffer, dir: string, now: Date, warnings: string[]): void {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new UsageError(`${dir}/server/server.crt: not a certificate (${(err as Error).message})`);
  }
  let pk;
  try {
    pk = createPrivateKey(key);
  } catch (err) {
    throw new UsageError(`${dir}/server/server.key: not a private key (${(err as Error).message})`);
  }
  if (!x509.checkPrivateKey(pk)) throw new UsageError(`${dir}/server/server.key does not belong to server/server.crt: the server would refuse to load them`);
  if (new Date(x509.validTo) < now) warnings.push(`server/server.crt expired on ${x509.validTo}: clients will refuse it`);
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

/** Read and check a bundle directory. */
export async function readBundle(dirArg: string, now = new Date()): Promise<ReadBundle> {
  const dir = resolve(dirArg);
  const answers = await readOptional(join(dir, 'answers.json'));
  const hba = await readOptional(join(dir, 'conf', 'pg_hba.conf'));
  const settings = await readOptional(join(dir, 'conf', 'pg-secure-setup.conf'));
  if (!answers || !hba || !settings) {
    const missing = [!answers && 'answers.json', !hba && 'conf/pg_hba.conf', !settings && 'conf/pg-secure-setup.conf'].filter(Boolean).join(', ');
    throw new UsageError(`${dirArg} is not a pg-secure-setup bundle (missing ${missing}); make one with pg-secure-setup generate`);
  }
  const server: Partial<Record<ServerFileName, Uint8Array>> = {};
  for (const name of Object.keys(SERVER_FILE_SETTINGS) as ServerFileName[]) {
    const bytes = await readOptional(join(dir, 'server', name));
    if (bytes) server[name] = bytes;
  }
  const warnings: string[] = [];
  const key = server['server.key'];
  const keyEncrypted = key !== undefined && isEncryptedPem(Buffer.from(key).toString('latin1'));
  if (server['server.crt'] && key && !keyEncrypted) checkPair(Buffer.from(server['server.crt']), Buffer.from(key), dirArg, now, warnings);
  checkPublicFiles(server, dirArg);
  return {
    dir,
    pgVersion: pgVersionOf(answers.toString('utf8'), join(dir, 'answers.json')),
    hba: hba.toString('utf8'),
    settings: settings.toString('utf8'),
    server,
    keyEncrypted,
    warnings,
  };
}
