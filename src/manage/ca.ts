/**
 * The kept CA of a bundle: `BUNDLE/ca` or wherever it was moved (--ca DIR).
 * Its keys are read here and handed to pki/ only; nothing prints them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaMaterial } from '../pki/index.js';
import { UsageError } from '../errors.js';
import type { LoadedBundle } from './bundle-io.js';

/** The CA certificates of a bundle, with keys when they were asked for. */
export interface CaSet {
  readonly root: CaMaterial;
  readonly intermediate: CaMaterial | undefined;
  /** The CA that signs servers and clients: the intermediate when there is one. */
  readonly issuing: CaMaterial;
  readonly issuingName: 'root' | 'intermediate';
}

async function readPem(path: string, what: string, hint: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${path}: cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${hint}`);
  }
}

/** Load the CA that signs for this bundle (keys included). Self-signed bundles and missing keys are usage errors. */
export async function loadCa(bundle: LoadedBundle, caDir: string | undefined): Promise<CaSet> {
  if (bundle.answers.pki === 'self-signed') {
    throw new UsageError(`${bundle.dir}: a self-signed bundle has no CA to sign with; make a new bundle with a CA (generate --pki ca) to issue, revoke or renew certificates`);
  }
  const dir = caDir ?? join(bundle.dir, 'ca');
  const hint = caDir ? 'check --ca DIR' : 'if the CA was moved offline, pass --ca DIR where it is now';
  const pair = async (name: string): Promise<CaMaterial> => ({
    certPem: await readPem(join(dir, `${name}.crt`), `${name} CA certificate`, hint),
    keyPem: await readPem(join(dir, `${name}.key`), `${name} CA private key`, hint),
  });
  const root = await pair('root');
  const intermediate = bundle.answers.pki === 'ca-intermediate' ? await pair('intermediate') : undefined;
  return { root, intermediate, issuing: intermediate ?? root, issuingName: intermediate ? 'intermediate' : 'root' };
}

/** PEM blocks of a certificate file, in order (leaf first in server.crt). */
export function pemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)].map((m) => m[0].trimEnd() + '\n');
}
